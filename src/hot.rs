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
//!   2-core development VM: 114 ns per pair through the ring alone, 49.5 ns
//!   with the hot slot);
//! * threads taking and returning buffers meet on one word instead of three
//!   lines (2 threads: 150-188 ns per pair through the ring alone, 64.5-75
//!   ns with the hot slot).
//!
//! # Algorithm
//!
//! One word holds a *generation* (a count of the offers into the slot,
//! modulo its field) and an index field: `index + 1`, or 0 when empty.
//!
//! ```text
//!  64-bit word:  generation (32 bits)     | index + 1 (32 bits)
//!  32-bit word:  generation (32 - b bits) | index + 1 (b bits)
//! ```
//!
//! where `b` is the bit length of the capacity (11 for 1024 buffers, at most
//! 21), so the generation keeps every bit the index does not need.
//!
//! * **Take** reads the word; if it holds an index, a CAS clears the index
//!   field and keeps the generation (retried if the word changed). An empty
//!   slot costs the read alone and tells the take its generation.
//! * **Offer** (a return) puts `index` into an *empty* slot with a CAS that
//!   also advances the generation; into a full slot it does nothing, and
//!   the caller pushes the index to the ring instead. A return whose buffer
//!   came from the hot slot knows the word its take left behind and tries
//!   the CAS on that guess without reading first: on the development VM a
//!   read right after a locked instruction on the same word doubles the
//!   cost of the pair (two CAS with a read each: 22-24 ns; without: 13 ns).
//! * **Get** ([`take_index`]) takes from the hot slot, else pops the ring.
//!   When both were empty it reads the slot again: if the word is the very
//!   one its take saw (empty, same generation), no offer happened in
//!   between, so the slot was empty all along, in particular at the instant
//!   the ring confirmed empty: the pool was empty then, and the get reports
//!   it. Otherwise an offer came in meanwhile, and the get starts over.
//! * **Return** ([`give_index`]) offers, else pushes to the ring.
//!
//! No ABA problem can arise: a take needs no expected value, and an offer's
//! CAS only succeeds on an empty slot, where putting the index is right
//! whatever happened before. The generation serves the empty check alone.
//!
//! # Invariants
//!
//! 1. Each index is in at most one place: in the ring, in the hot slot, or
//!    held. A take moves the slot's index to its caller (one CAS); an offer
//!    moves the caller's index into an empty slot (one CAS).
//! 2. The generation changes with every offer and with nothing else, so two
//!    equal reads of an empty slot mean no index was in it in between
//!    (unless exactly a multiple of `2^g` offers happened in between, `g` the
//!    generation's bits; see below).
//! 3. All zero bytes are the empty slot of generation 0, so a `static` pool
//!    stays in `.bss`.
//!
//! # Memory orderings
//!
//! * An offer's CAS is `Release`: it publishes what the returning owner
//!   wrote to the buffer. A take's CAS is `Acquire` and reads that offer's
//!   value (a CAS succeeds only on the newest value), so the new owner sees
//!   those writes. A take publishes nothing: an empty slot carries no
//!   buffer.
//! * The empty check reads the slot twice: the take's read (or the value
//!   its last failed CAS returned), then a CAS of the word onto itself, a read-modify-write and so the newest
//!   value (as the ring's own confirmation of empty is). The value the
//!   first read shows was written before that read; if the CAS finds the
//!   same empty word, the slot held that word from that write until the CAS
//!   (generations only advance), an interval that contains the ring's empty
//!   instant if the three steps take effect in program order. That is why
//!   the first read is `Acquire` although the CAS after it would do for the
//!   buffer's contents: it keeps the ring's confirmation after it, and the
//!   confirmation (`Acquire`) keeps the CAS after that. A stale first read
//!   only makes the words differ, and the get looks again. (On x86 and
//!   AArch64 the CAS's store also depends on the first read through a
//!   branch, which orders them even without `Acquire`; on x86 an
//!   `Acquire` load costs nothing.) Like the ring's own empty check, "one
//!   instant" is a statement about the hardware's single order of these
//!   atomic operations; the C11 model without `SeqCst` has no such instant.
//! * An offer's failed CAS is `Relaxed`: its value is only the next guess.
//!   A take's is `Acquire`, since its value may be the empty check's first
//!   read.
//!
//! # Bound
//!
//! A generation repeats every `2^g` offers (`g` = 32 on 64-bit targets;
//! `32 - b` on 32-bit ones: 21 for a pool of 1024 buffers, never less than
//! 11). A get stalled between its two reads for exactly a multiple of that
//! many offers, while the ring is empty, may report empty although a buffer
//! was in the hot slot at the ring's empty instant: a spurious
//! [`PoolEmpty`](crate::PoolEmpty), nothing worse. Ownership never depends
//! on the generation.

