//! The lock-free bounded ring of free buffer indices.
//!
//! A pool of `N` buffers keeps the indices of its free buffers in a ring of
//! `N` slots. Taking a buffer pops an index; returning one pushes it back.
//! Nothing else lives here: the ring knows nothing about buffers, nor about
//! the pool's hot slot in front of it (the `hot` module), which gets try
//! first and returns fill when they can.
//!
//! # Algorithm
//!
//! An array queue in the family of Tsigas & Zhang (SPAA 2001) and Koval &
//! Aksenov (PPoPP 2020), with the *cycle-tagged slots* of Nikolaev's SCQ
//! (DISC 2019, `lfring_cas1.h` in rusnikola/lfqueue). Two cursors, `head`
//! (next pop) and `tail` (next push), count operations; a cursor's value
//! `c = cycle · 2^k + position` names a slot (`position < N`, `k` bits) and
//! the lap (`cycle`) that slot is on. Every slot word carries the lap of the
//! push that last wrote it:
//!
//! ```text
//!  bit:  W-1 ............ k+1 | k ............ 1 |  0
//!        cycle (mod 2^(W-k-1)) | index ^ position | TAG
//! ```
//!
//! `Lap(c, i)` at position `p` says: the push of cursor `(c, p)` put index
//! `i` here. Whether `i` is still in the ring is decided by `head` alone:
//! it is while `head <= (c, p)`, and it was popped once `head` passed
//! `(c, p)`. A slot only ever moves forward, `Lap(c) → Lap(c+1) → …`, and
//! only after `head` has passed its old entry.
//!
//! **Pop** reads `head = (c, p)`, then slot `p`:
//! * `Lap(c, i)`: CAS `head` to the next cursor. Success *claims* `i`: the
//!   slot keeps its word (nothing is written to it), because `head` moving
//!   past `(c, p)` is what marks the entry as taken.
//! * `Lap(c-1, _)`: the push of `(c, p)` has not happened, so the ring is
//!   empty. A load may return a stale value, so emptiness is confirmed by a
//!   CAS of the slot onto itself, which reads the newest value; on success
//!   the ring is reported empty, else the pop retries.
//! * anything else: `head` moved on since it was read; retry.
//!
//! **Push** of `i` reads the stored `tail` (one lap behind the true tail,
//! and some fills behind that, see invariants 3 and 4):
//! in that form a cursor `(c-1, p)` names the entry that the fill of
//! `(c, p)` replaces. From there it reads forward over slots already on
//! their new lap (`Lap(c, _)`: pushes that filled them and left moving
//! `tail` to a later push) to the first slot `p` still holding
//! `Lap(c-1, _)`, and CASes `Lap(c, i)` in. If that makes [`TAIL_LAG`]
//! fills since the stored `tail`, it moves `tail` past them (CAS, retried
//! from the newer value unless other pushes moved it as far already). A
//! slot on a lap older than expected means `tail` moved on since it was
//! read: retry.
//!
//! A push never reads `head`, the line every pop writes. It need not: the
//! entry it replaces, at cursor `x = (c-1, p)`, is one lap behind the true
//! tail, and the ring holds fewer than `N` indices while the caller holds
//! one, so `head` has passed `x` (the entry was popped). That holds for
//! every push of an index its caller holds, which is the only push the
//! pool makes: a guard owns its index alone, and an index handed out in
//! raw form is re-entered at most once (the pool's tag, invariant 5, is
//! cleared by exactly one re-entry). A push of an index nobody held is
//! the one thing that could find the ring full; the pool rules it out
//! before it reaches the ring, so the ring does not check for it.
//!
//! A push that reads [`TAIL_LAG`] filled slots moves `tail` past them
//! itself before going on, so no push reads more than that. This is also
//! what makes pushes lock-free: a push stalled after its fill blocks
//! nobody, the next one reads past its slot and, if it must, moves `tail`
//! itself. A bulk push fills a run of slots and moves `tail` once at the
//! end; it fills at most a lap's worth past the stored `tail` (invariant
//! 3), so a push that finds it stalled before its `tail` move reads past
//! its slots in the same way.
//!
//! A pop costs one read-modify-write (the `head` CAS); a push one (the slot
//! CAS) plus one `tail` CAS per [`TAIL_LAG`] pushes. A bulk pop of a run of
//! `m` full slots reads them and moves `head` over all of them with one
//! CAS; a bulk push of `m` costs `m + 1` (a push publishes its index with
//! its own CAS: one read-modify-write on `tail` for a whole run would let a
//! pusher stalled between reserving and writing block every pop behind it,
//! which a lock-free pool shared with interrupt handlers cannot allow).
//!
//! # Why no CAS succeeds across laps (the Go original's defect)
//!
//! The Go library this crate reimagines stores a full slot as the bare index
//! and claims it with a CAS on the slot. A pop that read index `i` and
//! stalled could then succeed a whole lap later, when `i` had been popped,
//! pushed back and landed in the same slot again; two owners of `i`
//! followed. Here a pop claims with a CAS on `head`,
//! whose value only grows, so a stalled pop's CAS fails once any pop has
//! happened since it read `head`; and a push's slot CAS expects the word of
//! one precise lap, which a slot never holds again once it has moved on.
//!
//! The only way back to an old value is wrap-around of a cycle field while
//! one thread stays stalled in the middle of an operation. The slot's field
//! is the shorter one (`W-k-1` bits, against `W-k` in a cursor), so it sets
//! the bound: `2^(W-k-1)` laps of that slot, i.e. about `2^(W-1)` pushes to
//! the whole ring (pushes equal pops in steady state, and each push is one
//! buffer returned):
//!
//! | word (`W`) | max capacity | slot cycle bits at max | pushes before a wrap |
//! |---|---|---|---|
//! | 64 bits (64-bit targets) | 2^31 | 32 | ≈ 2^63 (≈ 2 900 years at 10^8/s) |
//! | 32 bits (32-bit targets) | 2^20 | 11 | ≈ 2^31 (≈ 21 s at 10^8/s, ≈ 36 min at 10^6/s) |
//!
//! Being fooled means: a stalled push whose slot CAS succeeds against a
//! wrapped slot moves the slot back a lap, and an index ends up both in the
//! ring and with its holder; a stalled pop's `head` CAS cannot be fooled
//! within the cursor's longer period, and an empty check
//! ([`Ring::still_empty`]) stalled that long may report a spurious empty.
//!
//! For a capacity that is not a power of two the bound is at least half the
//! figure shown (`N · 2^(W-k-1)` with `2^(k-1) < N`). On 32-bit targets the
//! bound is about `2^31` pushes *whatever the capacity*: a smaller pool laps
//! faster by exactly what its extra cycle bits buy. A low-priority task that
//! can be starved for minutes while higher-priority code runs the same pool
//! at a million gets a second is the case to think about there.
//!
//! # Invariants
//!
//! 1. Each index is in at most one place: in exactly one slot entry that
//!    `head` has not passed, or held by exactly one caller. A successful
//!    `head` CAS transfers the entries it passes to the one caller that made
//!    it; a push transfers an index back.
//! 2. Slots are filled in cursor order: a push fills the first slot after
//!    the stored `tail` that is not yet on its new lap, so slot `t + 1` is
//!    filled only by a push that saw slot `t` filled. `tail` only moves over
//!    filled slots. Pops take entries in cursor order because `head` does.
//! 3. The true tail is the stored `tail` plus one lap plus the filled slots
//!    right after it: at most a lap of them. A single push fills within
//!    [`TAIL_LAG`] of the stored `tail` (one that reads that many filled
//!    slots moves `tail` first), and a bulk push fills at most
//!    `capacity - skipped` slots, `skipped` being the filled slots it read
//!    past the stored `tail`; so no slot is ever filled a lap past the
//!    stored `tail` before `tail` moves. True tail minus `head` is the
//!    number of indices in the ring. A pop can take an index whose fill lies beyond the
//!    stored `tail`, so `head` may be ahead of the stored `tail` plus one
//!    lap, but never passes a slot that is not filled. [`Ring::len`] reads
//!    forward from `tail` the same way pushes do.
//! 4. With all indices present and no operation ever made, the ring is in
//!    its *full* state: `head = 0`, the stored tail `= 0` (the stored tail
//!    is the true tail minus one lap) and `slot[p] = Lap(0, p)`, all of which
//!    encode as zero bytes. A `static` pool therefore lands in `.bss`. The
//!    *empty* ring has the stored tail one lap behind `head` and every slot
//!    on lap `-1`, all of whose entries `head = 0` has passed.
//! 5. Bit 0 of slot `p` (the tag) belongs to the *pool*, which uses it to mark
//!    buffer `p` as handed out in raw form. The ring never reads it and every
//!    CAS here carries it over unchanged; a concurrent tag flip only makes a
//!    CAS fail and retry.
//!
//! # Why a push needs no look at `head`
//!
//! A push replaces the entry one lap behind the true tail, at cursor `x`,
//! and must only do so once `x` was claimed: the claim `P_x` (the pop whose
//! `head` CAS passed `x`) must happen-before the push, or a pop that saw
//! the new entry while `head` was still at `x` would find neither lap it
//! expects and retry for ever. No `head` read is needed for that:
//!
//! * The push read the slots from `x + 1` to `x + N - 1` filled (the true
//!   tail is `x + N`), and each fill happens-before the push (fills are
//!   `Release`, its slot and `tail` loads `Acquire`, invariant 2).
//! * Those `N - 1` entries, the entry at `x` and the index the pusher holds
//!   are `N + 1` occurrences of the `N` indices, so one index `j` occurs
//!   twice: in two entries `z1 < z2`, or in an entry `z` and the pusher's
//!   hands.
//! * An index's life is one chain of holders ordered by happens-before
//!   (each hand-over is a `Release` write read by an `Acquire` read), and
//!   leaving an entry takes the claim of that entry. So the claim of `z1`
//!   happens-before the fill of `z2`, or the claim of `z` happens-before
//!   the pusher's own hold.
//! * Either claim is at `x` or later, and every claim is a `head` CAS
//!   (`AcqRel`), so `P_x` is in the release sequence that claim reads
//!   from: `P_x` happens-before it, and so before the push.
//!
//! The argument is an induction over the pushes in happens-before order:
//! "leaving an entry takes its claim" holds because no earlier push
//! overwrote an unclaimed entry. The entries of a ring that starts empty
//! ([`Ring::empty`], filled by the pool's `fill`) are on lap `-1`, each
//! naming index `p` at position `p` and passed by `head = 0`: they count as
//! claimed from the start, by no pop, and the pigeonhole above holds with
//! them. A bulk pop's one `head` CAS claims a whole run; `P_x` and the
//! claim of `z1` may then be that same CAS. This holds for every push of a
//! held index, which is the only push the pool makes; the same argument
//! covers each slot a bulk push fills.
//!
//! # Memory orderings
//!
//! * A push's slot CAS is `Release`: it publishes everything the previous
//!   owner wrote to the buffer. A pop's slot load is `Acquire` and reads
//!   that very value, so the new owner sees those writes.
//! * A pop's `head` CAS is `AcqRel`: as a release sequence of
//!   read-modify-writes, `head` orders every claim before every later one,
//!   which the argument above needs. The pop's claim itself does not
//!   depend on it: it takes an entry only if the word it read is on
//!   `head`'s lap, and a push's replacement is a lap later, so a pop can
//!   never claim a replaced entry (the CAS also depends on the read, so
//!   the two cannot be reordered).
//! * Cursor loads are `Acquire` and cursor CASes at least `Release`: a
//!   thread that reads `tail == t` thereby happens-after the fills of all
//!   earlier positions. A failed CAS is `Relaxed`: its value is discarded.
//! * Slot loads are `Acquire`, so a push that reads past a filled slot (and
//!   may move `tail` over it) happens-after that fill.
//! * The confirming self-CAS of a slot for "empty" is `Acquire`; being a
//!   read-modify-write it reads the newest value, which is what makes the
//!   answer exact: at that instant slot `(c, p)` is unfilled, the pops
//!   before `head` are done, and no fill at or after it is (fills go in
//!   order).
//! * Tag operations are `AcqRel`, so the thread that clears a tag sees what
//!   the thread that set it wrote to the buffer before.
//!
//! # Progress
//!
//! Pop and push are lock-free: a retry happens only when another operation
//! completed a CAS on the same slot or cursor (or a push found that others
//! filled slots past `tail`, and moved it), when the pool flipped a tag bit,
//! or when a load returned a value that was already stale. Neither is
//! wait-free. Neither
//! ever waits for another thread, so both may run in interrupt handlers that
//! preempt a thread in the middle of an operation on the same ring.

