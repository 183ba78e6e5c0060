//! The hot slots: two words in front of the ring that keep the free index
//! returned last, so that the next get takes it back.
//!
//! # Why
//!
//! The ring is first-in first-out: a get takes the index that has been free
//! the longest, so a pool cycles through every buffer, and a get-use-return
//! loop touches three shared cache lines (`head`, a slot, `tail`). The hot
//! slots make the common case last-in first-out and one line:
//!
//! * the buffer a get receives is most often the one returned just before,
//!   still in the cache (filling a 4 KiB buffer, `cargo bench` on the
//!   2-core development VM: 114 ns per pair through the ring alone, 51-53
//!   ns with one hot slot);
//! * threads taking and returning buffers meet on one word instead of three
//!   lines (2 threads: 150-188 ns per pair through the ring alone, 35 ns
//!   with one hot slot).
//!
//! There are two slots because one alone must choose between two costs.
//!
//! * The **owned slot** lets a get-return pair cost a single locked
//!   instruction. A get *claims* it: the get takes the index it holds, and
//!   with it the right to refill it, which its guard carries. The guard's
//!   return then refills the slot with one plain store, because nobody else
//!   may write an index there meanwhile.
//! * The **shared slot** keeps the pool fast while the owned slot's owner
//!   holds its buffer for long, which is the normal state of an I/O pool
//!   (a buffer in flight, a thread preempted between get and return). Any
//!   get may take its index (one swap), any return may fill it when empty
//!   (one CAS), as with a single hot slot.
//!
//! With the owned slot alone (built and measured, plain loops on the
//! development VM, old and new code in turns) a one-thread pair took
//! 8.8-11.1 ns against 15.4-15.6 ns with the shared slot alone, but 4
//! threads on the 2 cores took 52-56 ns a pair against 32-33, and 8 threads
//! 85-93 against 36-37, because the slot served nobody while its owner was
//! descheduled. The two together, in three runs alternating with the
//! shared slot alone: 12.2-14.9 ns a pair on one thread (alone: 15.7-20.3),
//! 32-36 ns on 2 threads (32-36), 34-37 on 4 (30-38), 35-44 on 8 (32-42),
//! and on one thread with a buffer held for good, which leaves the owned
//! slot owned, 15.9-18.8 ns (15.5-19.2; the test
//! `a_held_buffer_does_not_stall_the_slot` pins that the shared slot then
//! serves). The slots sit on separate cache lines: on one line, every
//! refill of the owned slot took the shared slot's line from the other
//! cores too (40-64 ns a pair on 2 to 8 threads).
//!
//! # Algorithm
//!
//! The shared slot's word holds `index + 1`, or 0 when empty. The owned
//! slot's word holds a *version* above a *state*: `FREE` (0: empty, nobody
//! owns it), `OWNED` (all state bits set: empty, and its owner will refill
//! or release it) or `index + 1` (full, nobody owns it).
//!
//! * **Claim** ([`HotSlot::claim`]): `fetch_or(OWNED)`, which sets the state
//!   to `OWNED` and keeps the version. If the state was an index, the
//!   claimant gets the index and the ownership; if `FREE`, the ownership
//!   alone; if `OWNED`, nothing, and nothing changed. A get's first claim
//!   ([`HotSlot::claim_unless_owned`]) reads the word, does nothing if it
//!   shows `OWNED`, and else writes the same change by CAS from the word
//!   it read, so that the index comes from that read (see *Why the first
//!   claim reads*).
//! * **Refill** and **release** (the owner only): one plain store of the
//!   next version and `index + 1`, or `FREE`. Every end of an ownership
//!   thus moves the version on.
//! * **Take** (shared slot): swap 0 in and get the index the word held, if
//!   any. **Offer**: CAS `index + 1` in, expecting 0; if the slot is full,
//!   the caller pushes the index to the ring. Neither reads first: on the
//!   development VM a read right after a locked instruction on the same
//!   word waits for it (a read and a CAS for the take: 21 ns a pair in a
//!   loop; a swap: 14-16 ns).
//! * **Get** ([`take_index`]): claim the owned slot unless a plain load
//!   shows it owned (which costs nothing after a refill by this core, and
//!   spares other cores a write to its line); then take from the shared
//!   slot; then pop the ring. A get that owns the owned slot but found it
//!   empty keeps the ownership, and the index it takes elsewhere goes to
//!   the owned slot on its return.
//! * **Return** ([`give_index`]): the owner refills; any other return
//!   offers, else pushes to the ring.
//!
//! A get that found both slots and the ring empty checks that the pool was
//! empty at one instant ([`look_again`]): it claims the owned slot, takes
//! from the shared slot a second time, claims the owned slot again, and
//! asks the ring whether it stayed empty since its pop saw it empty
//! ([`Ring::still_empty`]). If both claims found the owned slot owned at
//! the same version, no index entered it between them (only an end of the
//! ownership writes an index, and that moves the version); if the get owns
//! it, no index can enter it at all. So at the instant of the second take,
//! which found the shared slot empty and lies between the two claims and
//! inside the ring's empty interval, the pool was empty, and the get
//! reports it. Otherwise something came in (a return, or an
//! `into_raw`/`from_raw` flipping the tag of the ring's slot at `head`),
//! and the get looks again.
//!
//! No ABA problem can arise on the ownership: a claim and a take need no
//! expected value; the first claim's CAS succeeds only on the word the slot
//! holds now, and then does to it exactly what a `fetch_or` would, whatever
//! happened before; an offer only succeeds on an empty slot, where putting
//! the index is right whatever happened before; and a refill or release is
//! written by the only thread allowed to. (The empty check's comparison of
//! versions is the one place a wrap matters; see *Bound*.) Claim, take and
//! offer are wait-free where `fetch_or`, swap and CAS are single
//! instructions (x86-64; AArch64 with LSE; RISC-V's `amoor` and `amoswap`,
//! but not its CAS, an LR/SC loop without the Zacas extension); on
//! load-linked/store-conditional targets (thumbv7em, AArch64 without LSE)
//! they are retry loops, lock-free. The first claim is a CAS loop
//! everywhere (as `fetch_or` is on x86 when its result is used): it tries
//! again only after a CAS that found the word changed since its read,
//! i.e. after another claim or an owner's store completed, or spuriously
//! on LL/SC targets; lock-free. Otherwise only the empty check loops, each
//! time because another operation completed.
//!
//! # Why the first claim reads
//!
//! With `fetch_or`, the index is in the locked instruction's result, so the
//! buffer's address, the one-byte write a caller makes and the word of the
//! later refill all wait for that instruction to complete. Claimed by CAS
//! from the word a load just read, they are computed from the load while
//! the instruction runs. In `cargo bench` on the 2-core development VM
//! (three runs alternating with the `fetch_or` form, one binary each):
//! one thread 10.7-12.1 ns a pair against 13.2-14.1, filling 4 KiB
//! 40.6-45.9 ns against 44.5-57.3. The cost is under contention: 2
//! threads 45.2-53.2 ns a pair against 35.0-41.1, 4 threads 40.2-41.7
//! against 35.0-37.5. The early address lets a get whose CAS fails (the
//! other core claimed first) reach for the line of the buffer that the
//! winner is writing; with the index taken from the CAS's result instead
//! (address from the instruction, refill word from the load) 2 and 4
//! threads took 32.0-41.8 ns and 31.7-39.3, as before, and one thread
//! 13.4-15.0, so the gain and the cost are the same early address. The
//! one-thread path is the common one (threads sharing one pool that hard
//! are better served by a [`LocalCache`](crate::LocalCache) each), so the
//! first claim reads.
//!
//! # Invariants
//!
//! 1. Each index is in at most one place: in the ring, in a slot, or held.
//!    A claim or a take moves a slot's index to its caller; a refill or an
//!    offer moves the caller's index into an empty slot.
//! 2. The owned slot has exactly one owner while its state is `OWNED`, and
//!    none otherwise: only a claim that found another state sets `OWNED`,
//!    and its caller is the owner until its refill or release.
//! 3. While the owned slot is owned, only its owner changes its word: other
//!    claims write back the word they find. Its version changes exactly
//!    when an ownership ends (a refill, or a release: by a get that found
//!    nothing, a bare take, or a guard taken apart).
//! 4. Both slots start as all zero bytes (shared empty, owned `FREE` at
//!    version 0), so a `static` pool stays in `.bss`.
//!
//! # Memory orderings
//!
//! * A refill's store and an offer's CAS are `Release`: they publish what
//!   the returning holder wrote to the buffer. A claim's `fetch_or` and a
//!   take's swap are `Acquire` and read that value (a read-modify-write
//!   reads the newest value), so the new holder sees those writes. A
//!   release publishes nothing (an empty slot carries no buffer):
//!   `Relaxed`. So is an offer's failed CAS, which moves nothing. The
//!   first claim's CAS is `Acquire` when it succeeds: it then read (as a
//!   read-modify-write, the newest value) the word its index comes from,
//!   so it synchronises with the refill that wrote it. Its load and a
//!   failed CAS are `Relaxed`: they only decide whether to try the CAS.
//! * The empty check is five read-modify-writes (three when the get owns
//!   the owned slot already), each reading its word's newest value: the
//!   pop's confirmation of the ring's slot at `head`, the claim, the second
//!   take, the second claim and the ring's re-confirmation of its slot, all
//!   `Acquire`, which keeps each after the one before in program order. As for the ring's own check, "the
//!   instant" is a statement about the hardware's single order of these
//!   operations, which multi-copy-atomic machines (x86, ARMv8, RISC-V)
//!   have; the C11 model without `SeqCst` has no such instant, so loom
//!   cannot check this part. The staged unit tests pin the steps and their
//!   order.
//!
//! # Bound
//!
//! The empty check inherits the ring's bound (see the `ring` module): a get
//! stalled between its pop and the re-confirmation while the ring's slot
//! goes round its whole cycle field (about `2^(W-1)` pushes, `W` the word's
//! bits) may report a spurious [`PoolEmpty`](crate::PoolEmpty). The owned
//! slot's version adds one of the same kind: a get stalled between its two
//! claims while the version moves on by a multiple of `2^31` (64-bit
//! targets) or `2^11` (32-bit targets, where the version has 11 bits above
//! a 21-bit state) may also report a spurious `PoolEmpty`, nothing worse.
//! The version moves on at every end of an ownership, including each get
//! that claims the free slot and then finds the pool empty, so gets polling
//! an empty pool move it fast: on a 32-bit target 2048 of them can pass
//! within a millisecond. Ownership never depends on either bound.

