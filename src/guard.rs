//! Handles: the guard that owns a checked-out buffer, and the operations
//! that create guards, shared by every kind of pool.
//!
//! A [`Handle`] (usually seen as [`Guard`], a handle that borrows its pool)
//! is the only safe owner of a checked-out buffer. It derefs to the buffer,
//! knows the buffer's [`BufIndex`], and returns the buffer when it is
//! dropped, also while a panic unwinds. [`Handle::into_raw`] gives up
//! the guard for a bare index that can cross C, a DMA descriptor or an
//! io_uring `user_data`; the pool re-enters it with `from_raw_checked` (which
//! verifies it) or the `unsafe` `from_raw`.
//!
//! Raw hand-off is tracked with one bit per buffer that lives in the ring's
//! slot word at the buffer's position (see the `ring` module, invariant 5),
//! so it costs no memory and the fast path of a guard never touches it.

use crate::backoff::{Adapt, wait_for};
use crate::hot::{self, Source, Version};
use crate::ring::{HeadHint, Ring, Slot};
use crate::{BufIndex, PoolEmpty, RawIndexError};
use core::fmt;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

pub(crate) mod sealed {
    use crate::hot::HotSlot;
    use crate::ring::{Ring, Slot};

    /// What a guard needs from the pool it came from.
    ///
    /// # Safety
    ///
    /// `item(i)` must return a pointer to item `i`, valid for reads and
    /// writes for as long as the pool lives, for every `i` below
    /// `ring().capacity()`; distinct `i` give disjoint items; the item of an
    /// index that the ring hands out must be initialised.
    pub unsafe trait Storage {
        /// The type of one buffer.
        type Item;
        /// The ring of free indices.
        fn ring(&self) -> &Ring<[Slot]>;
        /// The hot slots, which keep the free index returned last, in front
        /// of the ring.
        fn hot(&self) -> &HotSlot;
        /// Item `index`; `index` is below the ring's capacity.
        fn item(&self, index: usize) -> core::ptr::NonNull<Self::Item>;
    }
}

use sealed::Storage;

/// An exclusively owned buffer, checked out of a pool that `R` refers to:
/// `&'a P` for a [`Guard`] (the usual case), an `Arc` for the owned guards
/// of the runtime-sized pools.
///
/// Derefs to the buffer (`[u8; SIZE]` for the byte tiers) and returns it
/// to the pool when dropped. A [`Guard`] holds the pool reference, the
/// buffer's index and 32 bits on where it came from (the ring, with a hint
/// that spares the return a read of a busy cache line, or a hot slot, with
/// the owned slot's version if the guard owns it): 16 bytes on 64-bit
/// targets, like a slice.
///
/// ```
/// # #[cfg(target_pointer_width = "64")]
/// assert_eq!(size_of::<iobuf::Guard<'static, iobuf::MicroPool<8>>>(), 16);
/// ```
///
/// ```
/// static POOL: iobuf::MicroPool<8> = iobuf::MicroPool::new();
///
/// let mut buf: iobuf::Guard<'static, iobuf::MicroPool<8>> = POOL.try_get()?;
/// buf[0] = 0xAB;
/// assert_eq!(buf[0], 0xAB);
/// assert_eq!(POOL.available(), 7);
/// drop(buf);
/// assert_eq!(POOL.available(), 8);
/// # Ok::<(), iobuf::PoolEmpty>(())
/// ```
#[must_use = "dropping a guard returns its buffer at once"]
pub struct Handle<R: Deref<Target: Storage>> {
    pool: R,
    ticket: Ticket,
    /// Opts out of the automatic `Send`/`Sync`; see the impls below.
    _item: PhantomData<*mut <R::Target as Storage>::Item>,
}

/// What a handle knows of its buffer: the index, and where it came from
/// ([`Source`]): the value its pop moved the ring's `head` to (which lets
/// the return skip reading `head`, see `Ring::push_hinted`), the shared
/// hot slot, or the owned hot slot, which the handle then owns at a version.
///
/// On 64-bit targets everything shares one `u64`: the index in bits 0-30,
/// "from a hot slot" in bit 31, a ring hint or ([`OWNER`] set) the owned
/// slot's version in the high half. A guard
/// is then written and moved as two whole words. As separate fields, the
/// compiler wrote them one by one and then moved them as one word, which
/// stalls store-to-load forwarding: measured 2.2 -> 5.1 ns per pair in
/// `threads_2/iobuf_tls`.
#[cfg(target_pointer_width = "64")]
#[derive(Clone, Copy)]
struct Ticket(u64);