use crate::cache_padded::CachePadded;
use crate::sync::{AtomicWord, Ordering, Word, retry_hint};

/// The pool's per-buffer bit in every slot (invariant 5).
const TAG: Word = 1;
/// Bits below the index field.
const FLAG_BITS: u32 = 1;
/// A push moves `tail` only when it lags this many fills (or the capacity,
/// if smaller) behind; the pushes in between find their slot by reading
/// forward from `tail` over filled slots. One `tail` CAS per this many
/// pushes instead of one each.
const TAIL_LAG: usize = 4;

/// The largest capacity a ring (and therefore a pool) can have.
///
/// On 64-bit targets `2^31`: the index field then takes 31 bits and leaves 32
/// bits of cycle. On 32-bit targets `2^20`: at least 11 bits of cycle remain,
/// so a stalled operation is fooled only after about `2^31` operations (see
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
/// On 64-bit targets `2^31`: the index field then takes 31 bits and leaves 32
/// bits of cycle. On 32-bit targets `2^20`: at least 11 bits of cycle remain,
/// so a stalled operation is fooled only after about `2^31` operations (see
/// the module docs).
///
/// ```
/// # #[cfg(not(target_pointer_width = "64"))]
/// assert_eq!(iobuf::MAX_CAPACITY, 1 << 20);
/// ```
#[cfg(not(target_pointer_width = "64"))]
pub const MAX_CAPACITY: usize = 1 << 20;

