//! Bursts: up to `K` buffers taken together and held by one value, with no
//! guard per buffer.
//!
//! A NIC receive burst or a batch of writes moves many buffers at once; a
//! guard for each (what the `*_bulk` calls return) costs a pool reference
//! and a drop per buffer. A [`Burst`] keeps the buffers' indices in one
//! array and gives them all back in one call when it drops: to the pool's
//! ring in bulk ([`Pool::try_get_burst`](crate::Pool::try_get_burst)), or
//! to the cache it came from ([`CachedBurst`](crate::CachedBurst), from
//! [`LocalCache::try_get_burst`](crate::LocalCache::try_get_burst)).
//!
//! # Invariants
//!
//! 1. `indices[..len]` are distinct indices of the home's pool, each owned
//!    by the burst alone from the take until the drop, which gives every
//!    one back exactly once.

use crate::BufIndex;
use crate::guard::sealed::Storage;
use core::fmt;
use core::marker::PhantomData;

pub(crate) mod home {
    use crate::guard::sealed::Storage;

    /// Where a burst's buffers come from and go back to: a pool or a
    /// cache.
    pub trait Home {
        /// The pool the buffers belong to.
        type Pool: Storage;
        /// The burst type's name, for `Debug`.
        const NAME: &'static str;
        /// The pool.
        fn pool(&self) -> &Self::Pool;
        /// Takes back buffers the burst owned (each once), buffer 0 first.
        fn take_back(&self, indices: &[u32]);
    }
}

use home::Home;

/// Up to `K` buffers taken at once, owned by this one value: their indices
/// in a plain array, no guard per buffer. Buffer `i` is `burst[i]`;
/// dropping the burst gives every buffer back in one call.
///
/// From a pool, [`Pool::try_get_burst`](crate::Pool::try_get_burst):
///
/// ```
/// static POOL: iobuf::SmallPool<64> = iobuf::SmallPool::new();
///
/// let mut burst = POOL.try_get_burst::<32>(); // e.g. a NIC receive burst
/// assert_eq!(burst.len(), 32);
/// for frame in burst.iter_mut() {
///     frame[0] = 0x45;
/// }
/// assert_eq!(POOL.available(), 32);
/// drop(burst); // all 32 back in one bulk return
/// assert_eq!(POOL.available(), 64);
/// ```
///
/// A burst may go to another thread when its buffers may (`Item: Send`)
/// and its home may (a pool, not a cache); it may be shared when its
/// buffers may be (`Item: Sync`), like a `&mut [Item]`:
///
/// ```compile_fail,E0277
/// use std::cell::Cell;
/// static POOL: iobuf::BoundedPool<Cell<u8>, 2> = iobuf::BoundedPool::unfilled();
/// fn is_sync<T: Sync>(_: &T) {}
/// POOL.fill(|_| Cell::new(0)).unwrap();
/// is_sync(&POOL.try_get_burst::<2>()); // `Cell` is not `Sync`
/// ```
#[must_use = "dropping a burst returns its buffers at once"]
pub struct Burst<H: Home, const K: usize> {
    home: H,
    indices: [u32; K],
    len: usize,
    /// Opts out of the automatic `Send`/`Sync`; see the impls below.
    _items: PhantomData<*mut <H::Pool as Storage>::Item>,
}

// SAFETY: a burst owns its buffers exclusively, like a `&mut [Item]`
// (sendable when the items are) plus its home `H` (a pool reference:
// sendable when the pool is `Sync`; a cache reference never is).
unsafe impl<H: Home + Send, const K: usize> Send for Burst<H, K> where
    <H::Pool as Storage>::Item: Send
{
}

// SAFETY: through `&Burst` only `&Item`s are reachable, like `&&mut [Item]`.
unsafe impl<H: Home + Sync, const K: usize> Sync for Burst<H, K> where
    <H::Pool as Storage>::Item: Sync
{
}

impl<H: Home, const K: usize> Burst<H, K> {
    /// A burst owning `indices[..len]` (invariant 1 is the caller's).
    pub(crate) fn new(home: H, indices: [u32; K], len: usize) -> Self {
        debug_assert!(len <= K);
        Self {
            home,
            indices,
            len,
            _items: PhantomData,
        }
    }

