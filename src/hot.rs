//! The hot slot: the free index returned last, kept in one word in front of
//! the ring, so that the next get takes it back.
//!
//! # Why
//!
//! The ring is first-in first-out: a get takes the index that has been free
//! the longest, so a pool cycles through every buffer, and a get-use-return
//! loop touches three shared cache lines (`head`, a slot, `tail`). The hot
//! slot makes the common case last-in first-out and one line:
//!
//! * the buffer a get receives is most often the one returned just before,
//!   still in the cache (filling a 4 KiB buffer, `cargo bench` on the
//!   2-core development VM: 114 ns per pair through the ring alone, 51-53
//!   ns with the hot slot);
//! * threads taking and returning buffers meet on one word instead of three
//!   lines (2 threads: 150-188 ns per pair through the ring alone, 35 ns
//!   with the hot slot).
//!
//! # Algorithm
//!
//! One word holds `index + 1`, or 0 when the slot is empty. Both operations
//! on it are a single read-modify-write that reads nothing first:
//!
//! * **Take** swaps 0 in and gets the index the word held, if any.
//! * **Offer** (a return) CASes `index + 1` into the slot, expecting 0. If
//!   the slot is full the CAS fails and changes nothing; the caller pushes
//!   the index to the ring instead.
//! * **Get** ([`take_index`]) takes from the hot slot, else pops the ring.
//!   When the ring is empty too, the slot may have been filled since the
//!   take looked (and the ring may have been filled and drained again in
//!   that time), so the get takes from the slot once more and then asks the
//!   ring whether it stayed empty all along since its pop saw it empty
//!   ([`Ring::still_empty`]). If so, the ring was empty at the instant of
//!   that second take, which found the slot empty: the pool was empty then,
//!   and the get reports it. Otherwise the ring's slot changed meanwhile (a
//!   return reached the ring, or an `into_raw`/`from_raw` flipped the
//!   slot's tag bit), and the get starts over.
//! * **Return** ([`give_index`]) offers, else pushes to the ring.
//!
//! Why not a plain read first: on the development VM a read right after a
//! locked instruction on the same word waits for it, which makes a
//! get-return pair a third slower (a read and a CAS for the take, then a
//! CAS for the return: 21 ns in a loop; a swap, then a CAS: 14-16 ns). The
//! price shows when one thread gets while another returns (a hand-off):
//! `cargo bench` measured 227-256 ns per pair there with the read, 301-302
//! ns with the swap. Counted in an instrumented copy, 94.5 % of those gets
//! found the slot full with the swap, against 66 % with the read: nearly
//! every buffer then passes through the slot's one line, which moves
//! between the two cores twice per pair, where the ring would have kept
//! the two threads on different lines more often.
//!
//! # Why not a plain store for the return
//!
//! A return could be one plain store, and a one-thread pair a single locked
//! instruction, if only the get that emptied the slot could refill it: the
//! get would swap in an "owned" marker, its guard would carry the
//! ownership, and its drop would store the index back while everybody
//! else's returns went to the ring. That was built and measured (plain
//! loops on the development VM, old and new code in turns): 8.8-11.1 ns a
//! pair on one thread against 15.4-15.6 ns, and 41-42 against 49-55 ns
//! filling 4 KiB. But while the owner holds its buffer, the slot serves
//! nobody, and a pool's buffers are held for long as a matter of course
//! (I/O in flight, or a thread preempted between get and return): 4
//! threads on the 2 cores took 52-56 ns a pair against 32-33, 8 threads
//! 85-93 against 36-37. Making the slot claimable by others would need the
//! owner's return to check, that is a locked instruction again. The test
//! `a_held_buffer_does_not_stall_the_slot` pins the property.
//!
//! No ABA problem can arise: a take needs no expected value, and an offer
//! only succeeds on an empty slot, where putting the index is right whatever
//! happened before. Both are wait-free where a swap and a CAS are single
//! instructions (x86-64, AArch64 with LSE, RISC-V's `amoswap`); on
//! load-linked/store-conditional targets (thumbv7em, AArch64 without LSE)
//! they are retry loops, lock-free. Only the get's empty check loops, and
//! only when the ring's slot at `head` changed since the get's pop, each
//! time because another operation completed.
//!
//! # Invariants
//!
//! 1. Each index is in at most one place: in the ring, in the hot slot, or
//!    held. A take moves the slot's index to its caller (one swap); an
//!    offer moves the caller's index into an empty slot (one CAS).
//! 2. The empty slot is all zero bytes, so a `static` pool stays in `.bss`.
//!
//! # Memory orderings
//!
//! * An offer's CAS is `Release`: it publishes what the returning owner
//!   wrote to the buffer. A take's swap is `Acquire` and reads that offer's
//!   value (a read-modify-write reads the newest value), so the new owner
//!   sees those writes. A take publishes nothing: an empty slot carries no
//!   buffer. An offer's failed CAS is `Relaxed`: it moves nothing.
//! * The empty check is three read-modify-writes, each reading its word's
//!   newest value: the pop's confirmation of the ring's slot at `head`
//!   (`Acquire`), the second take's swap (`Acquire`), and the ring's
//!   re-confirmation of the same slot (`Acquire`). `Acquire` keeps each
//!   after the one before in program order. The ring's slot held the same
//!   entry from the first confirmation to the second (its laps only move
//!   forward), so the ring was empty through that interval, which contains
//!   the swap that found the hot slot empty. As for the ring's own check,
//!   "the instant" is a statement about the hardware's single order of
//!   these atomic operations, which multi-copy-atomic machines (x86, ARMv8,
//!   RISC-V) have; the C11 model without `SeqCst` has no such instant, so
//!   loom cannot check this part (a plain load in place of either
//!   confirmation passes the loom models). The staged unit tests pin the
//!   steps and their order.
//!
//! # Bound
//!
//! The slot has no counter that could wrap. The empty check inherits the
//! ring's bound (see the `ring` module): a get stalled between its pop and
//! the re-confirmation while the ring's slot goes round its whole cycle
//! field (about `2^(W-1)` pushes, `W` the word's bits) may report a spurious
//! [`PoolEmpty`](crate::PoolEmpty), nothing worse. Ownership never depends
//! on it.