/// One ring slot: the lap and index of the push that last wrote it, and the
/// pool's tag bit (see module docs).
pub type Slot = AtomicWord;

/// Where a pop found the ring empty: the slot at `head` and the entry of
/// the lap before that it held. See [`Ring::still_empty`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct EmptyAt {
    position: usize,
    entry: Word,
}

/// Where the next push goes, as [`Ring::next_free`] found it.
struct Free {
    /// The stored tail it read.
    tail: Word,
    /// The stored-form cursor of the free slot (`skipped` steps past `tail`).
    cursor: Word,
    /// The slot's word: the previous lap's entry.
    entry: Word,
    /// Filled slots between `tail` and `cursor`.
    skipped: usize,
}

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

/// The slot array of a ring: `[Slot; N]` in a static pool, whose capacity
/// is then a constant in every ring operation (the compiler folds the
/// geometry's shifts and masks), or `[Slot]` for a capacity chosen at run
/// time.
///
/// (`pub` only so the sealed `Storage` trait can name it.)
pub trait Slots {
    /// The slots as a slice; its length is the capacity.
    fn as_slice(&self) -> &[Slot];
}

impl<const N: usize> Slots for [Slot; N] {
    #[inline(always)]
    fn as_slice(&self) -> &[Slot] {
        self
    }
}

