//! The hot slot: one word in front of the ring that keeps the free index
//! returned last, so that the next get takes it back.
//!
//! The ring is first-in first-out: a get takes the index that has been free
//! the longest, so a pool cycles through every buffer, and a get-use-return
//! loop touches three shared cache lines (`head`, a slot, `tail`). The hot
//! slot makes the common case last-in first-out and one line: the buffer a
//! get receives is most often the one returned just before, still in the
//! cache, and threads that get and return meet on one word. Why one slot,
//! and not two or none, is in `docs/design.md`.
//!
//! # Algorithm
//!
//! The slot's word holds `index + 1`, or 0 ([`EMPTY`]).
//!
//! * **Get** ([`take_index`]): if a plain load shows the slot full, swap
//!   [`EMPTY`] in and take the index the swap returns (if another get
//!   emptied the slot in between, the swap returns [`EMPTY`] and the get
//!   goes on). Otherwise pop the ring.
//! * **Return** ([`give_index`]): if a plain load shows the slot empty, CAS
//!   `index + 1` in, expecting [`EMPTY`]. Otherwise, or if the CAS fails,
//!   push the index to the ring.
//!
//! The loads keep a slot that does not serve a caller from costing it a
//! read-modify-write: in a burst of gets, all but the first find the slot
//! empty and go straight to the ring; in a burst of returns, all but the
//! first find it full. A stale load only sends a caller to the ring when
//! the slot could have served it, or on to a failing swap or CAS, never to
//! a wrong answer: the answers come from the read-modify-writes and from
//! the empty check.
//!
//! **Empty check.** A get that found the ring empty (the pop confirms the
//! slot at `head` unfilled, a read-modify-write at instant `t1`) swaps the
//! hot slot unconditionally (instant `t2`) and, if that finds it empty,
//! asks the ring whether the same slot is still unfilled
//! ([`Ring::still_empty`], instant `t3`). A ring slot only moves forward,
//! so the ring was empty throughout `t1..t3`; the hot slot was empty at
//! `t2`; the ring and the hot slot are the only places a free index can
//! be. So the pool was empty at `t2`, and the get reports it. Otherwise
//! something came in (a return, or a raw hand-off flipping the tag of the
//! ring's slot at `head`), and the get looks again. The check costs nothing
//! until a get finds the ring empty.
//!
//! No ABA problem can arise here: a swap needs no expected value, and a
//! return's CAS only succeeds on an empty slot, where putting the index is
//! right whatever happened before. The empty check's only expected value
//! is the ring slot's word, whose lap makes it unique up to the ring's
//! bound (see the `ring` module).
//!
//! # Invariants
//!
//! 1. Each index is in at most one place: in the ring, in the hot slot, or
//!    held. A take moves the slot's index to its caller; a return's CAS
//!    moves the caller's index into the empty slot.
//! 2. The slot starts as zero bytes (empty), so a `static` pool stays in
//!    `.bss`.
//!
//! # Memory orderings
//!
//! * A return's CAS is `Release`: it publishes what the returning holder
//!   wrote to the buffer. A get's swap is `Acquire` and reads that value (a
//!   read-modify-write reads the newest value), so the new holder sees
//!   those writes. A failed CAS moves nothing: `Relaxed`.
//! * The plain loads are `Relaxed`: they only decide whether to try the
//!   read-modify-write, which carries the ordering.
//! * The empty check is three read-modify-writes, each reading its word's
//!   newest value: the pop's confirmation of the ring's slot at `head`, the
//!   swap and the ring's re-confirmation, all `Acquire`, which keeps each
//!   after the one before in program order. As for the ring's own check,
//!   "the instant" is a statement about the hardware's single order of
//!   these operations, which multi-copy-atomic machines (x86, ARMv8,
//!   RISC-V) have; the C11 model without `SeqCst` has no such instant, so
//!   loom cannot check this part. The staged unit tests pin the steps and
//!   their order.
//!
//! # Progress and bound
//!
//! The hot slot's own steps, the take's swap and the return's CAS, are
//! wait-free where swap and CAS are single instructions (x86-64; AArch64
//! with LSE; RISC-V's `amoswap`, but not its CAS, an LR/SC loop without
//! the Zacas extension) and lock-free on load-linked/store-conditional
//! targets (thumbv7em, AArch64 without LSE). A get or a return that goes
//! on to the ring is lock-free, as the ring's pop and push are. The empty
//! check loops only because another operation completed. It inherits the ring's bound:
//! a get stalled between its pop and the re-confirmation while the ring's
//! slot goes round its whole cycle field (about `2^(W-1)` pushes, `W` the
//! word's bits) may report a spurious [`PoolEmpty`](crate::PoolEmpty),
//! never a lost or shared buffer.

use crate::ring::{EmptyAt, Ring, Slots};
use crate::sync::{AtomicWord, Ordering, Word, retry_hint};

/// The hot slot (see the module docs). The pool keeps it on a cache line of
/// its own.
///
/// (`pub` only so the sealed `Storage` trait can name it; the module is
/// private, so no user can.)
pub struct HotSlot {
    /// `index + 1`, or [`EMPTY`].
    word: AtomicWord,
}

