//! The lock-free bounded ring of free buffer indices.
//!
//! A pool of `N` buffers keeps the indices of its free buffers in a ring of
//! `N` slots. Taking a buffer pops an index; returning one pushes it back.
//! Nothing else lives here: the ring knows nothing about buffers.
//!
//! # Algorithm
//!
//! An array queue in the family of Tsigas & Zhang (SPAA 2001) and Koval &
//! Aksenov (PPoPP 2020), with the *cycle-tagged slots* of Nikolaev's SCQ
//! (DISC 2019, `lfring_cas1.h` in rusnikola/lfqueue). Two cursors, `head`
//! (next pop) and `tail` (next push), count operations; a cursor's value
//! `c = cycle · 2^k + position` names a slot (`position < N`, `k` bits) and
//! the lap (`cycle`) that slot is on. Every slot word carries the lap too:
//!
//! ```text
//!  bit:  W-1 ........ k+2 | k+1 ........ 2 |   1   |  0
//!        cycle (mod 2^W-k-2) | index ^ position | EMPTY | TAG
//! ```
//!
//! * `Full(c, i)`: index `i` waits for the pop of lap `c` at this position.
//! * `Empty(c)`: the slot waits for the push of lap `c` at this position.
//!
//! A slot only ever moves forward: `Full(c) → Empty(c+1) → Full(c+1) → …`.
//!
//! **Pop** reads `head = (c, p)` and the slot `p`:
//! * `Full(c, i)`: CAS the slot to `Empty(c+1)`. Success *claims* `i`; then
//!   CAS `head` one step forward (failure means someone already helped).
//! * `Empty(c+1)`: another pop claimed this slot but has not moved `head` yet;
//!   help it (CAS `head` forward) and retry. This is what makes the ring
//!   lock-free: a thread stalled between its two CASes blocks nobody.
//! * `Empty(c)`: the push of this lap has not happened, so the ring is empty.
//!   A load may return a stale value, so emptiness is confirmed by a CAS of
//!   the slot onto itself, which reads the newest value; on success the ring
//!   is reported empty, else the pop retries.
//! * anything else: `head` moved on since it was read; retry.
//!
//! **Push** is the mirror image: `tail = (c, p)` expects `Empty(c)`, CASes in
//! `Full(c, i)`, then CASes `tail` forward; it helps on `Full(c, _)`. Seeing
//! `Full(c-1, _)` (confirmed the same way) means `N` indices are already in
//! the ring: only a caller returning an index it does not hold can cause it,
//! and it is reported as [`Overflow`].
//!
//! # Why no CAS succeeds across laps (the Go original's defect)
//!
//! The Go library this crate reimagines stores a full slot as the bare index.
//! A pop that read `Full(i)` and stalled could then succeed a whole lap later,
//! when `i` had been popped, pushed back and landed in the same slot again;
//! two owners of `i` followed (see `NOTES.md` §1). Here both states carry the
//! cycle, and a slot's cycle only grows, so a stale CAS expecting
//! `Full(c, i)` or `Empty(c)` fails once the slot has moved past lap `c`.
//! The cursors carry `W-k` bits of cycle, two more than a slot, so a stale
//! cursor CAS is safe for four times longer; the slot's field is the bound.
//!
//! The only way back to an old value is wrap-around of the slot's cycle
//! field, after `2^(W-k-2)` laps of that slot, i.e. about `2^(W-2)` pops of
//! the whole ring, while one thread stays stalled between reading a cursor
//! and its CAS on the slot. (That the slot must also hold the same index
//! again is little comfort: a FIFO ring under steady get/put traffic keeps
//! putting the same index back into the same slot.) Counting pops (buffer
//! gets) only, the figures are:
//!
//! | word (`W`) | max capacity | cycle bits at max | pops before a wrap |
//! |---|---|---|---|
//! | 64 bits (64-bit targets) | 2^31 | 31 | ≈ 2^62 (≈ 1 460 years at 10^8 pops/s) |
//! | 32 bits (32-bit targets) | 2^20 | 10 | ≈ 2^30 (≈ 10.7 s at 10^8 pops/s, ≈ 18 min at 10^6 pops/s) |
//!
//! For a capacity that is not a power of two the bound is at least half the
//! figure shown (`N · 2^(W-k-2)` with `2^(k-1) < N`). On 32-bit targets the
//! bound is about `2^30` pops *whatever the capacity*: a smaller pool laps
//! faster by exactly what its extra cycle bits buy. A low-priority task that
//! can be starved for minutes while higher-priority code runs the same pool
//! at a million gets a second is the case to think about there.
//!
//! # Invariants
//!
//! 1. Each index is in at most one place: in exactly one `Full` slot, or held
//!    by exactly one caller. A successful claim CAS transfers it to one
//!    caller; a push transfers it back.
//! 2. Slots are filled in cursor order and claimed in cursor order: a push at
//!    `t` needs `tail == t`, and `tail` passes `t` only after slot `t` is full;
//!    likewise for pops and `head`.
//! 3. `tail - head` (in cursor units, true tail) is the number of indices
//!    in the ring, give or take the one claim and the one fill whose cursor
//!    step is still pending. It lies in `-1 ..= N`: a pop can claim an index
//!    whose push has not yet stepped `tail`, which leaves `head` one step
//!    ahead of `tail`, never more (reading `head == h` happens-after `tail`
//!    reached `h - 1`).
//! 4. With all indices present and no operation under way, the ring is in its
//!    *full* state: `head = 0`, the stored tail `= 0` (the stored tail is the
//!    true tail minus one lap) and `slot[p] = Full(0, p)`, all of which encode
//!    as zero bytes. A `static` pool therefore lands in `.bss`.
//! 5. Bit 0 of slot `p` (the tag) belongs to the *pool*, which uses it to mark
//!    buffer `p` as handed out in raw form. The ring never reads it and every
//!    CAS here carries it over unchanged; a concurrent tag flip only makes a
//!    CAS fail and retry.
//!
//! # Memory orderings
//!
//! * The claim CAS is `AcqRel`. Acquire: the value it replaces was written
//!   by the push that put the index there (a `Release` CAS, followed only by
//!   RMWs, so a release sequence), so the new owner sees every write the
//!   previous owner made to the buffer. (The `Acquire` slot load just before
//!   it reads that same value and already gives this; the CAS keeps it so the
//!   claim does not depend on which load found the slot.) Release: a helper
//!   that sees the claimed slot and moves `head` forward passes the claim on
//!   to whoever reads that `head`.
//! * The fill CAS is `Release`: it publishes the buffer's contents to the
//!   next claimer. It needs no acquire: a push reads nothing the previous
//!   owner of the slot wrote.
//! * Cursor loads are `Acquire` and cursor CASes `Release`: a thread that
//!   reads `head == h` (or `tail == t`) thereby happens-after the claims
//!   (fills) of all earlier positions, which invariant 2 and the emptiness
//!   argument rely on. A failed CAS is `Relaxed`: its value is discarded.
//! * Slot loads are `Acquire`, so a helper happens-after the claim or fill it
//!   helps finish before it publishes the cursor step.
//! * The confirming self-CAS of the empty and full checks is `Acquire`; being
//!   a read-modify-write it reads the newest value of the slot, which is what
//!   makes "empty" exact: at that instant the claims before `h` are done
//!   (`head` was `h`) and no fill at or after `h` is (fills go in order).
//! * Tag operations are `AcqRel`, so the thread that clears a tag sees what
//!   the thread that set it wrote to the buffer before.
//!
//! # Progress
//!
//! Pop and push are lock-free: a retry happens only when another operation
//! completed a CAS on the same slot or cursor. Neither is wait-free. Neither
//! ever waits for another thread, so both may run in interrupt handlers that
//! preempt a thread in the middle of an operation on the same ring.

