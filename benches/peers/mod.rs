//! The pools the benchmark compares, behind one small trait.
//!
//! Every peer hands out fixed-size byte buffers from a bounded pool and takes
//! a buffer back when its handle is dropped; the two allocators
//! (`allocators.rs`) stand in for a pool that is never empty. The peers are
//! reference points written here on top of the peer crates' public APIs;
//! none of this code is part of `iobuf`.

pub mod allocators;
pub mod cached;
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

/// Where one thread takes its buffers from: a shared pool itself (through
/// `&P`), or a thread's own cache in front of one.
pub trait LocalPeer {
    /// A checked-out buffer; dropping it returns the buffer.
    type Buf<'a>
    where
        Self: 'a;

    /// Takes a free buffer, or `None` when it reports having none.
    fn try_get(&self) -> Option<Self::Buf<'_>>;

    /// Writes one byte of the buffer.
    fn touch(buf: &mut Self::Buf<'_>, value: u8);

    /// Writes every byte of the buffer.
    fn fill(buf: &mut Self::Buf<'_>, value: u8);
}

/// A pool that threads share, each through its [`LocalPeer`].
pub trait SharedPool: Sync {
    /// What one thread uses.
    type Local<'a>: LocalPeer
    where
        Self: 'a;

    /// Sets up a thread's access (called on the thread that uses it).
    fn local(&self) -> Self::Local<'_>;
}

impl<P: Peer> SharedPool for P {
    type Local<'a>
        = &'a P
    where
        Self: 'a;

    #[inline]
    fn local(&self) -> &P {
        self
    }
}

impl<'p, P: Peer> LocalPeer for &'p P {
    type Buf<'a>
        = P::Buf<'p>
    where
        Self: 'a;

    #[inline]
    fn try_get(&self) -> Option<P::Buf<'p>> {
        P::try_get(self)
    }

    #[inline]
    fn touch(buf: &mut P::Buf<'p>, value: u8) {
        P::touch(buf, value);
    }

    #[inline]
    fn fill(buf: &mut P::Buf<'p>, value: u8) {
        P::fill(buf, value);
    }
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
/// allocation (heapless `box_pool!`, atomic-pool, async-pool): uninitialised
/// bytes, so that writing the item is a no-op and the benchmark measures the
/// pool, not a 1 KiB `memset`.
pub type RawBuffer<const SIZE: usize> = [MaybeUninit<u8>; SIZE];

/// An uninitialised [`RawBuffer`], to pass by value to `alloc`/`new`.
pub const fn raw_buffer<const SIZE: usize>() -> RawBuffer<SIZE> {
    [MaybeUninit::uninit(); SIZE]
}
