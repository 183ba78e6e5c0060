#!/usr/bin/env bash
# QEMU system-emulation tests (issue 17): one static pool shared by a main
# loop and a timer interrupt handler, on three instruction sets: the rows of
# firmware/qemu/targets.txt (target, QEMU machine, pool type, timer,
# RUSTFLAGS, QEMU command), the one table of them.
#
# The firmware is the package in firmware/qemu (its src/test.rs says what
# is checked). Each image runs under `-icount shift=0,sleep=off` (one
# instruction per nanosecond of virtual time: the same image replays the
# same run, interrupt for interrupt) and `timeout`; it exits through
# semihosting: 0 and one summary line when every check passed, non-zero on
# any mismatch; a hang is killed by the timeout. Any failure makes this
# script fail. `cargo fmt --check` and clippy (`-D warnings`, each target)
# cover the package too.
#
# Every pseudo-random choice of a run (intervals between interrupts, the
# main loop's and the handler's steps) comes from one seed, built into the
# images: IOBUF_QEMU_SEED when set, else a new random one each time, so
# that CI tries a new schedule on every run. The seed is in every summary
# line and failure message; to replay a run (same sources and toolchain),
# pass it back:
#     IOBUF_QEMU_SEED=<seed> bash .ci/qemu.sh
#
# Installs what it needs: the rustup targets pinned by rust-toolchain.toml
# (rustup itself must be there: `.ci/run` installs it), and
# qemu-system-arm / qemu-system-misc from Debian when missing (as root, or
# through sudo). An installed qemu-utils from the backports suite blocks
# the plain suite's packages: then they come from backports too, whose apt
# source is added when absent.
#
# Usage: bash .ci/qemu.sh               the honest runs
#        bash .ci/qemu.sh --sabotage    then each sabotage build (the
#                                       `sabotage-*` features of
#                                       firmware/qemu/Cargo.toml) on each
#                                       target: each must fail in the way it
#                                       is meant to (status and message, or
#                                       a timeout)
#        bash .ci/qemu.sh --sabotage-only
# Env:   IOBUF_QEMU_SEED    the seed (decimal, below 2^32; default: random)
#        QEMU_TIMEOUT       seconds a run may take (default 30; an honest run
#                           takes about 2 s)
#        QEMU_HANG_TIMEOUT  seconds the hang sabotage runs before it counts
#                           as caught (default 5; it hangs after 0.02 s)
#        QEMU_TARGET_DIR    cargo's target directory for the package
#                           (default firmware/qemu/target, whatever
#                           CARGO_TARGET_DIR says); images go to its images/.

set -euo pipefail
CALLER_DIR=$PWD
cd "$(dirname "${BASH_SOURCE[0]}")/.."