use crate::cache_padded::CachePadded;
use crate::sync::{AtomicWord, Ordering, Word, retry_hint};

/// The pool's per-buffer bit in every slot (invariant 5).
const TAG: Word = 1;
/// Set when a slot holds no index.
const EMPTY: Word = 2;
/// Bits below the index field.
const FLAG_BITS: u32 = 2;

/// The largest capacity a ring (and therefore a pool) can have.
///
/// On 64-bit targets `2^31`: the index field then takes 31 bits and leaves 31
/// bits of cycle. On 32-bit targets `2^20`: at least 10 bits of cycle remain,
/// so a stalled operation is fooled only after about `2^30` operations (see
/// the module docs).
///
/// ```
/// # #[cfg(target_pointer_width = "64")]
/// assert_eq!(iobuf::MAX_CAPACITY, 1 << 31);
/// ```
#[cfg(target_pointer_width = "64")]
pub const MAX_CAPACITY: usize = 1 << 31;
/// The largest capacity a ring (and therefore a pool) can have.
///
/// On 64-bit targets `2^31`: the index field then takes 31 bits and leaves 31
/// bits of cycle. On 32-bit targets `2^20`: at least 10 bits of cycle remain,
/// so a stalled operation is fooled only after about `2^30` operations (see
/// the module docs).
///
/// ```
/// # #[cfg(not(target_pointer_width = "64"))]
/// assert_eq!(iobuf::MAX_CAPACITY, 1 << 20);
/// ```
#[cfg(not(target_pointer_width = "64"))]
pub const MAX_CAPACITY: usize = 1 << 20;