/// Bit of a ticket's index word set for an index from a hot slot (indices
/// are below `MAX_CAPACITY`, at most `2^31`, so bit 31 is free).
const FROM_HOT: u32 = 1 << 31;

/// Bit of a ticket's hint word set, with [`FROM_HOT`], for the owner of the
/// owned hot slot; the version is in the other bits (it is below 2^31).
const OWNER: u32 = 1 << 31;

/// The index word and the hint word of a [`Source`]: the ring's hint, 0 for
/// the shared hot slot, [`OWNER`] and the version for the owned one.
#[inline]
fn split(index: BufIndex, source: Source) -> (u32, u32) {
    match source {
        Source::Ring(hint) => (index.get(), hint.0),
        Source::Hot => (index.get() | FROM_HOT, 0),
        Source::Owner(version) => (index.get() | FROM_HOT, OWNER | version.0),
    }
}

/// The index a ticket's index word names.
#[inline]
fn index_of(word: u32) -> BufIndex {
    BufIndex::new(word & !FROM_HOT)
}

/// The [`Source`] a ticket's two words name (inverse of [`split`]).
#[inline]
fn source_of(word: u32, value: u32) -> Source {
    if word & FROM_HOT == 0 {
        Source::Ring(HeadHint(value))
    } else if value & OWNER == 0 {
        Source::Hot
    } else {
        Source::Owner(Version(value & !OWNER))
    }
}

#[cfg(target_pointer_width = "64")]
impl Ticket {
    #[inline]
    fn new(index: BufIndex, source: Source) -> Self {
        let (word, value) = split(index, source);
        Self(u64::from(word) | u64::from(value) << 32)
    }

    #[inline]
    fn index(self) -> BufIndex {
        #[allow(clippy::cast_possible_truncation)] // the low half
        index_of(self.0 as u32)
    }

    #[inline]
    fn source(self) -> Source {
        #[allow(clippy::cast_possible_truncation)] // each half
        source_of(self.0 as u32, (self.0 >> 32) as u32)
    }
}

/// See the 64-bit `Ticket`; two words of a 32-bit target need no packing.
#[cfg(not(target_pointer_width = "64"))]
#[derive(Clone, Copy)]
struct Ticket {
    word: u32,
    value: u32,
}

#[cfg(not(target_pointer_width = "64"))]
impl Ticket {
    #[inline]
    fn new(index: BufIndex, source: Source) -> Self {
        let (word, value) = split(index, source);
        Self { word, value }
    }

    #[inline]
    fn index(self) -> BufIndex {
        index_of(self.word)
    }

    #[inline]
    fn source(self) -> Source {
        source_of(self.word, self.value)
    }
}

/// A buffer checked out of the pool `P`, borrowing the pool: what
/// `try_get` and `get` return.
pub type Guard<'a, P> = Handle<&'a P>;

// SAFETY: a handle is an exclusive owner of one item, like a `&mut Item`
// (sendable when the item is) plus the pool reference `R`.
unsafe impl<R: Deref<Target: Storage> + Send> Send for Handle<R> where
    <R::Target as Storage>::Item: Send
{
}

// SAFETY: through `&Handle` only `&Item` is reachable, like `&&mut Item`.
unsafe impl<R: Deref<Target: Storage> + Sync> Sync for Handle<R> where
    <R::Target as Storage>::Item: Sync
{
}

impl<R: Deref<Target: Storage>> Handle<R> {
    /// # Safety
    ///
    /// The caller owns buffer `index` of the pool exclusively, and `index`
    /// is below the pool's capacity.
    pub(crate) unsafe fn new(pool: R, index: BufIndex) -> Self {
        let head_hint = pool.ring().head_hint();
        // SAFETY: forwarded from the caller; the hint was read just now.
        unsafe { Self::taken(pool, index, Source::Ring(head_hint)) }
    }

    /// # Safety
    ///
    /// As for [`new`](Self::new). A `Source::Ring` hint should be a value
    /// the ring's `head` has held, the later the better: a hint ahead of
    /// `head` could only hide an overflow, i.e. a broken `from_raw` promise.
    pub(crate) unsafe fn taken(pool: R, index: BufIndex, source: Source) -> Self {
        Self {
            pool,
            ticket: Ticket::new(index, source),
            _item: PhantomData,
        }
    }

    fn item(&self) -> NonNull<<R::Target as Storage>::Item> {
        self.pool.item(self.index().as_usize())
    }