impl Slots for [Slot] {
    #[inline(always)]
    fn as_slice(&self) -> &[Slot] {
        self
    }
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
    #[inline]
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

    #[inline]
    fn position(self, cursor: Word) -> usize {
        (cursor & ((1 << self.index_bits) - 1)) as usize
    }

    #[inline]
    fn cycle(self, cursor: Word) -> Word {
        cursor >> self.index_bits
    }

    /// The cursor one step after `cursor`. For a capacity that is a power
    /// of two the position field is full at the last position, so the step
    /// carries into the cycle by itself.
    #[inline(always)]
    fn advance(self, cursor: Word) -> Word {
        if self.capacity == 1 << self.index_bits {
            cursor.wrapping_add(1)
        } else if self.position(cursor) + 1 == self.capacity {
            self.cycle(cursor).wrapping_add(1) << self.index_bits
        } else {
            cursor + 1
        }
    }

    /// How many steps `to` is ahead of `from`, saturating at `usize::MAX`
    /// beyond one lap; `to` must not be behind `from` (cursors only grow).
    #[inline]
    fn distance(self, from: Word, to: Word) -> usize {
        let laps = self.cycle(to).wrapping_sub(self.cycle(from)) & (Word::MAX >> self.index_bits);
        match laps {
            0 => self.position(to).saturating_sub(self.position(from)),
            1 => self.capacity - self.position(from) + self.position(to),
            _ => usize::MAX,
        }
    }