use crate::ring::{HeadHint, Overflow, Ring, Slot};
use crate::sync::{AtomicWord, Ordering, Word, retry_hint};

/// How a slot word splits, for a pool of a given capacity: the index field
/// (holding `index + 1`, 0 when empty) in the low bits, the generation above.
///
/// On 64-bit targets the index field is 32 bits whatever the capacity, so a
/// generation fits in the 32 bits a guard keeps of it. On 32-bit targets the
/// field is as narrow as the capacity allows (its bit length), which leaves
/// the generation the rest: 21 bits for a pool of 1024, never fewer than 11.
#[derive(Clone, Copy)]
pub(crate) struct Fields {
    index_bits: u32,
}

impl Fields {
    /// The fields of a pool of `capacity` buffers.
    #[cfg(target_pointer_width = "64")]
    pub(crate) fn of(_capacity: usize) -> Self {
        const { assert!(crate::ring::MAX_CAPACITY < 1 << 32) };
        Self { index_bits: 32 }
    }

    /// The fields of a pool of `capacity` buffers.
    #[cfg(not(target_pointer_width = "64"))]
    pub(crate) fn of(capacity: usize) -> Self {
        Self {
            index_bits: usize::BITS - capacity.leading_zeros(),
        }
    }

    fn index_mask(self) -> Word {
        (1 << self.index_bits) - 1
    }

    /// The generation a word carries.
    fn generation(self, word: Word) -> Generation {
        // At most 32 bits remain; `Word` is `u32` on 32-bit targets.
        #[allow(clippy::cast_possible_truncation, clippy::unnecessary_cast)]
        Generation((word >> self.index_bits) as u32)
    }

    /// The word of the empty slot in `generation`.
    fn empty_word(self, generation: Generation) -> Word {
        Word::from(generation.0) << self.index_bits
    }

    /// The index a word holds, if any.
    fn index(self, word: Word) -> Option<usize> {
        match word & self.index_mask() {
            0 => None,
            // The field holds `index + 1` of an index below the capacity.
            stored => Some((stored - 1) as usize),
        }
    }

    /// The word an offer of `index` writes into the empty slot of
    /// `generation`: the next generation (wrapping with its field).
    fn filled(self, generation: Generation, index: usize) -> Word {
        let next = self
            .empty_word(generation)
            .wrapping_add(1 << self.index_bits);
        self.empty_word(self.generation(next)) | (index as Word + 1)
    }
}

/// The hot slot (see the module docs).
///
/// (`pub` only so the sealed `Storage` trait can name it; the module is
/// private, so no user can.)
pub struct HotSlot(AtomicWord);

/// The generation of an empty hot slot, as a take saw it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Generation(u32);

impl Generation {
    /// The generation kept in a guard (see [`Source`]).
    pub(crate) fn to_bits(self) -> u32 {
        self.0
    }

    /// Inverse of [`to_bits`](Self::to_bits).
    pub(crate) fn from_bits(bits: u32) -> Self {
        Self(bits)
    }
}

/// Where a held index came from, which tells its return how to go fast.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Source {
    /// Popped from the ring, which had moved `head` to the hint.
    Ring(HeadHint),
    /// Taken from the hot slot, which its take left empty in this
    /// generation.
    Hot(Generation),
}

