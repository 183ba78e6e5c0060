//! The pools the benchmark compares, behind one small trait.
//!
//! Every peer hands out fixed-size byte buffers from a bounded pool and takes
//! a buffer back when its handle is dropped. The peers are reference points
//! written here on top of the peer crates' public APIs; none of this code is
//! part of `iobuf`.

pub mod free_list;
pub mod go_reference;
pub mod static_pools;

use std::mem::MaybeUninit;

/// A bounded pool of byte buffers, as the benchmark drives it.
///
/// Returning a buffer is dropping its handle.
pub trait Peer: Sync {
    /// A checked-out buffer; dropping it returns the buffer.
    type Buf<'a>: Send
    where
        Self: 'a;

    /// Takes a free buffer, or `None` when the pool reports it has none.
    fn try_get(&self) -> Option<Self::Buf<'_>>;

    /// Writes one byte of the buffer.
    fn touch(buf: &mut Self::Buf<'_>, value: u8);

    /// Writes every byte of the buffer.
    fn fill(buf: &mut Self::Buf<'_>, value: u8);
}

impl<const SIZE: usize, const N: usize> Peer for iobuf::BoundedPool<[u8; SIZE], N> {
    type Buf<'a> = iobuf::Guard<'a, Self>;

    #[inline]
    fn try_get(&self) -> Option<Self::Buf<'_>> {
        iobuf::BoundedPool::try_get(self).ok()
    }

    #[inline]
    fn touch(buf: &mut Self::Buf<'_>, value: u8) {
        buf[0] = value;
    }

    #[inline]
    fn fill(buf: &mut Self::Buf<'_>, value: u8) {
        buf.fill(value);
    }
}

/// One buffer of the peers whose items the pool itself writes on every
/// allocation (heapless `box_pool!`, atomic-pool): uninitialised bytes, so
/// that writing the item is a no-op and the benchmark measures the pool, not
/// a 1 KiB `memset`.
pub type RawBuffer<const SIZE: usize> = [MaybeUninit<u8>; SIZE];

/// An uninitialised [`RawBuffer`], to pass by value to `alloc`/`new`.
pub const fn raw_buffer<const SIZE: usize>() -> RawBuffer<SIZE> {
    [MaybeUninit::uninit(); SIZE]
}