    /// The buffer's stable index in its pool.
    ///
    /// ```
    /// static POOL: iobuf::PicoPool<4> = iobuf::PicoPool::new();
    ///
    /// let a = POOL.try_get().unwrap();
    /// let b = POOL.try_get().unwrap();
    /// assert_ne!(a.index(), b.index());
    /// assert!(a.index().as_usize() < POOL.capacity());
    /// ```
    pub fn index(&self) -> BufIndex {
        self.ticket.index()
    }

    /// The pool this buffer belongs to.
    ///
    /// ```
    /// static POOL: iobuf::PicoPool<4> = iobuf::PicoPool::new();
    ///
    /// let buf = POOL.try_get().unwrap();
    /// assert!(core::ptr::eq(*buf.pool(), &POOL));
    /// ```
    pub fn pool(&self) -> &R {
        &self.pool
    }

    /// A pointer to the buffer, valid while the pool lives (e.g. for a DMA
    /// descriptor). Writing through it is only sound while you own the
    /// buffer, as a guard or in raw form.
    ///
    /// ```
    /// static POOL: iobuf::SmallPool<2> = iobuf::SmallPool::new();
    ///
    /// let mut buf = POOL.try_get().unwrap();
    /// let address = buf.as_mut_ptr();
    /// assert_eq!(address.cast::<u8>(), buf.as_mut_slice().as_mut_ptr());
    /// ```
    pub fn as_mut_ptr(&mut self) -> *mut <R::Target as Storage>::Item {
        self.item().as_ptr()
    }

    /// Gives up the guard without returning the buffer, for a hand-off
    /// through code that cannot hold a Rust guard (C, a DMA descriptor, an
    /// io_uring `user_data`). The buffer stays checked out until the index
    /// is re-entered with `from_raw_checked` or `from_raw` on its pool; an
    /// index never re-entered is never returned.
    ///
    /// The index is a plain number, not a capability: any code holding the
    /// pool can call `from_raw_checked` with it (or guess it) and get the
    /// buffer, even while a device or the kernel is still writing into it.
    /// The check stops double returns and indices that are not out in raw
    /// form; keeping the id private until the hand-off completes is yours.
    ///
    /// ```
    /// static POOL: iobuf::SmallPool<4> = iobuf::SmallPool::new();
    ///
    /// let mut buf = POOL.try_get().unwrap();
    /// buf[0] = 42;
    /// let id: u64 = buf.into_raw().into(); // e.g. an io_uring user_data
    ///
    /// let id = iobuf::BufIndex::try_from(id).unwrap();
    /// let buf = POOL.from_raw_checked(id).unwrap();
    /// assert_eq!(buf[0], 42);
    /// assert!(POOL.from_raw_checked(id).is_err()); // already re-entered
    /// ```
    pub fn into_raw(self) -> BufIndex {
        let (pool, index) = self.into_parts();
        let was_raw = pool.ring().set_tag(index.as_usize());
        debug_assert!(!was_raw, "a guarded buffer was marked as raw");
        index
    }

    /// Takes the guard apart without returning the buffer: the caller now
    /// owns buffer `index` and must return it or hand it on.
    pub(crate) fn into_parts(self) -> (R, BufIndex) {
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so the pool
        // reference is moved out exactly once.
        let pool = unsafe { core::ptr::read(&this.pool) };
        if let Source::Owner(version) = this.ticket.source() {
            pool.hot().release(version);
        }
        (pool, this.ticket.index())
    }
}

impl<R, const SIZE: usize> Handle<R>
where
    R: Deref<Target: Storage<Item = [u8; SIZE]>>,
{
    /// The buffer as a byte slice.
    ///
    /// ```
    /// static POOL: iobuf::NanoPool<1> = iobuf::NanoPool::new();
    ///
    /// let mut buf = POOL.try_get().unwrap();
    /// buf.as_mut_slice()[..2].copy_from_slice(b"hi");
    /// assert_eq!(&buf.as_slice()[..2], b"hi");
    /// ```
    pub fn as_slice(&self) -> &[u8] {
        &self[..]
    }

    /// The buffer as a mutable byte slice.
    ///
    /// ```
    /// static POOL: iobuf::NanoPool<1> = iobuf::NanoPool::new();
    ///
    /// let mut buf = POOL.try_get().unwrap();
    /// buf.as_mut_slice().fill(7);
    /// assert!(buf.iter().all(|&b| b == 7));
    /// ```
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self[..]
    }
}

