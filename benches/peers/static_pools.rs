//! Peers whose pools are type-level singletons over static memory:
//! heapless 0.9 `box_pool!` (a Treiber stack with a tagged pointer; 128-bit
//! CAS on x86_64, hence its `portable-atomic` feature), atomic-pool 2.x
//! (an atomic bitmap scanned on every allocation) and async-pool 1.x
//! (atomic-pool's bitmap plus a pool of wakers for tasks awaiting a buffer).
//!
//! All three write the item on allocation; the items are uninitialised bytes
//! ([`RawBuffer`]) so that this write costs nothing.
//!
//! async-pool is driven through its non-async `Box::new`, which returns
//! `None` when the bitmap is full, like atomic-pool's. Its `Box::new_async`
//! would wait instead, registering its task's waker in a free waker slot;
//! so every return, awaited or not, wakes each waker slot of the pool in
//! turn, and each wake takes a `critical-section` (with std: one global
//! mutex shared by every pool of the process). The benchmark's pools have
//! [`ASYNC_POOL_WAKERS`] slot(s), the fewest with which a task can await.

use std::marker::PhantomData;
use std::mem::MaybeUninit;

use heapless::pool::boxed::{BoxBlock, BoxPool};

use super::{Peer, RawBuffer, raw_buffer};

/// Waker slots of the benchmark's async-pool pools (`pool!`'s second
/// argument): one task at a time may await a buffer.
pub const ASYNC_POOL_WAKERS: usize = 1;

/// A heapless `box_pool!` singleton `P` of `SIZE`-byte buffers.
pub struct HeaplessPeer<P, const SIZE: usize>(PhantomData<fn() -> P>);

impl<P: BoxPool<Data = RawBuffer<SIZE>>, const SIZE: usize> HeaplessPeer<P, SIZE> {
    /// Gives `count` heap blocks (leaked, so `'static`) to pool `P`. Call
    /// once per pool type: every call adds `count` more blocks.
    pub fn manage(count: usize) -> Self {
        let blocks: &'static mut [BoxBlock<RawBuffer<SIZE>>] = (0..count)
            .map(|_| BoxBlock::new())
            .collect::<Vec<_>>()
            .leak();
        for block in blocks {
            P::manage(block);
        }
        Self(PhantomData)
    }
}

impl<P: BoxPool<Data = RawBuffer<SIZE>> + 'static, const SIZE: usize> Peer
    for HeaplessPeer<P, SIZE>
{
    type Buf<'a>
        = heapless::pool::boxed::Box<P>
    where
        Self: 'a;

    #[inline]
    fn try_get(&self) -> Option<Self::Buf<'_>> {
        P::alloc(raw_buffer()).ok()
    }

    #[inline]
    fn touch(buf: &mut Self::Buf<'_>, value: u8) {
        buf[0] = MaybeUninit::new(value);
    }

    #[inline]
    fn fill(buf: &mut Self::Buf<'_>, value: u8) {
        buf.fill(MaybeUninit::new(value));
    }
}

/// An atomic-pool `pool!` singleton `P` of `SIZE`-byte buffers.
pub struct AtomicPoolPeer<P, const SIZE: usize>(PhantomData<fn() -> P>);

impl<P, const SIZE: usize> AtomicPoolPeer<P, SIZE> {
    /// The pool `P` (its storage is a `static`, ready at once).
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<P: atomic_pool::Pool<Item = RawBuffer<SIZE>> + 'static, const SIZE: usize> Peer
    for AtomicPoolPeer<P, SIZE>
{
    type Buf<'a>
        = atomic_pool::Box<P>
    where
        Self: 'a;

    #[inline]
    fn try_get(&self) -> Option<Self::Buf<'_>> {
        atomic_pool::Box::new(raw_buffer())
    }

    #[inline]
    fn touch(buf: &mut Self::Buf<'_>, value: u8) {
        buf[0] = MaybeUninit::new(value);
    }

    #[inline]
    fn fill(buf: &mut Self::Buf<'_>, value: u8) {
        buf.fill(MaybeUninit::new(value));
    }
}

/// An async-pool `pool!` singleton `P` of `SIZE`-byte buffers.
pub struct AsyncPoolPeer<P, const SIZE: usize>(PhantomData<fn() -> P>);

impl<P, const SIZE: usize> AsyncPoolPeer<P, SIZE> {
    /// The pool `P` (its storage is a `static`, ready at once).
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<P: async_pool::Pool<Item = RawBuffer<SIZE>>, const SIZE: usize> Peer
    for AsyncPoolPeer<P, SIZE>
{
    type Buf<'a>
        = async_pool::Box<P>
    where
        Self: 'a;

    #[inline]
    fn try_get(&self) -> Option<Self::Buf<'_>> {
        async_pool::Box::new(raw_buffer())
    }

    #[inline]
    fn touch(buf: &mut Self::Buf<'_>, value: u8) {
        buf[0] = MaybeUninit::new(value);
    }

    #[inline]
    fn fill(buf: &mut Self::Buf<'_>, value: u8) {
        buf.fill(MaybeUninit::new(value));
    }
}