use crate::cache_padded::CachePadded;
use crate::ring::{EmptyAt, HeadHint, Overflow, Ring, Slot};
use crate::sync::{AtomicWord, Ordering, Word, retry_hint};

/// The hot slots (see the module docs), each on its own cache line.
///
/// (`pub` only so the sealed `Storage` trait can name it; the module is
/// private, so no user can.)
pub struct HotSlot {
    /// The owned slot: a version above a state ([`FREE`], [`OWNED`] or
    /// `index + 1`). Only the holder of the index taken from it refills it.
    owned: CachePadded<AtomicWord>,
    /// The shared slot: `index + 1`, or [`EMPTY`]. Any return may fill it.
    shared: AtomicWord,
}

/// The word of the empty shared slot.
const EMPTY: Word = 0;

/// Bits of the owned slot's word that hold its state; the version is
/// above them.
#[cfg(target_pointer_width = "64")]
const STATE_BITS: u32 = 32;
/// Bits of the owned slot's word that hold its state (`index + 1` is at
/// most `MAX_CAPACITY`, 2^20, on these targets); the version is above them.
#[cfg(not(target_pointer_width = "64"))]
const STATE_BITS: u32 = 21;

/// The state mask, and the state of the owned slot while somebody holds
/// the index taken from it: empty, and only that holder may refill it.
const OWNED: Word = (1 << STATE_BITS) - 1;