/// One ring slot: a cycle-tagged index or an empty marker (see module docs).
pub type Slot = AtomicWord;

/// A push found the ring already holding `capacity` indices: the caller
/// returned an index it did not hold.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Overflow;

/// The ring. `S` is `[Slot; N]` for static pools and `[Slot]` for the code
/// that serves every capacity; `&Ring<[Slot; N]>` coerces to `&Ring<[Slot]>`.
///
/// (`pub` only so the sealed `Storage` trait can name it; the module is
/// private, so no user can.) `repr(C)` fixes the layout that
/// [`Ring::boxed_full`] builds by hand.
#[repr(C)]
pub struct Ring<S: ?Sized> {
    /// Cursor of the next pop: `cycle << k | position`.
    head: CachePadded<AtomicWord>,
    /// Cursor of the next push, stored one lap behind the true value so that
    /// the full ring is all zeros (invariant 4).
    tail: CachePadded<AtomicWord>,
    /// The slots; `slots.len()` is the capacity.
    slots: S,
}

/// The shape of a ring of a given capacity: how cursors and slot words split
/// into fields. Everything derives from the capacity, so for a static pool
/// it folds to constants.
#[derive(Clone, Copy)]
struct Geometry {
    capacity: usize,
    /// `k`: bits of a position (and of an index).
    index_bits: u32,
}

impl Geometry {
    const fn of(capacity: usize) -> Self {
        let index_bits = if capacity <= 1 {
            0
        } else {
            usize::BITS - (capacity - 1).leading_zeros()
        };
        Self {
            capacity,
            index_bits,
        }
    }

    fn position(self, cursor: Word) -> usize {
        (cursor & ((1 << self.index_bits) - 1)) as usize
    }

    fn cycle(self, cursor: Word) -> Word {
        cursor >> self.index_bits
    }

    /// The cursor one step after `cursor`.
    fn advance(self, cursor: Word) -> Word {
        if self.position(cursor) + 1 == self.capacity {
            self.cycle(cursor).wrapping_add(1) << self.index_bits
        } else {
            cursor + 1
        }
    }

    /// How many steps `to` is ahead of `from`, saturating at `usize::MAX`
    /// beyond one lap; `to` must not be behind `from` (cursors only grow).
    fn distance(self, from: Word, to: Word) -> usize {
        let laps = self.cycle(to).wrapping_sub(self.cycle(from)) & (Word::MAX >> self.index_bits);
        match laps {
            0 => self.position(to).saturating_sub(self.position(from)),
            1 => self.capacity - self.position(from) + self.position(to),
            _ => usize::MAX,
        }
    }

    /// Shifts a cycle into slot-word position (dropping bits that do not fit).
    fn cycle_field(self, cycle: Word) -> Word {
        cycle << (self.index_bits + FLAG_BITS)
    }

    fn index_mask(self) -> Word {
        ((1 << self.index_bits) - 1) << FLAG_BITS
    }

    fn full(self, cycle: Word, position: usize, index: usize) -> Word {
        self.cycle_field(cycle) | (((index ^ position) as Word) << FLAG_BITS)
    }

    fn empty(self, cycle: Word) -> Word {
        self.cycle_field(cycle) | EMPTY
    }

    fn is_full(self, entry: Word, cycle: Word) -> bool {
        entry & !(TAG | self.index_mask()) == self.cycle_field(cycle)
    }