impl<R: Deref<Target: Storage>> Deref for Handle<R> {
    type Target = <R::Target as Storage>::Item;

    fn deref(&self) -> &Self::Target {
        // SAFETY: the handle owns buffer `index` exclusively (it came out of
        // the ring or out of a verified raw hand-off), the item is
        // initialised (`Storage` contract) and outlives the handle, which
        // keeps its pool alive.
        unsafe { self.item().as_ref() }
    }
}

impl<R: Deref<Target: Storage>> DerefMut for Handle<R> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        // SAFETY: as in `deref`; `&mut self` makes this the only access.
        unsafe { self.item().as_mut() }
    }
}

impl<R: Deref<Target: Storage>> Drop for Handle<R> {
    fn drop(&mut self) {
        return_index(&*self.pool, self.ticket.index(), self.ticket.source());
    }
}

impl<R: Deref<Target: Storage>> fmt::Debug for Handle<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard")
            .field("index", &self.index())
            .finish()
    }
}

/// Returns a held index: into a hot slot, else to the ring.
#[inline]
fn return_index<P: Storage + ?Sized>(pool: &P, index: BufIndex, source: Source) {
    if hot::give_index(pool.hot(), pool.ring(), index.as_usize(), source).is_err() {
        overflow(index);
    }
}

/// Only reachable by breaking the contract of the `unsafe` `from_raw`.
#[cold]
#[inline(never)]
fn overflow(index: BufIndex) -> ! {
    panic!(
        "iobuf: buffer {index} returned to a pool that already holds all its buffers \
         (an index was re-entered twice through the unsafe `from_raw`)"
    )
}

/// A pool reference a handle can keep: `&P`, or an `Arc<P>`.
pub(crate) trait PoolRef: Deref<Target: Storage> + Clone {}

impl<R: Deref<Target: Storage> + Clone> PoolRef for R {}

/// Takes a free buffer, never waiting.
#[inline(always)]
pub(crate) fn try_get<R: PoolRef>(pool: &R) -> Result<Handle<R>, PoolEmpty> {
    let (index, source) = hot::take_index(pool.hot(), pool.ring()).ok_or(PoolEmpty)?;
    let index = BufIndex::from_position(index);
    // SAFETY: a hot slot or the ring handed `index` out, so nobody else
    // owns it, and both hold only indices below the capacity; `source` is
    // what that take reported.
    Ok(unsafe { Handle::taken(pool.clone(), index, source) })
}

/// Takes a free buffer, spinning and then adapting until one is free.
pub(crate) fn get_with<R: PoolRef>(pool: &R, adapt: &mut impl Adapt) -> Handle<R> {
    wait_for(|| try_get(pool).ok(), adapt)
}

/// Takes up to `K` free buffers at once (fewer only if fewer are free).
pub(crate) fn try_get_bulk<R: PoolRef, const K: usize>(pool: &R) -> heapless::Vec<Handle<R>, K> {
    let mut indices = [0usize; K];
    let popped = pool.ring().pop_bulk(&mut indices);
    let hint = pool.ring().head_hint(); // read after the pops, once for all
    let mut handles: heapless::Vec<Handle<R>, K> = indices[..popped]
        .iter()
        // SAFETY: as in `try_get`: the ring handed each of these out.
        .map(|&index| unsafe {
            Handle::taken(
                pool.clone(),
                BufIndex::from_position(index),
                Source::Ring(hint),
            )
        })
        .collect();
    // The ring ran dry: the hot slots may still hold some, and a single get
    // reports empty only when the whole pool was.
    while !handles.is_full() {
        let Ok(handle) = try_get(pool) else { break };
        // Room was checked just above.
        let _ = handles.push(handle);
    }
    handles
}

/// How many indices `put_bulk` returns per ring operation.
const PUT_BATCH: usize = 32;

/// Returns many buffers at once. Handles of another pool are returned to
/// their own pool, one by one.
pub(crate) fn put_bulk<R: PoolRef>(pool: &R, handles: impl IntoIterator<Item = Handle<R>>) {
    /// Indices taken out of their handles but not yet pushed; returned on
    /// drop, so a panic in the caller's iterator (or in a foreign handle's
    /// drop) loses none of them.
    struct Pending<'r> {
        ring: &'r Ring<[Slot]>,
        batch: [usize; PUT_BATCH],
        len: usize,
    }
    impl Drop for Pending<'_> {
        fn drop(&mut self) {
            let len = core::mem::take(&mut self.len);
            return_batch(self.ring, &self.batch[..len]);
        }
    }
    let mut pending = Pending {
        ring: pool.ring(),
        batch: [0; PUT_BATCH],
        len: 0,
    };
    for handle in handles {
        if !core::ptr::eq::<R::Target>(&*handle.pool, &**pool) {
            drop(handle);
            continue;
        }
        // The index goes into `pending`, which returns it; the pool
        // reference drops here (an `Arc` count goes down).
        let (_, index) = handle.into_parts();
        pending.batch[pending.len] = index.as_usize();
        pending.len += 1;
        if pending.len == PUT_BATCH {
            let len = core::mem::take(&mut pending.len);
            return_batch(pending.ring, &pending.batch[..len]);
        }
    }
    // `pending` returns the rest when it drops here.
}

