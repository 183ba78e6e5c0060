# Sourced by the firmware scripts: puts ~/.cargo/bin on PATH and makes sure
# the pinned toolchain (rust-toolchain.toml) has every target named in the
# array TARGETS, installing the pinned toolchain with its targets if one
# is missing.
# shellcheck shell=bash

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
