# The panic locations compiled into an image: every `core::panic::Location`
# in its read-only data (a file name's address and length, a line and a
# column: four little-endian 32-bit words, on a 32-bit target) whose file
# name is a Rust source path. Used by `.ci/footprint.sh`.
#
#   llvm-objdump -s -j .rodata IMAGE | awk -f locations.awk
#
# Prints `FILE:LINE:COLUMN` lines, in the order of the records.

function hex(s, i, c, v) {
    s = tolower(s)
    v = 0
    for (i = 1; i <= length(s); i++) {
        c = index("0123456789abcdef", substr(s, i, 1))
        if (c == 0) break
        v = v * 16 + c - 1
    }
    return v
}

function word(a) {
    return byte[a] + byte[a + 1] * 256 + byte[a + 2] * 65536 + byte[a + 3] * 16777216
}

# ` 10104 20696e64 6578206f 7574206f 6620626f   index out of bo`
/^ [0-9a-f]+ / {
    a = hex($1)
    if (first == "") first = a
    for (f = 2; f <= 5; f++) {
        if ($f !~ /^[0-9a-f]+$/ || length($f) % 2) break
        for (i = 1; i < length($f); i += 2) {
            byte[a] = hex(substr($f, i, 2))
            a++
        }
    }
    last = a
}

END {
    for (a = first - first % 4; a + 16 <= last; a += 4) {
        if (!(a in byte)) continue
        ptr = word(a)
        len = word(a + 4)
        if (ptr < first || ptr + len > last || len < 4 || len > 400) continue
        name = ""
        ok = 1
        for (i = 0; i < len; i++) {
            c = byte[ptr + i]
            if (c < 32 || c > 126) { ok = 0; break }
            name = name sprintf("%c", c)
        }
        if (!ok || name !~ /\.rs$/) continue
        line = word(a + 8)
        col = word(a + 12)
        if (line == 0 || line > 1000000 || col > 10000) continue
        print name ":" line ":" col
    }
}