START=$SECONDS
QEMU_TIMEOUT=${QEMU_TIMEOUT:-30}
QEMU_HANG_TIMEOUT=${QEMU_HANG_TIMEOUT:-5}
PACKAGE=firmware/qemu
# The package's own target directory, whatever the caller's environment
# says, unless QEMU_TARGET_DIR names another (relative to the caller's
# directory).
if [[ -n ${QEMU_TARGET_DIR:-} ]]; then
    [[ $QEMU_TARGET_DIR == /* ]] || QEMU_TARGET_DIR=$CALLER_DIR/$QEMU_TARGET_DIR
    export CARGO_TARGET_DIR=$QEMU_TARGET_DIR
else
    export CARGO_TARGET_DIR=$PWD/$PACKAGE/target
fi
IMAGES=$CARGO_TARGET_DIR/images

honest=1
sabotage=0
MODE=${1:-}
case $MODE in
"") ;;
--sabotage) sabotage=1 ;;
--sabotage-only) honest=0 sabotage=1 ;;
*)
    printf 'usage: bash .ci/qemu.sh [--sabotage | --sabotage-only]\n' >&2
    exit 2
    ;;
esac

say() { printf 'qemu.sh: %s\n' "$*"; }
# fail MESSAGE: the failure, and how to replay it once the seed is known.
fail() {
    printf 'qemu.sh: FAILED: %s\n' "$*" >&2
    if [[ -n ${IOBUF_QEMU_SEED:-} ]]; then
        printf 'qemu.sh: seed %s; to replay: IOBUF_QEMU_SEED=%s bash .ci/qemu.sh%s\n' \
            "$IOBUF_QEMU_SEED" "$IOBUF_QEMU_SEED" "${MODE:+ $MODE}" >&2
    fi
    exit 1
}

# The seed of every image of this run (see the top): 32 random bits.
seed=${IOBUF_QEMU_SEED:-$(((RANDOM << 17 | RANDOM << 2 | RANDOM & 3) & 0xFFFFFFFF))}
unset IOBUF_QEMU_SEED
if ! [[ $seed =~ ^[0-9]{1,10}$ ]] || ((10#$seed > 4294967295)); then
    fail "IOBUF_QEMU_SEED=$seed: not a decimal number below 2^32"
fi
export IOBUF_QEMU_SEED=$((10#$seed))
say "seed $IOBUF_QEMU_SEED (to replay: IOBUF_QEMU_SEED=$IOBUF_QEMU_SEED bash .ci/qemu.sh${MODE:+ $MODE})"

# The targets, from the table: TARGETS in order; MACHINE, RUSTFLAGS_OF and
# EMULATOR (QEMU and its own options) by target.
declare -A MACHINE RUSTFLAGS_OF EMULATOR
TARGETS=()
trim() {
    local s=$1
    s=${s#"${s%%[![:space:]]*}"}
    printf '%s' "${s%"${s##*[![:space:]]}"}"
}
while IFS='|' read -r target machine _core _timer _hz _pool flags qemu; do
    target=$(trim "$target")
    [[ -z $target || $target == '#'* ]] && continue
    TARGETS+=("$target")
    MACHINE[$target]=$(trim "$machine")
    RUSTFLAGS_OF[$target]=$(trim "$flags")
    EMULATOR[$target]=$(trim "$qemu")
done <"$PACKAGE/targets.txt"
((${#TARGETS[@]} > 0)) || fail "no targets in $PACKAGE/targets.txt"

# QEMU options for every machine; qemu_for TARGET sets QEMU to the whole
# command line but the image.
# shellcheck disable=SC2054 # the commas are QEMU's, inside one argument
# `sleep=off`: virtual time never follows the host's clock, which makes
# `virt` replay exactly too.
COMMON=(-nographic -monitor none -serial null
    -semihosting-config enable=on,target=native -icount shift=0,sleep=off)
qemu_for() {
    local emulator
    read -ra emulator <<<"${EMULATOR[$1]}"
    QEMU=("${emulator[0]}" -M "${MACHINE[$1]}" "${emulator[@]:1}" "${COMMON[@]}")
}

# --- what it needs ---------------------------------------------------------------

# shellcheck source=.ci/rust-targets.sh
. .ci/rust-targets.sh

missing=()
for target in "${TARGETS[@]}"; do
    read -r emulator _ <<<"${EMULATOR[$target]}"
    if ! command -v "$emulator" >/dev/null && [[ " ${missing[*]} " != *" $emulator "* ]]; then
        missing+=("$emulator")
    fi
done
if ((${#missing[@]} > 0)); then
    sudo=()
    if (($(id -u) != 0)); then
        if ! command -v sudo >/dev/null; then
            fail "${missing[*]} not found, and this script can install them (Debian's" \
                "qemu-system-arm and qemu-system-misc) only as root or through sudo, which" \
                "is not installed: install them, or run it as root"
        fi
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

# build TARGET [FEATURE]: builds the image and copies it to
# $IMAGES/TARGET[-FEATURE].elf, whose path it leaves in IMAGE.
build() {
    local target=$1 feature=${2:-}
    local features=()
    if [[ -n $feature ]]; then
        features=(--features "$feature")
    fi
    (cd "$PACKAGE" && RUSTFLAGS=${RUSTFLAGS_OF[$target]} cargo build --quiet --locked \
        --release --target "$target" "${features[@]}")
    mkdir -p "$IMAGES"
    IMAGE=$IMAGES/$target${feature:+-$feature}.elf
    cp "$CARGO_TARGET_DIR/$target/release/iobuf-qemu" "$IMAGE"
}

# run TARGET [TIMEOUT]: runs IMAGE under QEMU and timeout (QEMU_TIMEOUT
# seconds unless given); leaves the exit status in RC, the output (stdout
# and stderr) in OUTPUT and the seconds in TOOK.
run() {
    qemu_for "$1"
    local start=$SECONDS
    RC=0
    OUTPUT=$(timeout -k 5 "${2:-$QEMU_TIMEOUT}" "${QEMU[@]}" -kernel "$IMAGE" 2>&1) || RC=$?
    TOOK=$((SECONDS - start))
}

if ((honest)); then
    (cd "$PACKAGE" && cargo fmt --check)
    for target in "${TARGETS[@]}"; do
        (cd "$PACKAGE" && RUSTFLAGS=${RUSTFLAGS_OF[$target]} cargo clippy --quiet --locked \
            --release --target "$target" -- -D warnings)
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
    # feature | how the run must fail: "exit N: text in the output" or
    # "timeout" (after QEMU_HANG_TIMEOUT seconds).
    SABOTAGES=(
        "sabotage-stamp|exit 1: overwritten at the start"
        "sabotage-stamp-tail|exit 1: overwritten at the end"
        "sabotage-owner|exit 1: while the main loop held it"
        "sabotage-stale|exit 1: accepted stale id"
        "sabotage-mailbox|exit 1: refused handed-off id"
        "sabotage-empty|exit 1: spurious PoolEmpty in the handler"
        "sabotage-transit|exit 1: no main-loop buffer in transit"
        "sabotage-range|exit 1: out-of-range id"
        "sabotage-leak|exit 1: not every buffer is back"
        "sabotage-distinct|exit 1: handed out twice"
        "sabotage-idle|exit 1: the run did not exercise"
        "sabotage-timer|exit 1: the timer interrupt does not fire"
        "sabotage-panic|exit 101: sabotage-panic"
        "sabotage-fault|exit 3: fault: "
        "sabotage-hang|timeout"
    )
    say "sabotage runs: each must fail (a hang: killed after ${QEMU_HANG_TIMEOUT} s)"
    for entry in "${SABOTAGES[@]}"; do
        feature=${entry%%|*}
        expect=${entry#*|}
        for target in "${TARGETS[@]}"; do
            build "$target" "$feature"
            if [[ $expect == timeout ]]; then
                run "$target" "$QEMU_HANG_TIMEOUT"
                ((RC == 124 || RC == 137)) || {
                    printf '%s\n' "$OUTPUT" >&2
                    fail "$feature on $target: exit status $RC, expected a timeout"
                }
                printf '%-19s %-28s caught: timed out after %d s\n' "$feature" "$target" "$TOOK"
            else
                run "$target"
                status=${expect#exit }
                status=${status%%:*}
                text=${expect#*: }
                if ((RC != status)) || ! grep -qF -- "$text" <<<"$OUTPUT"; then
                    printf '%s\n' "$OUTPUT" >&2
                    fail "$feature on $target: exit status $RC, expected $status with \"$text\""
                fi
                first=$(grep -m1 '^FAIL' <<<"$OUTPUT" || true)
                printf '%-19s %-28s caught: exit %d [%d s]: %s\n' "$feature" "$target" "$RC" \
                    "$TOOK" "${first#FAIL \[*\]: }"
            fi
        done
    done
fi

say "all runs as expected in $((SECONDS - START)) s (seed $IOBUF_QEMU_SEED)"
