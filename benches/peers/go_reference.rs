//! REFERENCE ONLY — the Go original's bounded ring, transliterated, to
//! compare single-thread cost. It is NOT a correct concurrent pool.
//!
//! One `u64` per slot: a free slot holds `EMPTY | turn`, a full slot holds
//! the bare buffer index. Get CASes the slot (`index -> EMPTY | next turn`)
//! then CASes the head; put CASes the slot (`EMPTY | turn -> index`) then
//! CASes the tail (Koval & Aksenov, PPoPP 2020, as the Go library cites it).
//!
//! Because a full slot carries no turn, a stalled getter's slot CAS can
//! succeed a whole lap later (ABA; the shared `NOTES.md` §1): two getters
//! can then own one buffer, and the ring ends up "full" forever. The
//! benchmark therefore runs this type only in single-thread workloads; never
//! share it between threads.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};

use super::Peer;

/// Marks a free slot; the low bits then hold the turn (lap) at which the
/// next put into this slot happens.
const EMPTY: u64 = 1 << 63;

/// One buffer on its own 64-byte boundary, like iobuf's.
#[repr(C, align(64))]
struct Slot<const SIZE: usize>(UnsafeCell<[u8; SIZE]>);

/// The Go algorithm over a heap arena. REFERENCE ONLY: single thread.
pub struct GoReferencePool<const SIZE: usize> {
    /// Position of the next get; slot `head % capacity` is the next to take.
    head: AtomicU64,
    /// Position of the next put.
    tail: AtomicU64,
    /// `EMPTY | turn` (free) or a bare buffer index (full).
    slots: Box<[AtomicU64]>,
    /// Buffer `i` belongs to the ring while `i` is in a slot, else to the
    /// one handle holding it (given a correct ring — see the module docs).
    arena: Box<[Slot<SIZE>]>,
    /// A power of two, so `position % capacity` and `position / capacity`
    /// stay consistent across the `u64` wrap.
    capacity: u64,
}

// SAFETY: needed only because the benchmark's `Peer` trait asks for `Sync`.
// The type is sound when used from one thread at a time, which is how the
// benchmark uses it: then each buffer has one owner (the ring or one handle)
// and no accesses race. Under contention the ABA defect in the module docs
// breaks that, so it is never shared between threads.
unsafe impl<const SIZE: usize> Sync for GoReferencePool<SIZE> {}

impl<const SIZE: usize> GoReferencePool<SIZE> {
    /// A full ring of `capacity` (a power of two) zeroed buffers.
    pub fn new(capacity: u64) -> Self {
        assert!(capacity.is_power_of_two());
        Self {
            head: AtomicU64::new(0),
            tail: AtomicU64::new(capacity),
            slots: (0..capacity).map(AtomicU64::new).collect(),
            arena: (0..capacity)
                .map(|_| Slot(UnsafeCell::new([0; SIZE])))
                .collect(),
            capacity,
        }
    }

    fn slot(&self, position: u64) -> &AtomicU64 {
        &self.slots[(position % self.capacity) as usize]
    }

    fn get(&self) -> Option<u64> {
        loop {
            let head = self.head.load(SeqCst);
            let entry = self.slot(head).load(SeqCst);
            let turn = head / self.capacity;
            if entry & EMPTY == 0 {
                // Full: take it, leaving the marker the put one lap later
                // expects.
                if self
                    .slot(head)
                    .compare_exchange(entry, EMPTY | (turn + 1), SeqCst, SeqCst)
                    .is_ok()
                {
                    let _ = self.head.compare_exchange(head, head + 1, SeqCst, SeqCst);
                    return Some(entry);
                }
            } else if entry == EMPTY | (turn + 1) {
                // Taken already, head not yet moved: help.
                let _ = self.head.compare_exchange(head, head + 1, SeqCst, SeqCst);
            } else if self.tail.load(SeqCst) == head {
                return None;
            }
        }
    }

    fn put(&self, index: u64) {
        loop {
            let tail = self.tail.load(SeqCst);
            let entry = self.slot(tail).load(SeqCst);
            let turn = tail / self.capacity;
            if entry == EMPTY | turn {
                if self
                    .slot(tail)
                    .compare_exchange(entry, index, SeqCst, SeqCst)
                    .is_ok()
                {
                    let _ = self.tail.compare_exchange(tail, tail + 1, SeqCst, SeqCst);
                    return;
                }
            } else if entry & EMPTY == 0 {
                // Filled already, tail not yet moved: help.
                let _ = self.tail.compare_exchange(tail, tail + 1, SeqCst, SeqCst);
            }
        }
    }
}

/// A buffer checked out of a [`GoReferencePool`].
pub struct GoReferenceBuf<'a, const SIZE: usize> {
    pool: &'a GoReferencePool<SIZE>,
    index: u64,
}

impl<const SIZE: usize> GoReferenceBuf<'_, SIZE> {
    fn bytes(&mut self) -> &mut [u8; SIZE] {
        let slot = &self.pool.arena[self.index as usize];
        // SAFETY: single-thread use (module docs): this handle took `index`
        // from the ring and has not put it back, so it is the buffer's only
        // owner, and `&mut self` makes this borrow unique.
        unsafe { &mut *slot.0.get() }
    }
}

impl<const SIZE: usize> Drop for GoReferenceBuf<'_, SIZE> {
    fn drop(&mut self) {
        self.pool.put(self.index);
    }
}

impl<const SIZE: usize> Peer for GoReferencePool<SIZE> {
    type Buf<'a> = GoReferenceBuf<'a, SIZE>;

    #[inline]
    fn try_get(&self) -> Option<Self::Buf<'_>> {
        self.get().map(|index| GoReferenceBuf { pool: self, index })
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