/// The word of the empty slot.
const EMPTY: Word = 0;

impl HotSlot {
    /// An empty slot (all zero bytes).
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Self {
        Self {
            word: AtomicWord::new(EMPTY),
        }
    }

    /// An empty slot (loom's atomics are not `const`).
    #[cfg(loom)]
    pub(crate) fn new() -> Self {
        Self {
            word: AtomicWord::new(EMPTY),
        }
    }

    /// Takes the slot's index if a plain load shows one; one swap then.
    #[inline(always)]
    fn take(&self) -> Option<usize> {
        if self.word.load(Ordering::Relaxed) == EMPTY {
            return None;
        }
        self.take_now()
    }

    /// Takes the slot's index, leaving it empty; `None` if it was empty.
    /// One swap, whatever the slot holds: the empty check's instant.
    #[inline(always)]
    fn take_now(&self) -> Option<usize> {
        match self.word.swap(EMPTY, Ordering::Acquire) {
            EMPTY => None,
            // The word holds `index + 1` of an index below the capacity.
            stored => Some((stored - 1) as usize),
        }
    }

    /// Puts `index` into the slot if a plain load shows it empty and the
    /// CAS that expects it empty succeeds; `false` (nothing changed)
    /// otherwise.
    #[inline(always)]
    fn offer(&self, index: usize) -> bool {
        self.word.load(Ordering::Relaxed) == EMPTY
            && self
                .word
                .compare_exchange(
                    EMPTY,
                    index as Word + 1,
                    Ordering::Release,
                    Ordering::Relaxed,
                )
                .is_ok()
    }

    /// How many indices the slot holds (a snapshot: 0 or 1).
    pub(crate) fn len(&self) -> usize {
        usize::from(self.word.load(Ordering::Relaxed) != EMPTY)
    }
}

/// The step of [`take_index`]'s empty check about to run, where tests put
/// other threads' moves.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Next {
    /// The ring pop is next.
    Pop,
    /// The ring was empty; the hot slot's swap is next.
    Swap,
    /// The hot slot was empty too; the ring's check is next.
    Check,
}

/// Takes a free index: the hot slot's, else one from the ring. `None` only
/// when, at one instant during the call, the ring and the hot slot were
/// both empty (up to the bound in the module docs). Lock-free.
#[inline(always)]
pub(crate) fn take_index<S: Slots + ?Sized>(hot: &HotSlot, ring: &Ring<S>) -> Option<usize> {
    take_index_between(hot, ring, |_| {})
}

/// [`take_index`], calling `between` before each step after the first
/// look at the hot slot: the seam where tests put other threads' moves.
#[inline(always)]
fn take_index_between<S: Slots + ?Sized>(
    hot: &HotSlot,
    ring: &Ring<S>,
    mut between: impl FnMut(Next),
) -> Option<usize> {
    if let Some(index) = hot.take() {
        return Some(index);
    }
    between(Next::Pop);
    match ring.pop_or_empty() {
        Ok(index) => Some(index),
        Err(seen) => look_again(hot, ring, seen, between),
    }
}

/// The rest of a get that found the ring empty (at `seen`): the empty
/// check, and looking again if it fails.
#[cold]
#[inline(never)]
fn look_again<S: Slots + ?Sized>(
    hot: &HotSlot,
    ring: &Ring<S>,
    mut seen: EmptyAt,
    mut between: impl FnMut(Next),
) -> Option<usize> {
    loop {
        between(Next::Swap);
        if let Some(index) = hot.take_now() {
            return Some(index);
        }
        between(Next::Check);
        if ring.still_empty(seen) {
            return None;
        }
        retry_hint(); // an index came in meanwhile: look again
        between(Next::Pop);
        seen = match ring.pop_or_empty() {
            Ok(index) => return Some(index),
            Err(seen) => seen,
        };
    }
}

/// Returns a held index: into the hot slot if it is empty, else to the
/// ring. Never waits.
#[inline(always)]
pub(crate) fn give_index<S: Slots + ?Sized>(hot: &HotSlot, ring: &Ring<S>, index: usize) {
    if !hot.offer(index) {
        ring.push(index);
    }
}

/// How many indices are free: the ring's plus the hot slot's (a snapshot,
/// exact when no operation is under way). The two are read one after the
/// other, so an index moving from the ring to the slot meanwhile can be
/// counted twice: the sum is capped at the capacity.
pub(crate) fn available<S: Slots + ?Sized>(hot: &HotSlot, ring: &Ring<S>) -> usize {
    available_between(hot, ring, || {})
}

/// [`available`], calling `between` between the two reads (a test seam).
#[inline(always)]
fn available_between<S: Slots + ?Sized>(
    hot: &HotSlot,
    ring: &Ring<S>,
    between: impl FnOnce(),
) -> usize {
    let in_ring = ring.len();
    between();
    (in_ring + hot.len()).min(ring.capacity())
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
