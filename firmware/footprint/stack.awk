# Worst-case stack depth of one function and everything it calls, from the
# disassembly of a linked image (`llvm-objdump -d -C --no-show-raw-insn`),
# for Thumb (ARMv6-M, ARMv7-M) and RISC-V. Used by `.ci/footprint.sh`.
#
#   awk -v entry=SUBSTRING -v arch=arm|riscv [-v frames=1] -f stack.awk DISASSEMBLY
#
# entry: a substring of the demangled name of the function to start from.
# frames=1: print only `ADDRESS FRAME` (hex, bytes) for every function.
#
# A function's frame is the sum of every instruction in it that moves the
# stack pointer down: Thumb `push`, `vpush`, `stmdb sp!`, `str… [sp, #-N]!`,
# `sub sp, #N`; RISC-V `addi sp, sp, -N`. (A function with two such
# prologues on different paths is over-counted, never under-counted.)
# Calls: Thumb `bl`/`blx` to an address; RISC-V `jal` and `auipc` + `jalr`.
# A branch (Thumb `b`, RISC-V `j`, `auipc` + `jr`) to the start of another
# function is a tail call, counted on top of the caller's whole frame (also an upper
# bound: a real tail call runs after the caller's frame is popped).
#
# depth(f) = frame(f) + the largest depth of what f calls.
#
# Prints, one per line:
#   depth N               the worst case, every path (panics included)
#   path F (N B) > …      the deepest chain, with each function's frame
#   nopanic N             the worst case without core's panic functions
#                         and the panic handler
#   nopanic_path F > …    its chain
#   unknown TEXT          anything that makes the figure a lower bound:
#                         an indirect call or branch, a stack pointer moved
#                         by a register, recursion, an unknown target.
# Exit status 2 when the entry function is not found.

function hex(s, i, c, v) {
    s = tolower(s)
    sub(/^0x/, "", s)
    v = 0
    for (i = 1; i <= length(s); i++) {
        c = index("0123456789abcdef", substr(s, i, 1))
        if (c == 0) break
        v = v * 16 + c - 1
    }
    return v
}

