//! General-purpose allocators used as pools: a get allocates one buffer,
//! a return frees it, both through the `GlobalAlloc` trait, called
//! directly (the program's global allocator stays the default one):
//!
//! * `std::alloc::System` (`system_alloc`): on Linux, glibc's `malloc` and
//!   `free` (per-thread caches of small chunks, arenas behind locks);
//! * mimalloc's `MiMalloc` (`mimalloc`; the `mimalloc` crate without
//!   features, which builds mimalloc v3): per-thread heaps of size-class
//!   pages, and a lock-free list for blocks freed by another thread.
//!
//! An allocator is not bounded: it hands out as many buffers as memory
//! allows, never reports empty, and its memory is its own (no arena of
//! `capacity` buffers here). The layout is `[u8; SIZE]`'s, alignment 1 (the
//! allocators return 16-byte alignment or more anyway); the pools align
//! buffers to 64 bytes.
//!
//! The buffer is uninitialised memory, so the handle writes it through its
//! raw pointer and never makes a reference to it, and the benchmark measures
//! the allocator, not a `memset` on every allocation.

use std::alloc::{GlobalAlloc, Layout};
use std::hint::black_box;
use std::ptr::NonNull;

use super::Peer;

/// The allocator `A` handing out `SIZE`-byte buffers.
pub struct AllocatorPeer<A, const SIZE: usize>(pub A);

impl<A, const SIZE: usize> AllocatorPeer<A, SIZE> {
    /// One buffer: `SIZE` bytes, alignment 1.
    const LAYOUT: Layout = {
        assert!(SIZE > 0, "`GlobalAlloc::alloc` takes no zero-sized layout");
        Layout::new::<[u8; SIZE]>()
    };
}

/// A buffer allocated from an [`AllocatorPeer`]; dropping it frees it.
pub struct AllocBuf<'a, A: GlobalAlloc, const SIZE: usize> {
    allocator: &'a AllocatorPeer<A, SIZE>,
    /// `SIZE` bytes from `allocator.0.alloc(LAYOUT)`, not yet freed.
    ptr: NonNull<u8>,
}

// SAFETY: the handle owns its allocation (no other pointer to it exists), so
// moving it to another thread moves plain bytes; freeing it there calls
// `dealloc` through a shared reference to the allocator, which `A: Sync`
// allows from any thread (both allocators here free blocks of other threads:
// glibc through its arena locks, mimalloc through its cross-thread list).
unsafe impl<A: GlobalAlloc + Sync, const SIZE: usize> Send for AllocBuf<'_, A, SIZE> {}

impl<A: GlobalAlloc, const SIZE: usize> Drop for AllocBuf<'_, A, SIZE> {
    #[inline]
    fn drop(&mut self) {
        // Writes into a block that is freed next are dead to the compiler
        // (it knows `free`): `black_box` may read the block, so they stay.
        let ptr = black_box(self.ptr.as_ptr());
        // SAFETY: `ptr` came from this allocator's `alloc` with this layout
        // and is freed once, here.
        unsafe {
            self.allocator
                .0
                .dealloc(ptr, AllocatorPeer::<A, SIZE>::LAYOUT);
        }
    }
}

impl<A: GlobalAlloc + Sync, const SIZE: usize> Peer for AllocatorPeer<A, SIZE> {
    type Buf<'a>
        = AllocBuf<'a, A, SIZE>
    where
        Self: 'a;

    #[inline]
    fn try_get(&self) -> Option<Self::Buf<'_>> {
        // SAFETY: the layout's size is not zero (`LAYOUT`'s assertion).
        let ptr = unsafe { self.0.alloc(Self::LAYOUT) };
        // The compiler knows `malloc` and `free` (what `System` calls) and
        // would delete a pair whose block never escapes, one-byte write and
        // all: `black_box` lets the pointer escape (no instruction: an empty
        // `asm!` block that takes it in a register).
        NonNull::new(black_box(ptr)).map(|ptr| AllocBuf {
            allocator: self,
            ptr,
        })
    }

    #[inline]
    fn touch(buf: &mut Self::Buf<'_>, value: u8) {
        // SAFETY: `ptr` points to `SIZE >= 1` bytes this handle owns.
        unsafe { buf.ptr.as_ptr().write(value) };
    }

    #[inline]
    fn fill(buf: &mut Self::Buf<'_>, value: u8) {
        // SAFETY: `ptr` points to `SIZE` bytes this handle owns.
        unsafe { buf.ptr.as_ptr().write_bytes(value, SIZE) };
    }
}