    /// Shifts a cycle into slot-word position (dropping bits that do not fit).
    #[inline]
    const fn cycle_field(self, cycle: Word) -> Word {
        cycle << (self.index_bits + FLAG_BITS)
    }

    #[inline]
    fn index_mask(self) -> Word {
        ((1 << self.index_bits) - 1) << FLAG_BITS
    }

    /// The slot word `Lap(cycle, index)` at `position` (tag clear).
    #[inline]
    fn entry(self, cycle: Word, position: usize, index: usize) -> Word {
        self.cycle_field(cycle) | (((index ^ position) as Word) << FLAG_BITS)
    }

    /// How many laps `entry`'s cycle is ahead of `cursor`'s, modulo the
    /// slot's cycle field: 0 for the entry the push of `cursor` wrote, 1
    /// for the one a lap later, and the field's mask (`-1`) for the one a
    /// lap earlier.
    #[inline(always)]
    fn laps_ahead(self, entry: Word, cursor: Word) -> Word {
        let shift = self.index_bits + FLAG_BITS;
        (entry >> shift).wrapping_sub(self.cycle(cursor)) & (Word::MAX >> shift)
    }

    /// `laps_ahead` of the entry one lap behind: the field's mask.
    #[inline(always)]
    fn lap_behind(self) -> Word {
        Word::MAX >> (self.index_bits + FLAG_BITS)
    }

    /// Whether `entry` was written by the push of lap `cycle`.
    #[cfg(test)]
    #[inline]
    fn is_lap(self, entry: Word, cycle: Word) -> bool {
        entry & !(TAG | self.index_mask()) == self.cycle_field(cycle)
    }

    /// Whether `entry` was written on lap `cycle` or a later one (slot
    /// cycles compared modulo their field, as signed).
    #[inline]
    fn reached(self, entry: Word, cycle: Word) -> bool {
        let shift = self.index_bits + FLAG_BITS;
        let field_mask = Word::MAX >> shift;
        let laps = (entry >> shift).wrapping_sub(cycle) & field_mask;
        laps <= field_mask >> 1
    }

    /// How far the stored tail may lag behind the last fill before a push
    /// must move it: [`TAIL_LAG`], or the capacity if smaller.
    #[inline]
    fn tail_lag(self) -> usize {
        if self.capacity < TAIL_LAG {
            self.capacity
        } else {
            TAIL_LAG
        }
    }

    #[inline]
    fn index(self, entry: Word, position: usize) -> usize {
        ((entry & self.index_mask()) >> FLAG_BITS) as usize ^ position
    }

    /// The stored tail of an empty ring: true tail `(0, 0)`, one lap behind.
    #[inline]
    const fn empty_ring_tail(self) -> Word {
        Word::MAX << self.index_bits
    }

