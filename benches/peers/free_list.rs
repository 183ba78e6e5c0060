//! Heap arenas of buffers whose free indices live in a separate structure:
//! a crossbeam `ArrayQueue<u32>` (Vyukov's bounded MPMC queue) or a
//! `Mutex<Vec<u32>>`.

use std::cell::UnsafeCell;
use std::sync::Mutex;

use crossbeam_queue::ArrayQueue;

use super::Peer;

/// A set of free buffer indices, full (`0..capacity`) when created.
pub trait FreeList: Sync {
    /// A free list holding every index below `capacity`.
    fn full(capacity: u32) -> Self;
    /// Removes a free index, or `None` when the list reports empty.
    fn pop(&self) -> Option<u32>;
    /// Adds back an index taken by `pop`.
    fn push(&self, index: u32);
}

impl FreeList for ArrayQueue<u32> {
    fn full(capacity: u32) -> Self {
        let queue = ArrayQueue::new(capacity as usize);
        for index in 0..capacity {
            queue
                .push(index)
                .expect("the queue has room for every index");
        }
        queue
    }

    #[inline]
    fn pop(&self) -> Option<u32> {
        ArrayQueue::pop(self)
    }

    #[inline]
    fn push(&self, index: u32) {
        // Never full: at most `capacity` indices exist.
        let pushed = ArrayQueue::push(self, index);
        debug_assert!(pushed.is_ok());
    }
}

impl FreeList for Mutex<Vec<u32>> {
    fn full(capacity: u32) -> Self {
        Mutex::new((0..capacity).collect())
    }

    #[inline]
    fn pop(&self) -> Option<u32> {
        self.lock().unwrap().pop()
    }

    #[inline]
    fn push(&self, index: u32) {
        self.lock().unwrap().push(index);
    }
}

/// One buffer on its own 64-byte boundary, like iobuf's.
#[repr(C, align(64))]
struct Slot<const SIZE: usize>(UnsafeCell<[u8; SIZE]>);

/// `capacity` buffers of `SIZE` bytes on the heap and the free list `F` of
/// their indices.
pub struct ArenaPool<F, const SIZE: usize> {
    /// Buffer `i` is owned by the free list while `i` is in it, and by the
    /// one `ArenaBuf` holding `i` otherwise.
    arena: Box<[Slot<SIZE>]>,
    free: F,
}

// SAFETY: each buffer has one owner at a time (the free list, or the single
// `ArenaBuf` that popped its index); the free list's own synchronisation
// (the queue's acquire/release stamps, the mutex) orders one owner's
// accesses before the next owner's, so sharing the pool only sends buffers
// (plain bytes, `Send`) between threads.
unsafe impl<F: FreeList, const SIZE: usize> Sync for ArenaPool<F, SIZE> {}

impl<F: FreeList, const SIZE: usize> ArenaPool<F, SIZE> {
    /// A pool of `capacity` zeroed buffers, all free.
    pub fn new(capacity: u32) -> Self {
        Self {
            arena: (0..capacity)
                .map(|_| Slot(UnsafeCell::new([0; SIZE])))
                .collect(),
            free: F::full(capacity),
        }
    }
}

/// A buffer checked out of an [`ArenaPool`]; dropping it pushes its index
/// back on the free list.
pub struct ArenaBuf<'a, F: FreeList, const SIZE: usize> {
    pool: &'a ArenaPool<F, SIZE>,
    index: u32,
}

impl<F: FreeList, const SIZE: usize> ArenaBuf<'_, F, SIZE> {
    #[inline]
    fn bytes(&mut self) -> &mut [u8; SIZE] {
        let slot = &self.pool.arena[self.index as usize];
        // SAFETY: this handle popped `index` from the free list and has not
        // pushed it back, so it is the buffer's only owner (see the `Sync`
        // impl), and `&mut self` makes this borrow unique.
        unsafe { &mut *slot.0.get() }
    }
}

impl<F: FreeList, const SIZE: usize> Drop for ArenaBuf<'_, F, SIZE> {
    #[inline]
    fn drop(&mut self) {
        self.pool.free.push(self.index);
    }
}

impl<F: FreeList, const SIZE: usize> Peer for ArenaPool<F, SIZE> {
    type Buf<'a>
        = ArenaBuf<'a, F, SIZE>
    where
        Self: 'a;

    #[inline]
    fn try_get(&self) -> Option<Self::Buf<'_>> {
        self.free.pop().map(|index| ArenaBuf { pool: self, index })
    }

    #[inline]
    fn touch(buf: &mut Self::Buf<'_>, value: u8) {
        buf.bytes()[0] = value;
    }

    #[inline]
    fn fill(buf: &mut Self::Buf<'_>, value: u8) {
        buf.bytes().fill(value);
    }
}

/// crossbeam-queue `ArrayQueue<u32>` as the free list.
pub type CrossbeamPool<const SIZE: usize> = ArenaPool<ArrayQueue<u32>, SIZE>;

/// `Mutex<Vec<u32>>` (a LIFO stack under a lock) as the free list.
pub type MutexPool<const SIZE: usize> = ArenaPool<Mutex<Vec<u32>>, SIZE>;
