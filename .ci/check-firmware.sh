#!/usr/bin/env bash
# Builds examples/firmware_dma for a Cortex-M4F and checks the linked image:
#
#  1. the pool `RX_POOL`, a `static SmallPool<1024>`, is in `.bss` (all zero
#     bytes: no flash, no start-up copy) and is at least 1 MiB;
#  2. no `cpsid`/`cpsie` anywhere: the get/put path takes no critical section;
#  3. `ldrex`/`strex` are present: compare-and-swap is native.
#
# Uses llvm-nm / llvm-objdump from the rustup `llvm-tools` component.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TARGET=thumbv7em-none-eabihf
IMAGE=${CARGO_TARGET_DIR:-target}/$TARGET/release/examples/firmware_dma

fail() {
    printf 'check-firmware: %s\n' "$*" >&2
    exit 1
}

cargo build --release --example firmware_dma --target "$TARGET" --no-default-features

nm=("$(rustc --print sysroot)"/lib/rustlib/*/bin/llvm-nm)
[[ -x ${nm[0]} ]] || fail "llvm-nm not found (rustup component add llvm-tools)"
tools=$(dirname "${nm[0]}")

# 1. The pool's symbol and section.
printf -- '-- symbol table (llvm-objdump -t), RX_POOL:\n'
pool=$("$tools/llvm-objdump" -t "$IMAGE" | grep -E '_ZN[0-9]+firmware_dma[0-9]+RX_POOL' ||
    fail "no RX_POOL symbol in $IMAGE")
printf '%s\n' "$pool"
printf -- '-- demangled (llvm-nm -S -C: address size type name):\n'
"$tools/llvm-nm" -S -C "$IMAGE" | grep -E 'firmware_dma::RX_POOL'

# Fields: address, flags, section, size, name; the flags contain spaces.
read -r section size < <(awk '{ for (i = 1; i < NF; i++) if ($i ~ /^\./) { print $i, $(i + 1); exit } }' <<<"$pool")
[[ $section == .bss ]] || fail "RX_POOL is in $section, not .bss"
size=$((16#$size))
((size >= 1024 * 1024)) || fail "RX_POOL is $size bytes, expected at least 1 MiB"
printf 'RX_POOL: %d bytes in .bss\n' "$size"

# 2 and 3. Instructions of the whole image.
disassembly=$("$tools/llvm-objdump" -d --no-show-raw-insn "$IMAGE")
# count MNEMONIC: its occurrences, with any condition code (in an IT block)
# or width suffix.
conditions='eq|ne|cs|cc|hs|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al'
count() {
    grep -cE "^\s*[0-9a-f]+:\s+($1)($conditions)?(\.[nw])?\s" <<<"$disassembly" || true
}
cpsid=$(count cpsid)
cpsie=$(count cpsie)
ldrex=$(count 'ldrex[bhd]?')
strex=$(count 'strex[bhd]?')
printf 'instructions: cpsid=%d cpsie=%d ldrex=%d strex=%d\n' "$cpsid" "$cpsie" "$ldrex" "$strex"
((cpsid == 0 && cpsie == 0)) || fail "interrupts are masked somewhere (critical section)"
((ldrex > 0 && strex > 0)) || fail "no ldrex/strex: compare-and-swap is not native"

printf 'check-firmware: ok\n'
