#!/usr/bin/env bash
# QEMU system-emulation tests (issue 17): one static pool shared by a main
# loop and a timer interrupt handler, on three instruction sets.
#
# | target                       | QEMU machine | timer interrupt |
# |------------------------------|--------------|-----------------|
# | thumbv7em-none-eabihf        | mps2-an386   | SysTick         |
# | thumbv6m-none-eabi           | microbit     | SysTick         |
# | riscv32imac-unknown-none-elf | virt         | CLINT mtimecmp  |
#
# The firmware is the package in firmware/qemu (its src/test.rs says what
# is checked). Each image runs under `-icount shift=0` (one instruction per
# nanosecond of virtual time: the interrupts land at the same instructions
# from run to run on the Arm machines, nearly so on `virt`) and `timeout`;
# it exits through semihosting: 0 and one summary line when every check
# passed, non-zero on any mismatch; a hang is killed by the timeout. Any
# failure makes this script fail. `cargo fmt --check` and clippy
# (`-D warnings`, each target) cover the package too.
#
# Installs what it needs: the rustup targets pinned by rust-toolchain.toml
# (rustup itself must be there: `.ci/run` installs it), and
# qemu-system-arm / qemu-system-misc from Debian when missing. An installed
# qemu-utils from the backports suite blocks the plain suite's packages:
# then they come from backports too, whose apt source is added when absent.
#
# Usage: bash .ci/qemu.sh               the three honest runs
#        bash .ci/qemu.sh --sabotage    then each sabotage build (the
#                                       `sabotage-*` features of
#                                       firmware/qemu/Cargo.toml) on each
#                                       target: each must fail in the way it
#                                       is meant to (status and message, or
#                                       a timeout)
#        bash .ci/qemu.sh --sabotage-only
# Env:   QEMU_TIMEOUT   seconds a run may take (default 30; an honest run
#                       takes about 2 s)
# Images are kept in firmware/qemu/target/images/.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

START=$SECONDS
QEMU_TIMEOUT=${QEMU_TIMEOUT:-30}
PACKAGE=firmware/qemu
# The package's own target directory, whatever the caller's environment says.
export CARGO_TARGET_DIR=$PWD/$PACKAGE/target
IMAGES=$CARGO_TARGET_DIR/images

honest=1
sabotage=0
case ${1:-} in
"") ;;
--sabotage) sabotage=1 ;;
--sabotage-only) honest=0 sabotage=1 ;;
*)
    printf 'usage: bash .ci/qemu.sh [--sabotage | --sabotage-only]\n' >&2
    exit 2
    ;;
esac

say() { printf 'qemu.sh: %s\n' "$*"; }
fail() {
    printf 'qemu.sh: FAILED: %s\n' "$*" >&2
    exit 1
}

# QEMU options for every machine; qemu_for TARGET sets QEMU to the whole
# command line but the image.
# shellcheck disable=SC2054 # the commas are QEMU's, inside one argument
COMMON=(-nographic -monitor none -serial null
    -semihosting-config enable=on,target=native -icount shift=0)
TARGETS=(thumbv7em-none-eabihf thumbv6m-none-eabi riscv32imac-unknown-none-elf)
qemu_for() {
    case $1 in
    thumbv7em-none-eabihf) QEMU=(qemu-system-arm -M mps2-an386 "${COMMON[@]}") ;;
    thumbv6m-none-eabi) QEMU=(qemu-system-arm -M microbit "${COMMON[@]}") ;;
    riscv32imac-unknown-none-elf) QEMU=(qemu-system-riscv32 -M virt -bios none "${COMMON[@]}") ;;
    esac
}

# --- what it needs ---------------------------------------------------------------

if [[ -d $HOME/.cargo/bin ]]; then
    PATH=$HOME/.cargo/bin:$PATH
fi
installed=$(rustup target list --installed 2>/dev/null || true)
for target in "${TARGETS[@]}"; do
    if ! grep -qx "$target" <<<"$installed"; then
        # Installs what rust-toolchain.toml pins, its targets included.
        rustup toolchain install || rustup show
        break
    fi
done

if ! command -v qemu-system-arm >/dev/null || ! command -v qemu-system-riscv32 >/dev/null; then
    sudo=()
    if (($(id -u) != 0)); then
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    suite=()
    # A qemu-utils from backports breaks the plain suite's qemu-system-*:
    # take them from the same backports suite.
    if [[ $(dpkg-query -W -f '${Version}' qemu-utils 2>/dev/null || true) == *~bpo* ]]; then
        # shellcheck source=/dev/null
        codename=$(. /etc/os-release && printf '%s' "$VERSION_CODENAME")
        backports=$codename-backports
        if ! grep -rqs -- "$backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
            say "adding the $backports suite to apt's sources"
            printf 'deb http://deb.debian.org/debian %s main\n' "$backports" |
                "${sudo[@]}" tee "/etc/apt/sources.list.d/$backports.list" >/dev/null
        fi
        suite=(-t "$backports")
    fi
    say "installing qemu-system-arm, qemu-system-misc ${suite[*]}"
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${suite[@]}" \
        qemu-system-arm qemu-system-misc >/dev/null