/// The state of the owned slot that nobody owns: empty, and the next get
/// that claims it owns it.
const FREE: Word = 0;

/// How many versions the owned slot counts before it wraps: 2^31 on 64-bit
/// targets (a ticket keeps 31 bits), 2^11 on 32-bit ones.
const VERSIONS: u32 = {
    let bits = Word::BITS - STATE_BITS;
    if bits >= 31 { 1 << 31 } else { 1 << bits }
};

/// The owned slot's version: it counts the times an owner gave the slot up
/// (by refilling or releasing it), modulo [`VERSIONS`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Version(pub(crate) u32);

impl Version {
    /// The version after this one.
    fn next(self) -> Self {
        Self((self.0 + 1) % VERSIONS)
    }

    /// The owned slot's word of this version and `state`.
    fn word(self, state: Word) -> Word {
        Word::from(self.0) << STATE_BITS | state
    }
}

/// Where a held index came from, which tells its return where to go.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Source {
    /// Popped from the ring, which had moved `head` to the hint.
    Ring(HeadHint),
    /// Taken from the shared slot.
    Hot,
    /// Its holder owns the owned slot, of this version: the return refills
    /// it with one plain store.
    Owner(Version),
}

/// What a claim of the owned slot found (it leaves [`OWNED`] behind).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Claim {
    /// An index, now the claimant's; so is the slot.
    Index(usize, Version),
    /// The free slot, now owned by the claimant, who must refill or
    /// release it.
    Free(Version),
    /// Somebody else owns the slot, at this version; nothing changed.
    Owned(Version),
}

