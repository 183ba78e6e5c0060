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
use crate::hot;
use crate::ring::{Ring, Slots};
use crate::{BufIndex, PoolEmpty, RawIndexError};
use core::fmt;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

pub(crate) mod sealed {
    use crate::hot::HotSlot;
    use crate::ring::{Ring, Slots};

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
        /// The ring's slot array: `[Slot; N]` when the capacity is a
        /// constant, `[Slot]` otherwise.
        type Slots: Slots + ?Sized;
        /// The ring of free indices.
        fn ring(&self) -> &Ring<Self::Slots>;
        /// The hot slot, which keeps the free index returned last, in front
        /// of the ring.
        fn hot(&self) -> &HotSlot;
        /// Item `index`; `index` is below the ring's capacity.
        fn item(&self, index: usize) -> core::ptr::NonNull<Self::Item>;
    }

    /// A pool reference a handle can keep: `&P` (a [`Guard`](crate::Guard)),
    /// or an `Arc<P>` (an owned guard).
    pub trait PoolRef: core::ops::Deref<Target: Storage> + Clone {
        /// The name of the handle type users see, for `Debug`.
        const HANDLE: &'static str;
    }

    impl<P: Storage> PoolRef for &P {
        const HANDLE: &'static str = "Guard";
    }

    #[cfg(feature = "std")]
    impl<P: Storage> PoolRef for std::sync::Arc<P> {
        const HANDLE: &'static str = "OwnedGuard";
    }
}

use sealed::{PoolRef, Storage};

/// An exclusively owned buffer, checked out of a pool that `R` refers to:
/// `&'a P` for a [`Guard`] (the usual case), an `Arc` for the owned guards
/// of the runtime-sized pools.
///
/// Derefs to the buffer (`[u8; SIZE]` for the byte tiers) and returns it
/// to the pool when dropped. A [`Guard`] holds the pool reference and the
/// buffer's index: 16 bytes on 64-bit targets, like a slice.
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
    index: BufIndex,
    /// Opts out of the automatic `Send`/`Sync`; see the impls below.
    _item: PhantomData<*mut <R::Target as Storage>::Item>,
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
    #[inline(always)]
    pub(crate) unsafe fn new(pool: R, index: BufIndex) -> Self {
        Self {
            pool,
            index,
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
        self.index
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
        (pool, this.index)
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
    #[inline]
    fn drop(&mut self) {
        let pool = &*self.pool;
        hot::give_index(pool.hot(), pool.ring(), self.index.as_usize());
    }
}

impl<R: PoolRef> fmt::Debug for Handle<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(R::HANDLE)
            .field("index", &self.index())
            .finish()
    }
}

/// Takes a free buffer, never waiting.
#[inline(always)]
pub(crate) fn try_get<R: PoolRef>(pool: &R) -> Result<Handle<R>, PoolEmpty> {
    let index = hot::take_index(pool.hot(), pool.ring()).ok_or(PoolEmpty)?;
    // SAFETY: the hot slot or the ring handed `index` out, so nobody else
    // owns it, and both hold only indices below the capacity.
    Ok(unsafe { Handle::new(pool.clone(), BufIndex::from_position(index)) })
}

/// Takes a free buffer, spinning and then adapting until one is free.
pub(crate) fn get_with<R: PoolRef>(pool: &R, adapt: &mut impl Adapt) -> Handle<R> {
    wait_for(|| try_get(pool).ok(), adapt)
}

/// Takes up to `K` free buffers at once (fewer only if fewer are free).
pub(crate) fn try_get_bulk<R: PoolRef, const K: usize>(pool: &R) -> heapless::Vec<Handle<R>, K> {
    let mut indices = [0usize; K];
    let popped = pool.ring().pop_bulk(&mut indices);
    let mut handles: heapless::Vec<Handle<R>, K> = indices[..popped]
        .iter()
        // SAFETY: as in `try_get`: the ring handed each of these out.
        .map(|&index| unsafe { Handle::new(pool.clone(), BufIndex::from_position(index)) })
        .collect();
    // The ring ran dry: the hot slot may still hold one, and a single get
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
    struct Pending<'r, S: Slots + ?Sized> {
        ring: &'r Ring<S>,
        batch: [usize; PUT_BATCH],
        len: usize,
    }
    impl<S: Slots + ?Sized> Drop for Pending<'_, S> {
        fn drop(&mut self) {
            let len = core::mem::take(&mut self.len);
            self.ring.push_bulk(&self.batch[..len]);
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
            pending.ring.push_bulk(&pending.batch[..len]);
        }
    }
    // `pending` returns the rest when it drops here.
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
    // with two owners later: the ring and the hot slot trust that every
    // index they receive was held (see the `ring` module).
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
