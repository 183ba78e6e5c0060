//! Keeping hot atomics on cache lines of their own.

use core::ops::Deref;

/// A value alone on its cache line (or on the pair of lines a prefetcher
/// pulls in together), so that writers of neighbouring values do not steal
/// the line from its readers ("false sharing").
///
/// Line sizes follow what the targets' cores fetch: 128 bytes on x86-64
/// (the spatial prefetcher pairs 64-byte lines), AArch64 and POWER; 32 bytes
/// on 32-bit ARM, RISC-V and MIPS (Cortex-M7 and most embedded cores use
/// 32-byte lines, and RAM there is too scarce to pad further); 64 elsewhere.
#[cfg_attr(
    any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "powerpc64",
    ),
    repr(C, align(128))
)]
#[cfg_attr(
    any(
        target_arch = "arm",
        target_arch = "mips",
        target_arch = "riscv32",
        target_arch = "riscv64",
    ),
    repr(C, align(32))
)]
#[cfg_attr(
    not(any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "powerpc64",
        target_arch = "arm",
        target_arch = "mips",
        target_arch = "riscv32",
        target_arch = "riscv64",
    )),
    repr(C, align(64))
)]
pub(crate) struct CachePadded<T>(T);

impl<T> CachePadded<T> {
    /// Wraps `value`.
    pub(crate) const fn new(value: T) -> Self {
        Self(value)
    }
}

impl<T> Deref for CachePadded<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}