    /// How many buffers the burst holds (at most `K`).
    ///
    /// ```
    /// static POOL: iobuf::NanoPool<4> = iobuf::NanoPool::new();
    /// assert_eq!(POOL.try_get_burst::<8>().len(), 4); // only 4 were free
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the burst holds no buffer (the pool was empty).
    ///
    /// ```
    /// static POOL: iobuf::NanoPool<1> = iobuf::NanoPool::new();
    /// let held = POOL.try_get().unwrap();
    /// assert!(POOL.try_get_burst::<4>().is_empty());
    /// # drop(held);
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Buffer `i`'s index in its pool, e.g. for a DMA descriptor.
    ///
    /// # Panics
    ///
    /// If `i >= len()`.
    ///
    /// ```
    /// static POOL: iobuf::NanoPool<8> = iobuf::NanoPool::new();
    ///
    /// let mut burst = POOL.try_get_burst::<3>();
    /// burst[1][0] = 7;
    /// let address = POOL.item_ptr(burst.buf_index(1)).unwrap().cast::<u8>();
    /// assert_eq!(address.as_ptr().cast_const(), burst[1].as_ptr());
    /// ```
    pub fn buf_index(&self, i: usize) -> BufIndex {
        BufIndex::new(self.raw(i))
    }

    fn raw(&self, i: usize) -> u32 {
        assert!(i < self.len, "buffer {i} of a burst of {}", self.len);
        self.indices[i]
    }

    /// The buffers, buffer 0 first.
    ///
    /// ```
    /// static POOL: iobuf::NanoPool<4> = iobuf::NanoPool::new();
    /// let burst = POOL.try_get_burst::<4>();
    /// assert!(burst.iter().all(|buf| buf.iter().all(|&byte| byte == 0)));
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &<H::Pool as Storage>::Item> {
        let pool = self.home.pool();
        self.indices[..self.len].iter().map(move |&index| {
            // SAFETY: the burst owns `index` exclusively (invariant 1); the
            // item is initialised and outlives the burst, which borrows its
            // home and so the pool.
            unsafe { pool.item(index as usize).as_ref() }
        })
    }

    /// The buffers, mutably, buffer 0 first.
    ///
    /// ```
    /// static POOL: iobuf::NanoPool<4> = iobuf::NanoPool::new();
    /// let mut burst = POOL.try_get_burst::<2>();
    /// for (i, buf) in burst.iter_mut().enumerate() {
    ///     buf[0] = i as u8;
    /// }
    /// assert_eq!(burst[1][0], 1);
    /// ```
    pub fn iter_mut(&mut self) -> impl ExactSizeIterator<Item = &mut <H::Pool as Storage>::Item> {
        let pool = self.home.pool();
        self.indices[..self.len].iter().map(move |&index| {
            // SAFETY: as in `iter`; the indices are distinct, so the items
            // are disjoint (`Storage` contract) and the `&mut`s handed out
            // together never alias; `&mut self` keeps anything else out.
            unsafe { pool.item(index as usize).as_mut() }
        })
    }
}

impl<H: Home, const K: usize> core::ops::Index<usize> for Burst<H, K> {
    type Output = <H::Pool as Storage>::Item;

    fn index(&self, i: usize) -> &Self::Output {
        let index = self.raw(i) as usize;
        // SAFETY: as in `iter`.
        unsafe { self.home.pool().item(index).as_ref() }
    }
}

impl<H: Home, const K: usize> core::ops::IndexMut<usize> for Burst<H, K> {
    fn index_mut(&mut self, i: usize) -> &mut Self::Output {
        let index = self.raw(i) as usize;
        // SAFETY: as in `iter_mut`, for one item.
        unsafe { self.home.pool().item(index).as_mut() }
    }
}

impl<H: Home, const K: usize> Drop for Burst<H, K> {
    fn drop(&mut self) {
        let len = core::mem::take(&mut self.len);
        self.home.take_back(&self.indices[..len]);
    }
}

impl<H: Home, const K: usize> fmt::Debug for Burst<H, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(H::NAME)
            .field("indices", &&self.indices[..self.len])
            .finish()
    }
}
