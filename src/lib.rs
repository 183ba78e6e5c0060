//! Lock-free, bounded, allocation-free buffer pools for firmware,
//! kernel-bypass and io_uring programs.
//!
//! Declare a pool as a `static`, take buffers from anywhere (threads,
//! interrupt handlers, poll loops) and drop them to give them back:
//!
//! ```
//! use iobuf::SmallPool;
//!
//! static POOL: SmallPool<1024> = SmallPool::new(); // 1024 × 1 KiB, in .bss
//!
//! let mut buf = POOL.try_get()?;    // never blocks; `PoolEmpty` when all are out
//! buf[..5].copy_from_slice(b"hello");
//! let id = buf.index();             // stable id, e.g. for a DMA descriptor
//! drop(buf);                        // back in the pool
//! # let _ = id;
//! # Ok::<(), iobuf::PoolEmpty>(())
//! ```
//!
//! # What is in the box
//!
//! * Eight byte tiers, 16 B to 256 KiB in steps of four ([`Tier`],
//!   [`PicoPool`] … [`GiantPool`]), and [`BoundedPool<T, N>`] for any item.
//! * [`try_get`](BoundedPool::try_get) never waits; [`get`](BoundedPool::get)
//!   spins, then waits the way you choose ([`Adapt`]).
//! * A [`Guard`] derefs to the buffer and returns it on drop (also during a
//!   panic). [`Handle::into_raw`] and [`BoundedPool::from_raw_checked`] pass a
//!   buffer through C, DMA descriptors or io_uring `user_data` as a
//!   [`BufIndex`]; bad or repeated indices are typed errors.
//! * `#![no_std]`, no allocator, `const` constructors; lock-free on every
//!   target with compare-and-swap (thumbv7em, riscv32imac, x86-64, AArch64),
//!   and on single-core thumbv6m through portable-atomic.
//!
//! # Design
//!
//! The free indices live in a lock-free ring whose slots carry the lap
//! number in both their full and empty states, so no compare-and-swap can
//! succeed a lap late (the ABA defect of the Go library this crate
//! reimagines). The ring's module documentation gives the algorithm, its
//! sources, the invariants and the reasoning for each memory ordering; the
//! all-free state is all zero bytes, so static pools cost nothing before
//! first use.
//!
//! # Features
//!
//! | feature | effect |
//! |---|---|
//! | `std` | the `sys` layer (Unix): page-aligned `mmap` memory and runtime-sized pools; [`DefaultAdapt`] yields the thread instead of spinning |
//! | `libc` | `libc` types for iovec conversion |
//! | `defmt` | `defmt::Format` for the public error types |
//!
//! All are off by default.

#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod cache_padded;
// Under `--cfg loom` only the ring and what it needs are built: loom's
// atomics have no `const` constructors, which the pools require.
#[cfg_attr(loom, allow(dead_code))]
mod ring;
#[cfg_attr(loom, allow(unused_imports))]
mod sync;

#[cfg(not(loom))]
mod index;

#[cfg(not(loom))]
mod backoff;
#[cfg(not(loom))]
mod error;
#[cfg(not(loom))]
mod guard;
#[cfg(not(loom))]
mod pool;
#[cfg(not(loom))]
mod stats;
#[cfg(not(loom))]
mod tier;

#[cfg(all(feature = "std", unix, not(loom)))]
pub mod sys;

pub use ring::MAX_CAPACITY;

#[cfg(not(loom))]
pub use index::{BufIndex, IndexTooLarge};

#[cfg(not(loom))]
pub use backoff::{Adapt, DefaultAdapt, SPIN_ROUNDS};
#[cfg(not(loom))]
pub use error::{FillError, PoolEmpty, RawIndexError};
#[cfg(not(loom))]
pub use guard::{Guard, Handle};
#[cfg(not(loom))]
pub use pool::{BoundedPool, ZeroInit};
#[cfg(not(loom))]
pub use stats::PoolStats;
#[cfg(not(loom))]
pub use tier::*;