pub(crate) fn return_batch(ring: &Ring<[Slot]>, indices: &[usize]) {
    if !indices.is_empty() && ring.push_bulk(indices).is_err() {
        overflow(BufIndex::from_position(indices[0]));
    }
}

/// Re-enters a raw index after verifying it.
pub(crate) fn from_raw_checked<R: PoolRef>(
    pool: &R,
    index: BufIndex,
) -> Result<Handle<R>, RawIndexError> {
    let ring = pool.ring();
    let capacity = ring.capacity();
    if index.as_usize() >= capacity {
        return Err(RawIndexError::OutOfRange { index, capacity });
    }
    if !ring.clear_tag(index.as_usize()) {
        return Err(RawIndexError::NotCheckedOut { index });
    }
    // SAFETY: the tag was set, so the buffer was given up by `into_raw`, and
    // clearing it atomically made this call its only re-entry.
    Ok(unsafe { Handle::new(pool.clone(), index) })
}

/// Re-enters a raw index without verifying it.
///
/// # Safety
///
/// `index` came from [`Handle::into_raw`] on this pool and has not been
/// re-entered since.
pub(crate) unsafe fn from_raw<R: PoolRef>(pool: &R, index: BufIndex) -> Handle<R> {
    // The tag is cleared either way; checking what it was costs a branch
    // and turns a re-entry made twice into a panic here instead of a buffer
    // with two owners later (the shared hot slot would take the extra index
    // without the ring ever overflowing).
    if !pool.ring().clear_tag(index.as_usize()) {
        not_raw(index);
    }
    // SAFETY: the caller guarantees that the index was handed out in raw
    // form by this pool and is re-entered once (and its tag was set).
    unsafe { Handle::new(pool.clone(), index) }
}

/// Only reachable by breaking the contract of the `unsafe` `from_raw`.
#[cold]
#[inline(never)]
fn not_raw(index: BufIndex) -> ! {
    panic!(
        "iobuf: from_raw of buffer {index}, which is not out in raw form \
         (re-entered already, or never given up with into_raw)"
    )
}

/// The address of item `index`, for descriptors; no ownership implied.
pub(crate) fn item_ptr<P: Storage + ?Sized>(
    pool: &P,
    index: BufIndex,
) -> Result<NonNull<P::Item>, RawIndexError> {
    let capacity = pool.ring().capacity();
    if index.as_usize() >= capacity {
        return Err(RawIndexError::OutOfRange { index, capacity });
    }
    Ok(pool.item(index.as_usize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ring::MAX_CAPACITY;

    /// What a ticket decodes to, in comparable form: the index, the ring's
    /// hint or the owned slot's version, and which of the three sources.
    fn decoded(ticket: Ticket) -> (u32, u32, char) {
        let index = ticket.index().get();
        match ticket.source() {
            Source::Ring(hint) => (index, hint.0, 'r'),
            Source::Hot => (index, 0, 'h'),
            Source::Owner(version) => (index, version.0, 'o'),
        }
    }

    #[test]
    fn a_ticket_gives_back_its_index_and_source() {
        let largest = u32::try_from(MAX_CAPACITY - 1).unwrap();
        for index in [0, 1, 1000, largest] {
            let buf = BufIndex::new(index);
            for value in [0, 1, 0x8000_0000, u32::MAX] {
                let from_ring = Ticket::new(buf, Source::Ring(HeadHint(value)));
                assert_eq!(decoded(from_ring), (index, value, 'r'));
            }
            assert_eq!(decoded(Ticket::new(buf, Source::Hot)), (index, 0, 'h'));
            for version in [0, 1, 0x7fff_ffff] {
                let owner = Ticket::new(buf, Source::Owner(Version(version)));
                assert_eq!(decoded(owner), (index, version, 'o'));
            }
        }
    }
}
