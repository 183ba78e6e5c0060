#!/bin/sh
# The full benchmark measurement, from the crate's root or anywhere:
#
#     benches/run.sh
#
# 1. `cargo bench --bench pools`: every group once;
# 2. `cargo bench --bench pools -- '^hand_off/'` twice more: `hand_off` is
#    the noisiest group, and its goals take the median of three runs;
# 3. `cargo bench --bench report`: writes docs/benchmarks.md below its
#    hand-written part (the goals table first) and docs/benchmarks.svg.
#
# Criterion keeps only the latest run's figures (`<group>/<peer>/new/`), so
# after each run this script copies every `hand_off/<peer>/new/estimates.json`
# to `hand_off-runs/run-<k>/<peer>/` in criterion's directory
# ($CARGO_TARGET_DIR/criterion, else target/criterion); the report shows each
# `hand_off` peer's median over those runs. A later plain
# `cargo bench --bench pools` makes the saved runs stale: the report then
# notices, uses that one run and says so (as it does when this script never
# ran).
#
# Arguments go to criterion on every run, e.g. a short smoke run:
#
#     benches/run.sh --warm-up-time 0.1 --measurement-time 0.3
#
# HAND_OFF_RUNS sets the number of `hand_off` runs in all (default 3).
set -eu

cd "$(dirname "$0")/.."
criterion=${CARGO_TARGET_DIR:-target}/criterion
saved=$criterion/hand_off-runs
runs=${HAND_OFF_RUNS:-3}

# Copies criterion's current `hand_off` medians to run-$1.
save() {
    for estimates in "$criterion"/hand_off/*/new/estimates.json; do
        [ -f "$estimates" ] || continue
        peer=$(basename "$(dirname "$(dirname "$estimates")")")
        mkdir -p "$saved/run-$1/$peer"
        cp "$estimates" "$saved/run-$1/$peer/estimates.json"
    done
    echo "run.sh: hand_off medians of run $1 saved in $saved/run-$1" >&2
}

rm -rf "$saved"
cargo bench --bench pools -- "$@"
save 1
k=2
while [ "$k" -le "$runs" ]; do
    cargo bench --bench pools -- "$@" '^hand_off/'
    save "$k"
    k=$((k + 1))
done
cargo bench --bench report