use crate::ring::{HeadHint, Overflow, Ring, Slot};
use crate::sync::{AtomicWord, Ordering, Word, retry_hint};

/// The hot slot (see the module docs).
///
/// (`pub` only so the sealed `Storage` trait can name it; the module is
/// private, so no user can.)
pub struct HotSlot(AtomicWord);

/// The word of the empty slot.
const EMPTY: Word = 0;

/// Where a held index came from, which tells its return how to go fast.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Source {
    /// Popped from the ring, which had moved `head` to the hint.
    Ring(HeadHint),
    /// Taken from the hot slot.
    Hot,
}

impl HotSlot {
    /// The empty slot (all zero bytes).
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Self {
        Self(AtomicWord::new(EMPTY))
    }

    /// The empty slot (loom's atomics are not `const`).
    #[cfg(loom)]
    pub(crate) fn new() -> Self {
        Self(AtomicWord::new(EMPTY))
    }

    /// Takes the index in the slot, leaving it empty; `None` if it was
    /// empty. One swap (wait-free where that is one instruction).
    #[inline]
    pub(crate) fn take(&self) -> Option<usize> {
        match self.0.swap(EMPTY, Ordering::Acquire) {
            EMPTY => None,
            // The word holds `index + 1` of an index below the capacity.
            stored => Some((stored - 1) as usize),
        }
    }

    /// Puts `index` into the slot if it is empty; `false` (and nothing
    /// changed) if it holds an index. One CAS (wait-free where that is one
    /// instruction).
    #[inline]
    pub(crate) fn offer(&self, index: usize) -> bool {
        self.0
            .compare_exchange(
                EMPTY,
                index as Word + 1,
                Ordering::Release,
                Ordering::Relaxed,
            )
            .is_ok()
    }

    /// Whether the slot holds an index (a snapshot).
    pub(crate) fn is_full(&self) -> bool {
        self.0.load(Ordering::Relaxed) != EMPTY
    }
}

/// The step of [`take_index`] about to run, where tests put other threads'
/// moves.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Next {
    /// The take found the slot empty; the ring pop is next.
    Pop,
    /// The ring was empty too; the second take is next.
    SecondTake,
    /// The second take found the slot empty; the ring's check is next.
    Check,
}

/// Takes a free index: the hot slot's, else one from the ring. `None` only
/// when, at one instant during the call, both were empty (up to the bound
/// in the module docs). Lock-free.
#[inline]
pub(crate) fn take_index(hot: &HotSlot, ring: &Ring<[Slot]>) -> Option<(usize, Source)> {
    take_index_between(hot, ring, |_| {})
}

/// [`take_index`], calling `between` before each [`Next`]: the seam where
/// tests put other threads' moves.
#[inline(always)]
fn take_index_between(
    hot: &HotSlot,
    ring: &Ring<[Slot]>,
    mut between: impl FnMut(Next),
) -> Option<(usize, Source)> {
    loop {
        if let Some(index) = hot.take() {
            return Some((index, Source::Hot));
        }
        between(Next::Pop);
        let seen = match ring.pop_or_empty() {
            Ok((index, hint)) => return Some((index, Source::Ring(hint))),
            Err(seen) => seen,
        };
        between(Next::SecondTake);
        if let Some(index) = hot.take() {
            return Some((index, Source::Hot));
        }
        between(Next::Check);
        if ring.still_empty(seen) {
            return None;
        }
        retry_hint(); // the ring's slot changed after the pop: look again
    }
}

/// Returns a held index: into the hot slot if it is empty, else to the
/// ring. Fails only when the ring is full and the slot too, which takes
/// returns of indices nobody held (the slot absorbs one of them; the
/// pool's `from_raw` catches a re-entry made twice before it gets here).
#[inline]
pub(crate) fn give_index(
    hot: &HotSlot,
    ring: &Ring<[Slot]>,
    index: usize,
    source: Source,
) -> Result<(), Overflow> {
    if hot.offer(index) {
        return Ok(());
    }
    match source {
        Source::Ring(hint) => ring.push_hinted(index, hint),
        // Taken from the slot: no `head` value is known, so the ring reads
        // it.
        Source::Hot => ring.push(index),
    }
}

/// How many indices are free: the ring's plus the hot slot's (a snapshot,
/// exact when no operation is under way). The two are read one after the
/// other, so an index moving from the ring to the slot meanwhile can be
/// counted twice: the sum is capped at the capacity.
pub(crate) fn available(hot: &HotSlot, ring: &Ring<[Slot]>) -> usize {
    available_between(hot, ring, || {})
}

/// [`available`], calling `between` between the two reads (a test seam).
#[inline(always)]
fn available_between(hot: &HotSlot, ring: &Ring<[Slot]>, between: impl FnOnce()) -> usize {
    let in_ring = ring.len();
    between();
    let full = hot.is_full();
    (in_ring + usize::from(full)).min(ring.capacity())
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