impl Claim {
    /// What a claim that found the owned slot's word `word` found.
    #[inline(always)]
    fn of(word: Word) -> Self {
        // Below `VERSIONS`; the cast is a no-op where `Word` is `u32`.
        #[allow(clippy::cast_possible_truncation, clippy::unnecessary_cast)]
        let version = Version((word >> STATE_BITS) as u32);
        match word & OWNED {
            OWNED => Self::Owned(version),
            FREE => Self::Free(version),
            // The state is `index + 1` of an index below the capacity.
            stored => Self::Index((stored - 1) as usize, version),
        }
    }
}

impl HotSlot {
    /// Both slots free and empty (all zero bytes).
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Self {
        Self {
            owned: CachePadded::new(AtomicWord::new(FREE)),
            shared: AtomicWord::new(EMPTY),
        }
    }

    /// Both slots free and empty (loom's atomics are not `const`).
    #[cfg(loom)]
    pub(crate) fn new() -> Self {
        Self {
            owned: CachePadded::new(AtomicWord::new(FREE)),
            shared: AtomicWord::new(EMPTY),
        }
    }

    /// Sets the owned slot's state to [`OWNED`] and says what it was. One
    /// `fetch_or`, which keeps the version: a read-modify-write even where
    /// it finds the slot owned, as the empty check needs.
    #[inline]
    fn claim(&self) -> Claim {
        Claim::of(self.owned.fetch_or(OWNED, Ordering::Acquire))
    }

    /// The get's first claim: as [`claim`](Self::claim), unless a plain
    /// load finds the slot owned, and then `None` and no write (which costs
    /// nothing after a refill by this core, and spares other cores a write
    /// to the slot's line). So it never returns [`Claim::Owned`].
    ///
    /// It claims by CAS from the word that load read, so that what it
    /// returns comes from the load, not from the locked instruction: the
    /// index, the buffer's address and the word of the later refill are
    /// then computed while that instruction runs, instead of after it. The
    /// instruction is the same (`fetch_or`, whose result is used, is a
    /// `lock cmpxchg` loop on x86 too). A failed CAS read a newer word and
    /// goes on with it. The module docs (*Why the first claim reads*) give
    /// what this gains on one thread and costs under contention.
    #[inline]
    fn claim_unless_owned(&self) -> Option<Claim> {
        let mut word = self.owned.load(Ordering::Relaxed);
        while word & OWNED != OWNED {
            match self.owned.compare_exchange_weak(
                word,
                word | OWNED,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(Claim::of(word)),
                Err(now) => word = now,
            }
        }
        None
    }

    /// Whether somebody owns the owned slot (a snapshot).
    #[cfg(test)]
    fn looks_owned(&self) -> bool {
        self.owned.load(Ordering::Relaxed) & OWNED == OWNED
    }

    /// Puts `index` into the owned slot and gives the slot up. Only its
    /// owner, who claimed it at `version`, may call this: meanwhile nobody
    /// else changes the word (a claim of an owned slot writes what is
    /// there), so a plain store loses nothing.
    #[inline]
    pub(crate) fn refill(&self, index: usize, version: Version) {
        self.end_ownership(version, index as Word + 1, Ordering::Release);
    }

    /// Leaves the owned slot empty and free, giving it up. Only its owner
    /// may call this (see [`refill`](Self::refill)).
    #[inline]
    pub(crate) fn release(&self, version: Version) {
        // Nothing is published: an empty slot carries no buffer.
        self.end_ownership(version, FREE, Ordering::Relaxed);
    }