impl HotSlot {
    /// The empty slot of generation 0 (all zero bytes).
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Self {
        Self(AtomicWord::new(0))
    }

    /// The empty slot of generation 0 (loom's atomics are not `const`).
    #[cfg(loom)]
    pub(crate) fn new() -> Self {
        Self(AtomicWord::new(0))
    }

    /// Takes the index in the slot, or tells the generation of the empty
    /// slot it found. An empty slot costs a read; a full one a CAS.
    #[inline]
    pub(crate) fn take(&self, fields: Fields) -> Result<(usize, Generation), Generation> {
        let mut current = self.0.load(Ordering::Acquire);
        loop {
            let generation = fields.generation(current);
            let Some(index) = fields.index(current) else {
                return Err(generation);
            };
            match self.0.compare_exchange(
                current,
                fields.empty_word(generation),
                Ordering::Acquire,
                // The value may become the empty check's first read.
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok((index, generation)),
                Err(now) => current = now,
            }
            retry_hint();
        }
    }

    /// Puts `index` into the slot if it is empty; `false` (and nothing
    /// changed) if it holds an index. `guess`: the generation the caller's
    /// own take left the slot in, tried without a read first.
    #[inline]
    pub(crate) fn offer(&self, fields: Fields, index: usize, guess: Option<Generation>) -> bool {
        let mut current = match guess {
            Some(generation) => fields.empty_word(generation),
            None => self.0.load(Ordering::Relaxed),
        };
        loop {
            if fields.index(current).is_some() {
                return false;
            }
            let filled = fields.filled(fields.generation(current), index);
            match self
                .0
                .compare_exchange(current, filled, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(now) => current = now,
            }
            retry_hint();
        }
    }

    /// Whether the slot is empty and has taken no offer since a take saw it
    /// empty in `seen` (module docs, invariant 2). A CAS of the word onto
    /// itself, because a read-modify-write reads the newest value, which a
    /// load need not (the ring confirms "empty" the same way); it runs only
    /// when a get is about to report empty.
    fn empty_since(&self, fields: Fields, seen: Generation) -> bool {
        let word = fields.empty_word(seen);
        self.0
            .compare_exchange(word, word, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// Whether the slot holds an index (a snapshot).
    pub(crate) fn is_full(&self, fields: Fields) -> bool {
        fields.index(self.0.load(Ordering::Relaxed)).is_some()
    }
}

/// Takes a free index: the hot slot's, else one from the ring. `None` only
/// when, at one instant during the call, both were empty (up to the bound
/// in the module docs). Lock-free.
#[inline]
pub(crate) fn take_index(hot: &HotSlot, ring: &Ring<[Slot]>) -> Option<(usize, Source)> {
    take_index_between(hot, ring, || {})
}

/// [`take_index`], calling `between` after each look at the hot slot and
/// before the ring pop: the seam where tests put other threads' moves.
#[inline(always)]
fn take_index_between(
    hot: &HotSlot,
    ring: &Ring<[Slot]>,
    mut between: impl FnMut(),
) -> Option<(usize, Source)> {
    let fields = Fields::of(ring.capacity());
    loop {
        let seen = match hot.take(fields) {
            Ok((index, generation)) => return Some((index, Source::Hot(generation))),
            Err(generation) => generation,
        };
        between();
        if let Some((index, hint)) = ring.pop_hinted() {
            return Some((index, Source::Ring(hint)));
        }
        if hot.empty_since(fields, seen) {
            return None;
        }
        retry_hint(); // an offer came in after the take: look again
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
    let fields = Fields::of(ring.capacity());
    match source {
        Source::Hot(generation) => {
            if hot.offer(fields, index, Some(generation)) {
                return Ok(());
            }
            // Taken from the slot: no `head` value is known, so the ring
            // reads it.
            ring.push(index)
        }
        Source::Ring(hint) => {
            if hot.offer(fields, index, None) {
                return Ok(());
            }
            ring.push_hinted(index, hint)
        }
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
    let full = hot.is_full(Fields::of(ring.capacity()));
    (in_ring + usize::from(full)).min(ring.capacity())
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