# A number as objdump prints it: decimal or 0x hex, maybe negative, maybe
# after a `#`.
function num(s, neg) {
    gsub(/[#\[\]!]/, "", s)
    neg = 0
    if (substr(s, 1, 1) == "-") { neg = 1; s = substr(s, 2) }
    v = (s ~ /^0x/) ? hex(s) : s + 0
    return neg ? -v : v
}

# The function that contains address a, or "" when none does.
function func_at(a, i, best) {
    best = ""
    for (i = 1; i <= nfuncs; i++) {
        if (fstart[i] <= a && (best == "" || fstart[i] > fstart[best])) best = i
    }
    return best
}

function add_edge(a, kind) {
    nedges[cur]++
    etarget[cur, nedges[cur]] = a
    ekind[cur, nedges[cur]] = kind
}

function note(text) {
    unknowns[cur] = unknowns[cur] (unknowns[cur] == "" ? "" : "; ") text
}

# Registers in a `{r4, r5, lr}` or `{d8-d9}` list, times their size.
function reglist_bytes(list, n, i, parts, r, lo, hi, size) {
    gsub(/[{} ]/, "", list)
    n = split(list, parts, ",")
    total = 0
    for (i = 1; i <= n; i++) {
        r = parts[i]
        size = (r ~ /^d/) ? 8 : 4
        if (r ~ /-/) {
            split(r, range, "-")
            lo = substr(range[1], 2) + 0
            hi = substr(range[2], 2) + 0
            total += (hi - lo + 1) * size
        } else {
            total += size
        }
    }
    return total
}

BEGIN {
    nfuncs = 0
    cur = 0
    conds = "(eq|ne|cs|cc|hs|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al)"
}

# A symbol header: `0002027c <name>:`. ARM mapping symbols ($d, $t, $a)
# and local labels (.L…) continue the function they are in.
/^[0-9a-f]+ <.*>:$/ {
    name = $0
    sub(/^[0-9a-f]+ </, "", name)
    sub(/>:$/, "", name)
    if (name ~ /^\$[adt]/ || name ~ /^\.L/) next
    nfuncs++
    cur = nfuncs
    fstart[cur] = hex($1)
    fname[cur] = name
    frame[cur] = 0
    nedges[cur] = 0
    unknowns[cur] = ""
    auipc_reg = ""
    next
}

cur > 0 && /^ +[0-9a-f]+:/ {
    pc = hex($1)
    mnem = $2
    ops = $0
    sub(/^ +[0-9a-f]+:[ \t]+[^ \t]+[ \t]*/, "", ops)
    sub(/[ \t]+@.*$/, "", ops) # Thumb's `@ imm = …` comments
    prev_auipc = auipc_reg
    auipc_reg = ""

    if (arch == "arm") {
        if (mnem ~ /^push(\.w)?$/ || mnem ~ /^vpush(\.[0-9]+)?$/) {
            frame[cur] += reglist_bytes(ops)
        } else if (mnem ~ /^stmdb(\.w)?$/ && ops ~ /^sp!/) {
            sub(/^sp!, */, "", ops)
            frame[cur] += reglist_bytes(ops)
        } else if (mnem ~ /^str/ && match(ops, /\[sp, #-?(0x)?[0-9a-f]+\]!/)) {
            off = substr(ops, RSTART + 5, RLENGTH - 7)
            if (num(off) < 0) frame[cur] += -num(off)
        } else if (mnem ~ /^subw?s?(\.w)?$/ && ops ~ /^sp, /) {
            n = split(ops, o, /, */)
            if (o[n] ~ /^#/) frame[cur] += num(o[n])
            else note("stack pointer moved by a register: " mnem " " ops)
        } else if (mnem ~ /^add(\.w)?$/ && ops ~ /^sp, / && ops !~ /#/) {
            # (`mov sp, rN` restores a saved stack pointer: an epilogue.)
            note("stack pointer moved by a register: " mnem " " ops)
        } else if (mnem == "bl" || mnem == "blx") {
            if (ops ~ /^0x/) add_edge(hex(ops), "call")
            else note("indirect call: " mnem " " ops)
        } else if (mnem ~ ("^b" conds "?(\\.[wn])?$") && ops ~ /^0x/) {
            a = hex(ops)
            add_edge(a, "tail")
        } else if (mnem ~ ("^bx" conds "?$") && ops != "lr") {
            note("indirect branch: " mnem " " ops)
        } else if (mnem ~ /^(ldr|mov)/ && ops ~ /^pc,/) {
            note("indirect branch: " mnem " " ops)
        }
    } else {
        if (mnem ~ /^(c\.)?addi(16sp)?$/ && ops ~ /^sp, sp, -/) {
            n = split(ops, o, /, */)
            frame[cur] += -num(o[n])
        } else if (mnem ~ /^(c\.)?(add|sub)$/ && ops ~ /^sp, /) {
            note("stack pointer moved by a register: " mnem " " ops)
        } else if (mnem == "auipc") {
            split(ops, o, /, */)
            imm = hex(o[2])
            if (imm >= 524288) imm -= 1048576
            auipc_reg = o[1]
            auipc_val = pc + imm * 4096
        } else if (mnem == "jal" || mnem == "j") {
            n = split(ops, o, /, */)
            if (n == 2) { rd = o[1]; t = o[2] } else { rd = (mnem == "j") ? "zero" : "ra"; t = o[1] }
            sub(/ .*/, "", t)
            a = hex(t)
            if (rd == "ra") add_edge(a, "call")
            else add_edge(a, "tail")
        } else if (mnem == "jalr" || mnem == "jr") {
            # jalr OFF(RS) | jalr RD, OFF(RS) | jalr RS | jr OFF(RS) | jr RS
            t = ops
            sub(/ <.*$/, "", t)
            n = split(t, o, /, */)
            if (n == 2) { rd = o[1]; t = o[2] } else { rd = (mnem == "jr") ? "zero" : "ra" }
            if (match(t, /\(.*\)/)) {
                rs = substr(t, RSTART + 1, RLENGTH - 2)
                off = num(substr(t, 1, RSTART - 1))
            } else {
                rs = t
                off = 0
            }
            if (rs == prev_auipc) {
                add_edge(auipc_val + off, rd == "zero" ? "tail" : "call")
            } else if (!(rd == "zero" && rs == "ra" && off == 0)) {
                note("indirect " (rd == "zero" ? "branch" : "call") ": " mnem " " ops)
            }
        }
    }
}

function is_panic(i) {
    return fname[i] ~ /core::panicking|rust_begin_unwind|panic_handler|core::result::unwrap_failed|core::option::/
}

# depth(i): frame plus the deepest callee; skip_panic leaves out core's
# panic functions and the panic handler.
function depth(i, skip_panic, e, j, d, best, bestj, key) {
    key = i SUBSEP skip_panic
    if (key in memo) return memo[key]
    if (onstack[i]) {
        recursion = recursion " " fname[i]
        return 0
    }
    onstack[i] = 1
    best = 0
    bestj = 0
    for (e = 1; e <= nedges[i]; e++) {
        j = func_at(etarget[i, e])
        if (j == "") {
            unknown_targets = unknown_targets sprintf(" 0x%x", etarget[i, e])
            continue
        }
        if (j == i && ekind[i, e] == "tail") continue
        if (skip_panic && is_panic(j)) continue
        d = depth(j, skip_panic)
        if (d > best) { best = d; bestj = j }
    }
    onstack[i] = 0
    memo[key] = frame[i] + best
    next_in_chain[key] = bestj
    if (unknowns[i] != "") seen_unknown[i] = 1
    return memo[key]
}

function chain(i, skip_panic, s, key) {
    s = ""
    while (i) {
        s = s (s == "" ? "" : " > ") fname[i] " (" frame[i] " B)"
        key = i SUBSEP skip_panic
        i = next_in_chain[key]
    }
    return s
}

END {
    # Branches: keep those to the start of another function (tail calls).
    # A branch into the middle of another function is no call: objdump
    # decoding the padding after a call that does not return (a `bmi` after
    # a `bl` to the panic handler, say).
    for (i = 1; i <= nfuncs; i++) starts[fstart[i]] = i
    for (i = 1; i <= nfuncs; i++) {
        m = 0
        for (e = 1; e <= nedges[i]; e++) {
            if (ekind[i, e] == "tail" && (!(etarget[i, e] in starts) || starts[etarget[i, e]] == i)) continue
            m++
            etarget[i, m] = etarget[i, e]
            ekind[i, m] = ekind[i, e]
        }
        nedges[i] = m
    }
    if (frames) {
        for (i = 1; i <= nfuncs; i++) printf "%x %d\n", fstart[i], frame[i]
        exit 0
    }
    root = 0
    for (i = 1; i <= nfuncs; i++) {
        if (index(fname[i], entry)) { root = i; break }
    }
    if (!root) {
        print "no function matching " entry > "/dev/stderr"
        exit 2
    }
    print "depth " depth(root, 0)
    print "path " chain(root, 0)
    print "nopanic " depth(root, 1)
    print "nopanic_path " chain(root, 1)
    for (i in seen_unknown) print "unknown " fname[i] ": " unknowns[i]
    if (recursion != "") print "unknown recursion:" recursion
    if (unknown_targets != "") print "unknown call targets outside every function:" unknown_targets
}