    /// Writes `state` at the version after `version`: the owner's store.
    #[cfg(not(loom))]
    #[inline(always)]
    fn end_ownership(&self, version: Version, state: Word, ordering: Ordering) {
        debug_assert_eq!(
            self.owned.load(Ordering::Relaxed),
            version.word(OWNED),
            "the owned slot changed under its owner"
        );
        self.owned.store(version.next().word(state), ordering);
    }

    /// Under loom the owner's store is a swap, which also checks that
    /// nothing changed under the owner. The code that ships stores: loom
    /// 0.7 lets a plain store fall between the read and the write of a
    /// concurrent read-modify-write (tokio-rs/loom#254), so with a store
    /// it reports lost refills that the C11 model forbids. A swap writes
    /// the same values, but as a read-modify-write it also continues the
    /// release sequence of the claim it follows, which the store ends: the
    /// models may see a claim synchronise with an earlier refill through a
    /// release that in the real code carries nothing. Nothing depends on
    /// that edge: a claim that finds `FREE` receives no buffer, and every
    /// buffer handed through the slot goes from a `Release` refill to the
    /// `Acquire` claim that reads it, which the models check.
    #[cfg(loom)]
    fn end_ownership(&self, version: Version, state: Word, ordering: Ordering) {
        let was = self.owned.swap(version.next().word(state), ordering);
        assert_eq!(
            was,
            version.word(OWNED),
            "the owned slot changed under its owner"
        );
    }

    /// Takes the index in the shared slot, leaving it empty; `None` if it
    /// was empty. One swap.
    #[inline]
    fn take_shared(&self) -> Option<usize> {
        match self.shared.swap(EMPTY, Ordering::Acquire) {
            EMPTY => None,
            // The word holds `index + 1` of an index below the capacity.
            stored => Some((stored - 1) as usize),
        }
    }

    /// Puts `index` into the shared slot if it is empty; `false` (and
    /// nothing changed) if it holds an index. One CAS.
    #[inline]
    pub(crate) fn offer(&self, index: usize) -> bool {
        self.shared
            .compare_exchange(
                EMPTY,
                index as Word + 1,
                Ordering::Release,
                Ordering::Relaxed,
            )
            .is_ok()
    }

    /// How many indices the two slots hold (a snapshot of each).
    pub(crate) fn len(&self) -> usize {
        let owned = !matches!(self.owned.load(Ordering::Relaxed) & OWNED, FREE | OWNED);
        let shared = self.shared.load(Ordering::Relaxed) != EMPTY;
        usize::from(owned) + usize::from(shared)
    }
}

/// The step of [`take_index`] about to run, where tests put other threads'
/// moves.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Next {
    /// The owned slot gave nothing; the shared slot's take is next.
    Take,
    /// Both slots gave nothing; the ring pop is next.
    Pop,
    /// The ring was empty too; the claim of the owned slot is next.
    Claim,
    /// The second take of the shared slot is next.
    SecondTake,
    /// The owned slot's re-claim, which checks its version, is next.
    Reclaim,
    /// The ring's check is next.
    Check,
}

/// Takes a free index: the owned slot's, else the shared slot's, else one
/// from the ring. With [`Source::Owner`] the caller owns the owned slot and
/// must end that with [`give_index`] or [`HotSlot::release`]. `None` only
/// when, at one instant during the call, the ring was empty and neither
/// slot held an index (up to the bound in the module docs). Lock-free.
#[inline]
pub(crate) fn take_index(hot: &HotSlot, ring: &Ring<[Slot]>) -> Option<(usize, Source)> {
    take_index_between(hot, ring, |_| {})
}

/// [`take_index`] for a caller that keeps no [`Source`]: it gives up the
/// owned slot at once (the index stays the caller's).
pub(crate) fn take_bare_index(hot: &HotSlot, ring: &Ring<[Slot]>) -> Option<usize> {
    let (index, source) = take_index(hot, ring)?;
    if let Source::Owner(version) = source {
        hot.release(version);
    }
    Some(index)
}