    fn is_empty(self, entry: Word, cycle: Word) -> bool {
        entry & !TAG == self.empty(cycle)
    }

    fn index(self, entry: Word, position: usize) -> usize {
        ((entry & self.index_mask()) >> FLAG_BITS) as usize ^ position
    }

    /// The stored tail of an empty ring: true tail `(0, 0)`, one lap behind.
    const fn empty_ring_tail(self) -> Word {
        Word::MAX << self.index_bits
    }
}

#[cfg(not(loom))]
impl<const N: usize> Ring<[Slot; N]> {
    /// A ring holding every index `0..N` (all zero bytes).
    pub(crate) const fn full() -> Self {
        Self {
            head: CachePadded::new(AtomicWord::new(0)),
            tail: CachePadded::new(AtomicWord::new(0)),
            slots: [const { AtomicWord::new(0) }; N],
        }
    }

    /// A ring holding no index.
    pub(crate) const fn empty() -> Self {
        Self {
            head: CachePadded::new(AtomicWord::new(0)),
            tail: CachePadded::new(AtomicWord::new(Geometry::of(N).empty_ring_tail())),
            slots: [const { AtomicWord::new(EMPTY) }; N],
        }
    }
}

#[cfg(loom)]
impl<const N: usize> Ring<[Slot; N]> {
    /// A ring holding every index `0..N` (loom's atomics are not `const`).
    pub(crate) fn full() -> Self {
        Self {
            head: CachePadded::new(AtomicWord::new(0)),
            tail: CachePadded::new(AtomicWord::new(0)),
            slots: core::array::from_fn(|_| AtomicWord::new(0)),
        }
    }

    /// A ring holding no index.
    pub(crate) fn empty() -> Self {
        Self {
            head: CachePadded::new(AtomicWord::new(0)),
            tail: CachePadded::new(AtomicWord::new(Geometry::of(N).empty_ring_tail())),
            slots: core::array::from_fn(|_| AtomicWord::new(EMPTY)),
        }
    }
}

#[cfg(all(feature = "std", not(loom)))]
impl Ring<[Slot]> {
    /// A ring of `capacity` slots on the heap, holding every index.
    ///
    /// The full ring is all zero bytes (invariant 4), so it is allocated
    /// zeroed and needs no initialisation.
    /// `None` when the allocator refuses the memory (a typed error for the
    /// caller, not an abort).
    pub(crate) fn boxed_full(capacity: usize) -> Option<std::boxed::Box<Self>> {
        use std::alloc::{Layout, alloc_zeroed};

        assert!(capacity > 0 && capacity <= MAX_CAPACITY);
        let header = Layout::new::<Ring<[Slot; 0]>>();
        let slots = Layout::array::<Slot>(capacity).expect("capacity is bounded");
        let (layout, offset) = header.extend(slots).expect("capacity is bounded");
        let layout = layout.pad_to_align();
        // `repr(C)`: the slots follow the two cursors, as in `Ring<[Slot; 0]>`.
        debug_assert_eq!(offset, header.size());
        // SAFETY: the layout has a non-zero size (two padded cursors).
        let memory = unsafe { alloc_zeroed(layout) };
        if memory.is_null() {
            return None;
        }
        let ring = core::ptr::slice_from_raw_parts_mut(memory.cast::<Slot>(), capacity)
            as *mut Ring<[Slot]>;
        // SAFETY: `memory` is a fresh allocation of exactly the layout of a
        // `Ring<[Slot]>` with `capacity` slots (what `Box` will free), and
        // all-zero bytes are a valid full ring of atomics.
        Some(unsafe { std::boxed::Box::from_raw(ring) })
    }
}

impl Ring<[Slot]> {
    fn geometry(&self) -> Geometry {
        Geometry::of(self.slots.len())
    }