    /// A slot of the empty ring: on lap `-1`, which `head = 0` has passed.
    #[inline]
    const fn empty_ring_slot(self) -> Word {
        self.cycle_field(Word::MAX)
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
            slots: [const { AtomicWord::new(Geometry::of(N).empty_ring_slot()) }; N],
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
            slots: core::array::from_fn(|_| AtomicWord::new(Geometry::of(N).empty_ring_slot())),
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

impl<S: Slots + ?Sized> Ring<S> {
    #[inline(always)]
    fn slots(&self) -> &[Slot] {
        self.slots.as_slice()
    }

    #[inline(always)]
    fn geometry(&self) -> Geometry {
        Geometry::of(self.slots().len())
    }

    /// The slot at `position`, which the cursors keep below the capacity.
    /// Where the compiler cannot see that (a capacity that is not a power
    /// of two), the check panics with a fixed message, so that firmware
    /// links no formatting code for it.
    #[inline(always)]
    fn slot(&self, position: usize) -> &Slot {
        match self.slots().get(position) {
            Some(slot) => slot,
            None => out_of_range(),
        }
    }

    /// How many indices the ring can hold.
    #[inline(always)]
    pub(crate) fn capacity(&self) -> usize {
        self.slots().len()
    }

    /// Takes a free index, or `None` when the ring was empty at one instant
    /// during the call (never spuriously). Lock-free.
    #[inline]
    pub(crate) fn pop(&self) -> Option<usize> {
        self.pop_or_empty().ok()
    }

    /// [`pop`](Self::pop), telling where the ring was seen empty when it
    /// was: an [`EmptyAt`] that [`still_empty`](Self::still_empty) checks
    /// later.
    #[inline]
    pub(crate) fn pop_or_empty(&self) -> Result<usize, EmptyAt> {
        let geometry = self.geometry();
        loop {
            let head = self.head.load(Ordering::Acquire);
            let position = geometry.position(head);
            let slot = &self.slot(position);
            let entry = slot.load(Ordering::Acquire);
            let laps = geometry.laps_ahead(entry, head);
            if laps == 0 {
                let next = geometry.advance(head);
                if self
                    .head
                    .compare_exchange(head, next, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
                {
                    return Ok(geometry.index(entry, position));
                }
            } else if laps == geometry.lap_behind() && confirm(slot, entry) {
                return Err(EmptyAt { position, entry });
            }
            retry_hint();
        }
    }

    /// Whether the ring has been empty ever since a pop saw it empty at
    /// `seen`: its slot at `head` still holds the entry of the lap before
    /// (confirmed by a CAS onto itself, as a pop confirms it). A slot only
    /// moves forward, so it held that entry all along, and while it does no
    /// push can have filled the ring (the next push fills exactly that slot)
    /// nor any pop moved `head`. A flip of the slot's tag bit (raw
    /// hand-off) changes the word too: then this says `false` although the
    /// ring may still be empty, which only costs the caller a retry.
    /// Lock-free; one read-modify-write.
    pub(crate) fn still_empty(&self, seen: EmptyAt) -> bool {
        confirm(self.slot(seen.position), seen.entry)
    }

    /// Returns `index`, which the caller holds, to the ring. Lock-free;
    /// never waits for a pop, never reads `head` (module docs).
    #[inline]
    pub(crate) fn push(&self, index: usize) {
        let geometry = self.geometry();
        debug_assert!(index < geometry.capacity);
        loop {
            let Some(free) = self.next_free(geometry) else {
                retry_hint();
                continue;
            };
            let cycle = geometry.cycle(free.cursor).wrapping_add(1);
            let position = geometry.position(free.cursor);
            let filled = geometry.entry(cycle, position, index) | (free.entry & TAG);
            if self
                .slot(position)
                .compare_exchange(free.entry, filled, Ordering::Release, Ordering::Relaxed)
                .is_ok()
            {
                let lag = free.skipped + 1;
                if lag >= geometry.tail_lag() {
                    let end = geometry.advance(free.cursor);
                    self.jump(free.tail, end, lag, geometry);
                }
                return;
            }
            retry_hint();
        }
    }

    /// Finds the slot the next push fills: reads forward from the stored
    /// `tail` over slots already filled on their lap (pushes whose `tail`
    /// move is deferred, see [`TAIL_LAG`]) to the first one still holding
    /// the previous lap's entry. `None`: the `tail` read was stale, or
    /// `tail` lagged by [`Geometry::tail_lag`] and this call moved it; the
    /// caller reads again either way.
    #[inline]
    fn next_free(&self, geometry: Geometry) -> Option<Free> {
        let tail = self.tail.load(Ordering::Acquire);
        let mut cursor = tail;
        let mut skipped = 0;
        loop {
            // `cursor` is in stored form: the fill it names is on the next
            // lap, so the entry it replaces is on `cursor`'s own lap.
            let entry = self.slot(geometry.position(cursor)).load(Ordering::Acquire);
            match geometry.laps_ahead(entry, cursor) {
                0 => {
                    return Some(Free {
                        tail,
                        cursor,
                        entry,
                        skipped,
                    });
                }
                // Filled by a push whose `tail` move is deferred.
                1 => {}
                // `tail` moved on since it was read: no slot is filled a lap
                // past the stored `tail` (invariant 3).
                _ => return None,
            }
            cursor = geometry.advance(cursor);
            skipped += 1;
            if skipped >= geometry.tail_lag() {
                // Every slot from `tail` to `cursor` is filled: publish that
                // and start over from there.
                self.jump(tail, cursor, skipped, geometry);
                return None;
            }
        }
    }

    /// Takes up to `out.len()` free indices, as many as are free, and
    /// returns how many it wrote to the front of `out`.
    ///
    /// Equivalent to that many [`pop`](Self::pop)s (not atomic as a group),
    /// but a run of consecutive full slots costs one read-modify-write in
    /// all: the slots are read, and `head` jumps over the whole run at once.
    pub(crate) fn pop_bulk(&self, out: &mut [usize]) -> usize {
        let geometry = self.geometry();
        let mut taken = 0;
        while taken < out.len() {
            let run = self.claim_run(&mut out[taken..], geometry);
            if run > 0 {
                taken += run;
                continue;
            }
            // Contended or empty: the single pop sorts it out.
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

    /// Reads the run of full slots from `head` on (at most `out.len()`),
    /// then claims all of them with one CAS of `head` over the run. Returns
    /// 0 if the run was empty or the CAS lost (then `out` is garbage).
    fn claim_run(&self, out: &mut [usize], geometry: Geometry) -> usize {
        let start = self.head.load(Ordering::Acquire);
        let mut cursor = start;
        let mut claimed = 0;
        while claimed < out.len() {
            let position = geometry.position(cursor);
            let entry = self.slot(position).load(Ordering::Acquire);
            if geometry.laps_ahead(entry, cursor) != 0 {
                break;
            }
            out[claimed] = geometry.index(entry, position);
            claimed += 1;
            cursor = geometry.advance(cursor);
        }
        let won = claimed > 0
            && self
                .head
                .compare_exchange(start, cursor, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok();
        if won { claimed } else { 0 }
    }

    /// Returns every index in `indices` (each held by the caller). Like that
    /// many [`push`](Self::push)es, with `m + 1` read-modify-writes for a run
    /// of `m` consecutive slots.
    pub(crate) fn push_bulk(&self, indices: &[usize]) {
        let geometry = self.geometry();
        let mut rest = indices;
        while let Some((&first, tail)) = rest.split_first() {
            let run = self.fill_run(rest, geometry);
            if run > 0 {
                rest = &rest[run..];
            } else {
                self.push(first);
                rest = tail;
            }
        }
    }

    /// Fills consecutive free slots from the next free one on, then moves
    /// `tail` past them. Stops at the first slot it cannot fill at once.
    /// Each slot it fills is the true tail at that moment and the caller
    /// still holds the index, so the entry it replaces was claimed (module
    /// docs, *Why a push needs no look at `head`*).
    fn fill_run(&self, indices: &[usize], geometry: Geometry) -> usize {
        let Some((free, end, filled)) = self.fill_slots(indices, geometry) else {
            return 0;
        };
        self.jump(free.tail, end, free.skipped + filled, geometry);
        filled
    }

    /// The fills of [`fill_run`](Self::fill_run), without its `tail` move:
    /// the slot it found, the stored-form cursor after the last slot it
    /// filled, and how many (at least one). It fills at most `capacity -
    /// skipped` slots, so that the fills after the stored `tail` stay within
    /// one lap of it (invariant 3): a push that reads forward from that
    /// `tail` then finds every slot filled or free, never a lap further
    /// on, and is not held up by this run's pending `tail` move.
    fn fill_slots(&self, indices: &[usize], geometry: Geometry) -> Option<(Free, Word, usize)> {
        let free = self.next_free(geometry)?;
        let mut cursor = free.cursor;
        let mut entry = free.entry;
        let mut filled = 0;
        for &index in indices.iter().take(geometry.capacity - free.skipped) {
            debug_assert!(index < geometry.capacity);
            // `cursor` is in stored form: the fill it names is on the next lap.
            let cycle = geometry.cycle(cursor).wrapping_add(1);
            let position = geometry.position(cursor);
            if filled > 0 {
                entry = self.slot(position).load(Ordering::Acquire);
                if geometry.laps_ahead(entry, cursor) != 0 {
                    break;
                }
            }
            let won = self
                .slot(position)
                .compare_exchange(
                    entry,
                    geometry.entry(cycle, position, index) | (entry & TAG),
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
        (filled > 0).then_some((free, cursor, filled))
    }

    /// Moves the tail from `start` to `target`, `steps` ahead, unless other
    /// pushes move it at least as far meanwhile. Every slot in between is
    /// filled, so every value it passes through is one `tail` may hold
    /// (invariant 2).
    fn jump(&self, start: Word, target: Word, steps: usize, geometry: Geometry) {
        let mut seen = start;
        while let Err(now) =
            self.tail
                .compare_exchange(seen, target, Ordering::Release, Ordering::Relaxed)
        {
            if geometry.distance(start, now) >= steps {
                return; // other pushes took it there already
            }
            seen = now;
            retry_hint();
        }
    }

    /// How many indices the ring holds; exact when no operation is under way,
    /// otherwise a snapshot that may be off by the operations in flight.
    pub(crate) fn len(&self) -> usize {
        let geometry = self.geometry();
        let head = self.head.load(Ordering::Acquire);
        let tail = self.filled_to(geometry);
        let cycle_mask = Word::MAX >> geometry.index_bits;
        let laps = geometry
            .cycle(tail)
            .wrapping_add(1)
            .wrapping_sub(geometry.cycle(head))
            & cycle_mask;
        if laps == cycle_mask {
            // `head` is ahead of the tail that was read, across a lap
            // boundary (a pop took an index filled after the slots were
            // read): nothing is left in the ring.
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

    /// The stored-form cursor just past the last filled slot: the stored
    /// `tail` plus the fills whose `tail` move is deferred (at most one lap
    /// is read, so a snapshot under heavy traffic stays bounded).
    fn filled_to(&self, geometry: Geometry) -> Word {
        let mut cursor = self.tail.load(Ordering::Acquire);
        for _ in 0..geometry.capacity {
            let cycle = geometry.cycle(cursor).wrapping_add(1);
            let entry = self.slot(geometry.position(cursor)).load(Ordering::Acquire);
            if !geometry.reached(entry, cycle) {
                break;
            }
            cursor = geometry.advance(cursor);
        }
        cursor
    }

    /// Sets the pool's tag of `position`; returns whether it was already set.
    pub(crate) fn set_tag(&self, position: usize) -> bool {
        self.slot(position).fetch_or(TAG, Ordering::AcqRel) & TAG != 0
    }

    /// Clears the pool's tag of `position`; returns whether it was set.
    pub(crate) fn clear_tag(&self, position: usize) -> bool {
        self.slot(position).fetch_and(!TAG, Ordering::AcqRel) & TAG != 0
    }
}

/// A position or an index at or beyond the capacity, which the ring's and
/// the pool's invariants rule out: a panic with a fixed message (no
/// formatting code), kept out of line.
#[cold]
#[inline(never)]
pub(crate) fn out_of_range() -> ! {
    panic!("iobuf: a ring position or buffer index beyond the capacity")
}

/// Whether `word` still holds `value` as of its newest value (a CAS onto
/// itself, which reads the newest value as a read-modify-write does).
fn confirm(word: &AtomicWord, value: Word) -> bool {
    word.compare_exchange(value, value, Ordering::Acquire, Ordering::Relaxed)
        .is_ok()
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
pub(crate) mod loom_tests;