/// [`take_index`], calling `between` before each [`Next`]: the seam where
/// tests put other threads' moves.
#[inline(always)]
fn take_index_between(
    hot: &HotSlot,
    ring: &Ring<[Slot]>,
    mut between: impl FnMut(Next),
) -> Option<(usize, Source)> {
    // `Some(version)` once this get owns the (empty) owned slot: whatever
    // index it takes then refills that slot on its return.
    let mut owner = None;
    match hot.claim_unless_owned() {
        Some(Claim::Index(index, version)) => return Some((index, Source::Owner(version))),
        Some(Claim::Free(version)) => owner = Some(version),
        Some(Claim::Owned(_)) | None => {}
    }
    between(Next::Take);
    if let Some(index) = hot.take_shared() {
        return Some((index, as_owner(owner, Source::Hot)));
    }
    between(Next::Pop);
    match ring.pop_or_empty() {
        Ok((index, hint)) => Some((index, as_owner(owner, Source::Ring(hint)))),
        Err(seen) => look_again(hot, ring, owner, seen, between),
    }
}

/// The source of an index taken by a get that owns the owned slot at
/// `owner` (if it does), else `other`.
#[inline(always)]
fn as_owner(owner: Option<Version>, other: Source) -> Source {
    owner.map_or(other, Source::Owner)
}

/// The rest of a get that found both slots and the ring empty (the ring at
/// `seen`): the empty check, and looking again if it fails.
///
/// The owned slot held no index from the claim to the re-claim (owned by
/// this get meanwhile, or by another at one version), the ring none from
/// its pop to its check, and the shared slot none at the second take,
/// which lies inside both intervals.
#[cold]
#[inline(never)]
fn look_again(
    hot: &HotSlot,
    ring: &Ring<[Slot]>,
    mut owner: Option<Version>,
    mut seen: EmptyAt,
    mut between: impl FnMut(Next),
) -> Option<(usize, Source)> {
    loop {
        between(Next::Claim);
        let claimed = match owner {
            Some(_) => None,
            None => match hot.claim() {
                Claim::Index(index, version) => return Some((index, Source::Owner(version))),
                Claim::Free(version) => {
                    owner = Some(version);
                    None
                }
                Claim::Owned(version) => Some(version),
            },
        };
        between(Next::SecondTake);
        if let Some(index) = hot.take_shared() {
            return Some((index, as_owner(owner, Source::Hot)));
        }
        between(Next::Reclaim);
        let owned_steady = match claimed {
            None => true,
            Some(version) => match hot.claim() {
                Claim::Index(index, now) => return Some((index, Source::Owner(now))),
                Claim::Free(now) => {
                    owner = Some(now);
                    false
                }
                Claim::Owned(now) => now == version,
            },
        };
        between(Next::Check);
        if ring.still_empty(seen) && owned_steady {
            if let Some(version) = owner {
                hot.release(version);
            }
            return None;
        }
        retry_hint(); // an index may have come in meanwhile: look again
        between(Next::Take);
        if let Some(index) = hot.take_shared() {
            return Some((index, as_owner(owner, Source::Hot)));
        }
        between(Next::Pop);
        seen = match ring.pop_or_empty() {
            Ok((index, hint)) => return Some((index, as_owner(owner, Source::Ring(hint)))),
            Err(seen) => seen,
        };
    }
}

/// Returns a held index: the owned slot's owner refills it; any other
/// return offers the index to the shared slot, else pushes it to the ring.
/// Fails only when the ring is full and the shared slot too, which takes
/// returns of indices nobody held (the pool's `from_raw` catches a
/// re-entry made twice before it gets here).
#[inline]
pub(crate) fn give_index(
    hot: &HotSlot,
    ring: &Ring<[Slot]>,
    index: usize,
    source: Source,
) -> Result<(), Overflow> {
    match source {
        Source::Owner(version) => {
            hot.refill(index, version);
            Ok(())
        }
        _ if hot.offer(index) => Ok(()),
        Source::Ring(hint) => ring.push_hinted(index, hint),
        // Taken from the shared slot: no `head` value is known, so the
        // ring reads it.
        Source::Hot => ring.push(index),
    }
}

/// How many indices are free: the ring's plus the hot slots' (a snapshot,
/// exact when no operation is under way). The three are read one after the
/// other, so an index moving from the ring to a slot, or between the
/// slots, meanwhile can be counted twice: the sum is capped at the
/// capacity.
pub(crate) fn available(hot: &HotSlot, ring: &Ring<[Slot]>) -> usize {
    available_between(hot, ring, || {})
}

/// [`available`], calling `between` between the two reads (a test seam).
#[inline(always)]
fn available_between(hot: &HotSlot, ring: &Ring<[Slot]>, between: impl FnOnce()) -> usize {
    let in_ring = ring.len();
    between();
    (in_ring + hot.len()).min(ring.capacity())
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
