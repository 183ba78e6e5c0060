//! The one seam between the lock-free code and the atomics it runs on.
//!
//! Normal builds use [`portable_atomic`], so that a target without native
//! compare-and-swap (Cortex-M0) can still build the crate when the user opts
//! into `portable_atomic_unsafe_assume_single_core`. Builds with `--cfg loom`
//! swap in [`loom`]'s model-checked atomics, so the ring's loom tests run the
//! very code that ships.
//!
//! The width of a ring word is chosen here, once, by target:
//!
//! | target pointer width | ring word | why |
//! |---|---|---|
//! | 64 bits | `u64` | native 64-bit CAS; ABA needs about 2^63 operations |
//! | 32 bits and less | `u32` | the widest CAS thumbv7em and riscv32imac have |
//!
//! A 64-bit word on a 32-bit microcontroller would silently become a lock
//! inside portable-atomic's fallback (which this crate disables), so the
//! narrower word is a design decision, not an economy.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::AtomicBool;
#[cfg(not(loom))]
pub(crate) use portable_atomic::AtomicBool;

#[cfg(all(loom, not(target_pointer_width = "64")))]
pub(crate) use loom::sync::atomic::AtomicU32 as AtomicWord;
#[cfg(all(loom, target_pointer_width = "64"))]
pub(crate) use loom::sync::atomic::AtomicU64 as AtomicWord;
#[cfg(all(not(loom), not(target_pointer_width = "64")))]
pub(crate) use portable_atomic::AtomicU32 as AtomicWord;
#[cfg(all(not(loom), target_pointer_width = "64"))]
pub(crate) use portable_atomic::AtomicU64 as AtomicWord;

pub(crate) use core::sync::atomic::Ordering;

/// The unsigned integer held by an [`AtomicWord`]: one ring slot or cursor.
#[cfg(target_pointer_width = "64")]
pub(crate) type Word = u64;
/// The unsigned integer held by an [`AtomicWord`]: one ring slot or cursor.
#[cfg(not(target_pointer_width = "64"))]
pub(crate) type Word = u32;

/// Called where a lock-free loop retries because another thread moved first.
///
/// On hardware it does nothing: the retry itself is the progress. Under loom
/// it yields, which tells the model checker that this thread cannot progress
/// until another one runs (loom's requirement for every retry loop).
#[inline(always)]
pub(crate) fn retry_hint() {
    #[cfg(loom)]
    loom::thread::yield_now();
}