fi
say "$(qemu-system-arm --version | head -n 1)"

# --- build and run ----------------------------------------------------------------

# rustflags TARGET: the RUSTFLAGS the target needs.
rustflags() {
    if [[ $1 == thumbv6m-none-eabi ]]; then
        # No compare-and-swap on Cortex-M0: portable-atomic masks interrupts
        # around each atomic read-modify-write (single core only).
        printf '%s' "--cfg portable_atomic_unsafe_assume_single_core"
    fi
}

# build TARGET [FEATURE]: builds the image and copies it to
# $IMAGES/TARGET[-FEATURE].elf, whose path it leaves in IMAGE.
build() {
    local target=$1 feature=${2:-}
    local features=()
    if [[ -n $feature ]]; then
        features=(--features "$feature")
    fi
    (cd "$PACKAGE" && RUSTFLAGS=$(rustflags "$target") cargo build --quiet --release \
        --target "$target" "${features[@]}")
    mkdir -p "$IMAGES"
    IMAGE=$IMAGES/$target${feature:+-$feature}.elf
    cp "$CARGO_TARGET_DIR/$target/release/iobuf-qemu" "$IMAGE"
}

# run TARGET: runs IMAGE under QEMU and timeout; leaves the exit status in
# RC, the output (stdout and stderr) in OUTPUT and the seconds in TOOK.
run() {
    qemu_for "$1"
    local start=$SECONDS
    RC=0
    OUTPUT=$(timeout -k 5 "$QEMU_TIMEOUT" "${QEMU[@]}" -kernel "$IMAGE" 2>&1) || RC=$?
    TOOK=$((SECONDS - start))
}

if ((honest)); then
    (cd "$PACKAGE" && cargo fmt --check)
    for target in "${TARGETS[@]}"; do
        (cd "$PACKAGE" && RUSTFLAGS=$(rustflags "$target") cargo clippy --quiet --release \
            --target "$target" -- -D warnings)
        build "$target"
        run "$target"
        summary=$(grep -m1 '^qemu .*: ok: ' <<<"$OUTPUT" || true)
        if ((RC == 124 || RC == 137)); then
            printf '%s\n' "$OUTPUT" >&2
            fail "$target: timed out after $QEMU_TIMEOUT s (a hang)"
        elif ((RC != 0)) || [[ -z $summary ]]; then
            printf '%s\n' "$OUTPUT" >&2
            fail "$target: exit status $RC"
        fi
        printf '%s [%d s]\n' "$summary" "$TOOK"
    done
fi

if ((sabotage)); then
    # feature | how the run must fail: "exit N: text in the output" or "timeout"
    SABOTAGES=(
        "sabotage-stamp|exit 1: stamp of buffer"
        "sabotage-owner|exit 1: while the main loop held it"
        "sabotage-stale|exit 1: accepted stale id"
        "sabotage-mailbox|exit 1: refused handed-off id"
        "sabotage-leak|exit 1: not every buffer is back"
        "sabotage-distinct|exit 1: handed out twice"
        "sabotage-idle|exit 1: the run did not exercise"
        "sabotage-panic|exit 101: sabotage-panic"
        "sabotage-hang|timeout"
    )
    say "sabotage runs: each must fail (timeout ${QEMU_TIMEOUT} s)"
    for entry in "${SABOTAGES[@]}"; do
        feature=${entry%%|*}
        expect=${entry#*|}
        for target in "${TARGETS[@]}"; do
            build "$target" "$feature"
            run "$target"
            first=$(grep -m1 -E 'FAIL|panicked|sabotage' <<<"$OUTPUT" || true)
            if [[ $expect == timeout ]]; then
                ((RC == 124 || RC == 137)) || {
                    printf '%s\n' "$OUTPUT" >&2
                    fail "$feature on $target: exit status $RC, expected a timeout"
                }
                printf '%-18s %-29s caught: timed out after %d s\n' "$feature" "$target" "$TOOK"
            else
                status=${expect#exit }
                status=${status%%:*}
                text=${expect#*: }
                if ((RC != status)) || ! grep -qF -- "$text" <<<"$OUTPUT"; then
                    printf '%s\n' "$OUTPUT" >&2
                    fail "$feature on $target: exit status $RC, expected $status with \"$text\""
                fi
                printf '%-18s %-29s caught: exit %d [%d s]: %s\n' "$feature" "$target" "$RC" \
                    "$TOOK" "$first"
            fi
        done
    done
fi

say "all runs as expected in $((SECONDS - START)) s"
