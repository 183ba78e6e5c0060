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
//!   [`PicoPool`] … [`GiantPool`]), and [`BoundedPool<T, N>`] for any item;
//!   all are [`Pool`]s, the one type whose operations every pool shares.
//! * [`try_get`](Pool::try_get) never waits; [`get`](Pool::get)
//!   spins, then waits the way you choose ([`Adapt`]).
//! * A [`Guard`] derefs to the buffer and returns it on drop (also during a
//!   panic). [`Handle::into_raw`] and [`Pool::from_raw_checked`] pass a
//!   buffer through C, DMA descriptors or io_uring `user_data` as a
//!   [`BufIndex`]; bad or repeated indices are typed errors.
//! * Many buffers per call: [`try_get_bulk`](Pool::try_get_bulk) (a guard
//!   each) and [`put_bulk`](Pool::put_bulk), or
//!   [`try_get_burst`](Pool::try_get_burst) (one [`Burst`] for all of them);
//!   a [`LocalCache`] in front of a pool gives one thread (or one core, one
//!   interrupt priority) a LIFO stock of buffers taken and returned without
//!   atomic instructions, refilled and spilled in bulk.
//! * [`IoVec`]: zero-copy `struct iovec` descriptors of buffers, guards and
//!   slices for `readv`/`writev`, into caller storage or a
//!   `heapless::Vec`, within `UIO_MAXIOV`.
//! * With feature `std` on Unix, the `sys` layer: page-aligned `mmap`
//!   memory (huge pages, populate, lock), pools sized at run time with owned
//!   `'static` guards, and `IoSlice` views.
//! * `#![no_std]`, no allocator, `const` constructors; lock-free on every
//!   target with compare-and-swap (thumbv7em, riscv32imac, x86-64, AArch64),
//!   and on single-core thumbv6m through portable-atomic.
//!
//! # Design
//!
//! The free indices live in a lock-free ring: a get claims an index by
//! advancing a `head` counter that only grows, and a return fills a slot
//! whose word carries the lap it belongs to, so no compare-and-swap can
//! succeed a lap late (the ABA defect of the Go library this crate
//! reimagines); a return never reads `head`, the line gets write. In front
//! of the ring, one word (the *hot slot*) keeps the index returned last, so
//! the next get takes back the buffer most likely still in the cache, and
//! threads that get and return meet on one cache line. The `ring` and
//! `hot` modules' documentation gives the algorithms, their sources, the
//! invariants and the reasoning for each memory ordering;
//! `docs/design.md` gives the reasons for the design and the measurements
//! behind them. The all-free state is all zero bytes, so static pools cost
//! nothing before first use.
//!
//! # Guarantees
//!
//! **Progress.** [`try_get`](Pool::try_get), returning a buffer
//! (dropping a [`Guard`]), the bulk and burst calls,
//! [`into_raw`](Handle::into_raw),
//! [`from_raw_checked`](Pool::from_raw_checked),
//! [`available`](Pool::available) and [`stats`](Pool::stats)
//! are lock-free: none waits for another thread, and a thread stalled in the
//! middle of one (preempted, or interrupted by a handler using the same
//! pool) blocks no other. They are not wait-free: under contention one may
//! retry while others complete. A [`LocalCache`]'s `try_get` and returns
//! are wait-free while they stay within the cache, and lock-free when they
//! refill from or spill to the ring. [`get`](Pool::get) and
//! [`get_with`](Pool::get_with) block by design until a buffer is
//! returned (spin, then [`Adapt`]). On thumbv6m, which has no
//! compare-and-swap, portable-atomic runs each atomic operation with
//! interrupts briefly disabled (single-core only).
//!
//! **Linearizability.** Taking and returning buffers behave as operations
//! on the set of the pool's free buffers, each taking effect at one instant
//! inside the call: a buffer is held by at most one owner at a time;
//! `try_get` reports [`PoolEmpty`] only if every buffer was checked out at
//! one instant during the call (up to the bound below);
//! returning a held buffer always succeeds. Which free buffer a get
//! receives is not part of the contract: usually the one returned last
//! (the hot slot), else the one free the longest (the ring). A
//! [`LocalCache`] is outside this: its buffers count as checked out, so a
//! `try_get` elsewhere may report empty while caches hold buffers (see its
//! documentation); taking from and returning to a cache involve no other
//! context at all.
//!
//! **ABA bound.** The free-buffer ring tags every slot with its lap, and a
//! get claims a buffer by advancing a counter that only grows. A thread
//! stalled in the middle of returning a buffer could be fooled only if a
//! slot's lap counter wrapped in the meantime:
//!
//! | target | ring word | returns before a wrap | at 10^8 returns/s | at 10^6 returns/s |
//! |---|---|---|---|---|
//! | 64-bit | `u64` | ≈ 2^63 | ≈ 2 900 years | ≈ 290 000 years |
//! | 32-bit | `u32` | ≈ 2^31 | ≈ 21 s | ≈ 36 minutes |
//!
//! The hot slot has no ABA problem (a return only fills an empty slot, a
//! get needs no expected value). A get that finds the slot and the ring
//! empty tells "the pool was empty" from "a buffer came back while I
//! looked" by the ring's slot at `head`, so the same bound applies: a
//! `try_get` stalled inside the call while that slot's lap counter wraps
//! (the table's count of returns) may report [`PoolEmpty`] although a
//! buffer was free: a spurious error, never a lost or shared buffer.
//!
//! **Memory ordering.** Everything a holder wrote to a buffer before
//! returning it (by drop, or by `into_raw` and a later re-entry) happens
//! before anything the next holder does with it. No other synchronisation
//! is needed to hand buffer contents from thread to thread or from an
//! interrupt handler to a thread.
//!
//! **Interrupts.** `try_get`, drop and the raw hand-off never block, never
//! allocate and never take a lock, so interrupt handlers may use them on a
//! pool that the interrupted code is using at that very moment. Never call
//! `get` in a handler: it waits for a return that cannot happen while the
//! handler runs.
//!
//! **Panics and leaks.** A guard dropped while a panic unwinds returns its
//! buffer. The crate panics only on a broken promise to the `unsafe`
//! [`from_raw`](Pool::from_raw): re-entering an index that is not out in
//! raw form, which `from_raw` itself catches before the index reaches the
//! ring (whose correctness rests on every returned index having been
//! held). A guard that is leaked (`mem::forget`) or an index given up by
//! `into_raw` and never re-entered keeps its buffer checked out for good:
//! the pool has one buffer fewer, and nothing else goes wrong. Dropping a
//! pool drops its free items; items still out in raw form are leaked, not
//! dropped.
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
mod hot;
#[cfg_attr(loom, allow(dead_code))]
mod ring;
#[cfg_attr(loom, allow(unused_imports))]
mod sync;

#[cfg(not(loom))]
mod index;

#[cfg(not(loom))]
mod backoff;
#[cfg(not(loom))]
mod burst;
#[cfg(not(loom))]
mod cache;
#[cfg(not(loom))]
mod error;
#[cfg(not(loom))]
mod guard;
#[cfg(not(loom))]
mod iovec;
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
pub use burst::Burst;
#[cfg(not(loom))]
pub use cache::{CachedBurst, CachedGuard, LocalCache};
#[cfg(not(loom))]
pub use error::{FillError, PoolEmpty, RawIndexError};
#[cfg(not(loom))]
pub use guard::{Guard, Handle};
#[cfg(not(loom))]
pub use iovec::{IoVec, IoVecError, UIO_MAXIOV};
#[cfg(not(loom))]
pub use pool::{BoundedPool, Inline, Memory, Pool, ZeroInit};
#[cfg(not(loom))]
pub use stats::PoolStats;
#[cfg(not(loom))]
pub use tier::*;