    /// How many indices the ring can hold.
    pub(crate) fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Takes a free index, or `None` when the ring was empty at one instant
    /// during the call (never spuriously). Lock-free.
    #[inline]
    pub(crate) fn pop(&self) -> Option<usize> {
        let geometry = self.geometry();
        loop {
            let head = self.head.load(Ordering::Acquire);
            let (cycle, position) = (geometry.cycle(head), geometry.position(head));
            let slot = &self.slots[position];
            let entry = slot.load(Ordering::Acquire);
            if geometry.is_full(entry, cycle) {
                let claimed = geometry.empty(cycle.wrapping_add(1)) | (entry & TAG);
                if slot
                    .compare_exchange(entry, claimed, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
                {
                    self.step(&self.head, head, geometry);
                    return Some(geometry.index(entry, position));
                }
            } else if geometry.is_empty(entry, cycle.wrapping_add(1)) {
                self.step(&self.head, head, geometry);
            } else if geometry.is_empty(entry, cycle) && self.confirm(slot, entry) {
                return None;
            }
            retry_hint();
        }
    }

    /// Returns `index` to the ring. Lock-free; never waits for a pop.
    ///
    /// Fails with [`Overflow`] only if the ring already holds `capacity`
    /// indices, which means the caller did not hold `index`.
    #[inline]
    pub(crate) fn push(&self, index: usize) -> Result<(), Overflow> {
        let geometry = self.geometry();
        debug_assert!(index < geometry.capacity);
        loop {
            let tail = self.tail.load(Ordering::Acquire);
            // The stored tail is one lap behind the true one (invariant 4).
            let cycle = geometry.cycle(tail).wrapping_add(1);
            let position = geometry.position(tail);
            let slot = &self.slots[position];
            let entry = slot.load(Ordering::Acquire);
            if geometry.is_empty(entry, cycle) {
                let filled = geometry.full(cycle, position, index) | (entry & TAG);
                if slot
                    .compare_exchange(entry, filled, Ordering::Release, Ordering::Relaxed)
                    .is_ok()
                {
                    self.step(&self.tail, tail, geometry);
                    return Ok(());
                }
            } else if geometry.is_full(entry, cycle) {
                self.step(&self.tail, tail, geometry);
            } else if geometry.is_full(entry, cycle.wrapping_sub(1)) && self.confirm(slot, entry) {
                return Err(Overflow);
            }
            retry_hint();
        }
    }

    /// Takes up to `out.len()` free indices, as many as are free, and
    /// returns how many it wrote to the front of `out`.
    ///
    /// Equivalent to that many [`pop`](Self::pop)s (not atomic as a group),
    /// but a run of `m` consecutive slots costs `m + 1` read-modify-writes
    /// instead of `2m`: each slot is claimed by its own CAS, and `head`
    /// jumps over the whole run at once.
    pub(crate) fn pop_bulk(&self, out: &mut [usize]) -> usize {
        let geometry = self.geometry();
        let mut taken = 0;
        while taken < out.len() {
            let run = self.claim_run(&mut out[taken..], geometry);
            if run > 0 {
                taken += run;
                continue;
            }
            // Contended, lagging or empty: the single pop sorts it out.
            match self.pop() {
                Some(index) => {
                    out[taken] = index;
                    taken += 1;
                }
                None => break,
            }
        }
        taken
    }

    /// Claims consecutive full slots from `head` on, then moves `head` past
    /// them. Stops at the first slot it cannot claim at once.
    fn claim_run(&self, out: &mut [usize], geometry: Geometry) -> usize {
        let start = self.head.load(Ordering::Acquire);
        let mut cursor = start;
        let mut claimed = 0;
        while claimed < out.len() {
            let (cycle, position) = (geometry.cycle(cursor), geometry.position(cursor));
            let slot = &self.slots[position];
            let entry = slot.load(Ordering::Acquire);
            let won = geometry.is_full(entry, cycle)
                && slot
                    .compare_exchange(
                        entry,
                        geometry.empty(cycle.wrapping_add(1)) | (entry & TAG),
                        Ordering::AcqRel,
                        Ordering::Relaxed,
                    )
                    .is_ok();
            if !won {
                break;
            }
            out[claimed] = geometry.index(entry, position);
            claimed += 1;
            cursor = geometry.advance(cursor);
        }
        if claimed > 0 {
            self.jump(&self.head, start, cursor, claimed, geometry);
        }
        claimed
    }

    /// Returns every index in `indices` (each held by the caller). Like that
    /// many [`push`](Self::push)es, with `m + 1` read-modify-writes for a run
    /// of `m` consecutive slots.
    pub(crate) fn push_bulk(&self, indices: &[usize]) -> Result<(), Overflow> {
        let geometry = self.geometry();
        let mut rest = indices;
        while let Some((&first, tail)) = rest.split_first() {
            let run = self.fill_run(rest, geometry);
            if run > 0 {
                rest = &rest[run..];
            } else {
                self.push(first)?;
                rest = tail;
            }
        }
        Ok(())
    }

    /// Fills consecutive empty slots from `tail` on, then moves `tail` past
    /// them. Stops at the first slot it cannot fill at once.
    fn fill_run(&self, indices: &[usize], geometry: Geometry) -> usize {
        let start = self.tail.load(Ordering::Acquire);
        let mut cursor = start;
        let mut filled = 0;
        for &index in indices {
            debug_assert!(index < geometry.capacity);
            // The stored tail is one lap behind the true one (invariant 4).
            let cycle = geometry.cycle(cursor).wrapping_add(1);
            let position = geometry.position(cursor);
            let slot = &self.slots[position];
            let entry = slot.load(Ordering::Acquire);
            let won = geometry.is_empty(entry, cycle)
                && slot
                    .compare_exchange(
                        entry,
                        geometry.full(cycle, position, index) | (entry & TAG),
                        Ordering::Release,
                        Ordering::Relaxed,
                    )
                    .is_ok();
            if !won {
                break;
            }
            filled += 1;
            cursor = geometry.advance(cursor);
        }
        if filled > 0 {
            self.jump(&self.tail, start, cursor, filled, geometry);
        }
        filled
    }

    /// Moves `cursor` from `start` to `target`, `steps` ahead, through
    /// whatever single steps helpers take meanwhile. Every slot in between
    /// was claimed (filled) by the caller, so each intermediate value is one
    /// a single-step cursor could hold too.
    fn jump(
        &self,
        cursor: &AtomicWord,
        start: Word,
        target: Word,
        steps: usize,
        geometry: Geometry,
    ) {
        let mut seen = start;
        while let Err(now) =
            cursor.compare_exchange(seen, target, Ordering::Release, Ordering::Relaxed)
        {
            if geometry.distance(start, now) >= steps {
                return; // helpers (or later operations) took it there already
            }
            seen = now;
            retry_hint();
        }
    }

    /// Moves `cursor` from `seen` one step on, unless someone already did.
    fn step(&self, cursor: &AtomicWord, seen: Word, geometry: Geometry) {
        let _ = cursor.compare_exchange(
            seen,
            geometry.advance(seen),
            Ordering::Release,
            Ordering::Relaxed,
        );
    }

    /// Whether `slot` still holds `entry` as of its newest value.
    fn confirm(&self, slot: &Slot, entry: Word) -> bool {
        slot.compare_exchange(entry, entry, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// How many indices the ring holds; exact when no operation is under way,
    /// otherwise a snapshot that may be off by the operations in flight.
    pub(crate) fn len(&self) -> usize {
        let geometry = self.geometry();
        let head = self.head.load(Ordering::Acquire);
        let tail = self.tail.load(Ordering::Acquire);
        let cycle_mask = Word::MAX >> geometry.index_bits;
        let laps = geometry
            .cycle(tail)
            .wrapping_add(1)
            .wrapping_sub(geometry.cycle(head))
            & cycle_mask;
        if laps == cycle_mask {
            // `head` is one step ahead of the true tail across a lap
            // boundary: a pop claimed an index whose push has not stepped
            // `tail` yet (invariant 3). Nothing is left in the ring.
            return 0;
        }
        if laps > 1 {
            // `head` was read before `tail`, and both moved on by more than
            // a lap in between: the snapshot is meaningless, clamp it.
            return geometry.capacity;
        }
        let ahead = laps as usize * geometry.capacity + geometry.position(tail);
        ahead
            .saturating_sub(geometry.position(head))
            .min(geometry.capacity)
    }

    /// Sets the pool's tag of `position`; returns whether it was already set.
    pub(crate) fn set_tag(&self, position: usize) -> bool {
        self.slots[position].fetch_or(TAG, Ordering::AcqRel) & TAG != 0
    }

    /// Clears the pool's tag of `position`; returns whether it was set.
    pub(crate) fn clear_tag(&self, position: usize) -> bool {
        self.slots[position].fetch_and(!TAG, Ordering::AcqRel) & TAG != 0
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
