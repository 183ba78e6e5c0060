//! A bounded LIFO cache of free buffers that one execution context (a
//! thread, a core's main loop, one interrupt priority) keeps in front of a
//! shared pool.
//!
//! Taking a buffer from the shared ring costs atomic read-modify-writes on
//! cache lines that every core touches. A [`LocalCache`] keeps up to `C`
//! free indices of one pool in a plain array that only its owner touches:
//! [`try_get`](LocalCache::try_get) pops the most recently returned index
//! (still hot in this core's cache), dropping a [`CachedGuard`] pushes it
//! back, and neither executes an atomic instruction. The ring is touched
//! only in bulk: an empty cache *refills* half its capacity with
//! [bulk takes](crate::BoundedPool::try_get_bulk), a full cache *spills* its
//! older half with bulk returns (up to 32 indices per ring call; one call
//! for a cache of up to 64).
//!
//! # Where a cache lives
//!
//! * **`std` threads**: in a `thread_local!`. When the thread exits, the
//!   cache is dropped and every buffer it holds goes back to the ring. (Rust
//!   does not promise to run thread-local destructors for the main thread
//!   on every platform; that only matters if the pool outlives `main`.)
//! * **no_std**: a value the code of one core (or one interrupt priority)
//!   owns, such as a local of the main loop or an RTIC `#[local]` resource.
//!
//! A cache is not `Sync`, and its guards are neither `Send` nor `Sync`: the
//! type system lets one context at a time use a cache (a cache with no
//! guard out may move to another thread, buffers and all). Two contexts
//! that can preempt each other (a thread and an interrupt handler on its
//! core) each need their own cache; both may share the pool.
//!
//! ```compile_fail,E0277
//! fn is_sync<T: Sync>(_: &T) {}
//! static POOL: iobuf::PicoPool<4> = iobuf::PicoPool::new();
//! let cache = iobuf::LocalCache::<_, 2>::new(&POOL);
//! is_sync(&cache); // a cache is not `Sync`
//! ```
//!
//! ```compile_fail,E0277
//! fn is_send<T: Send>(_: &T) {}
//! static POOL: iobuf::PicoPool<4> = iobuf::PicoPool::new();
//! let cache = iobuf::LocalCache::<_, 2>::new(&POOL);
//! let guard = cache.try_get().unwrap();
//! is_send(&guard); // its guards stay with it
//! ```
//!
//! # Invariants
//!
//! 1. Every index in the cache's array (`stack[..len]`) is checked out of
//!    the ring and owned by the cache alone; every [`CachedGuard`] owns its
//!    index alone. An index moves between them only by the owner's own calls
//!    (no atomics needed: nothing else can reach the array).
//! 2. `len <= C` at every return from a method.
//! 3. Buffer contents cross contexts only through the pool (its ring, whose
//!    bulk operations give the same release/acquire ordering as single
//!    ones, or its hot slot, when a refill finds the ring dry). A buffer
//!    that stays in one cache never leaves its context.
//!
//! # Trade-off
//!
//! Buffers parked in one context's cache are invisible to the others: with
//! `k` caches, `try_get` may report [`PoolEmpty`] while up to `k · C`
//! buffers sit in other caches, and the pool's
//! [`available`](crate::BoundedPool::available) counts them as checked out.
//! Size `C` so that `k · C` is a small part of the pool, and
//! [`flush`](LocalCache::flush) a cache when its context goes idle.

use crate::backoff::{Adapt, DefaultAdapt, wait_for};
use crate::burst::{Burst, home::Home};
use crate::guard::sealed::Storage;
use crate::guard::{Guard, Handle};
use crate::hot::take_index;
use crate::{BufIndex, PoolEmpty};
use core::cell::Cell;
use core::fmt;
use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};

/// How many indices a refill or spill moves per ring call (a stack buffer of
/// this many words; the cache itself may be larger).
const BATCH: usize = 32;

/// A per-context LIFO cache of up to `C` free buffers of the pool `P`.
///
/// In a `std` program, one per thread:
///
/// ```
/// use iobuf::{LocalCache, SmallPool};
///
/// static POOL: SmallPool<1024> = SmallPool::new();
///
/// thread_local! {
///     static CACHE: LocalCache<'static, SmallPool<1024>, 32> =
///         const { LocalCache::new(&POOL) };
/// }
///
/// std::thread::spawn(|| {
///     CACHE.with(|cache| {
///         let mut buf = cache.try_get().unwrap(); // refills 16 from the pool
///         buf[0] = 1;
///         drop(buf); // parked in this thread's cache, no atomics
///         assert_eq!(cache.len(), 16);
///     });
/// })
/// .join()
/// .unwrap();
/// // The thread's cache was dropped on exit and returned everything.
/// assert_eq!(POOL.available(), 1024);
/// ```
///
/// Without `std`, the code of one core owns it:
///
/// ```
/// static RX_POOL: iobuf::SmallPool<256> = iobuf::SmallPool::new();
///
/// fn main_loop() {
///     let cache = iobuf::LocalCache::<_, 16>::new(&RX_POOL);
///     for _ in 0..3 {
///         if let Ok(mut frame) = cache.try_get() {
///             frame[0] = 0x45;
///         }
///     }
/// }
/// # main_loop();
/// # assert_eq!(RX_POOL.available(), 256);
/// ```
pub struct LocalCache<'p, P: Storage, const C: usize> {
    pool: &'p P,
    /// `stack[..len]`: free indices owned by the cache, newest last; `u32`
    /// like [`BufIndex`] (half the bytes of `usize` on 64-bit targets).
    stack: Cell<[u32; C]>,
    len: Cell<usize>,
}

impl<'p, P: Storage, const C: usize> LocalCache<'p, P, C> {
    /// How many indices a refill takes and a spill returns.
    const HALF: usize = C.div_ceil(2);
    /// `C = 0` cannot cache anything; rejected at compile time.
    const CAPACITY_OK: () = assert!(C > 0, "a LocalCache needs a capacity of at least 1");

    /// An empty cache in front of `pool`. `const`, so it can initialise a
    /// `thread_local!` or a `static` cell.
    ///
    /// ```compile_fail,E0080
    /// static POOL: iobuf::PicoPool<4> = iobuf::PicoPool::new();
    /// let cache = iobuf::LocalCache::<_, 0>::new(&POOL); // no room
    /// ```
    pub const fn new(pool: &'p P) -> Self {
        let () = Self::CAPACITY_OK;
        Self {
            pool,
            stack: Cell::new([0; C]),
            len: Cell::new(0),
        }
    }

    /// The pool behind the cache.
    pub fn pool(&self) -> &'p P {
        self.pool
    }

    /// How many free buffers the cache holds.
    pub fn len(&self) -> usize {
        self.len.get()
    }

    /// Whether the cache holds no buffer.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most free buffers the cache holds, `C`.
    pub const fn capacity(&self) -> usize {
        C
    }

    /// Takes the most recently cached buffer; when the cache is empty, first
    /// refills half of it from the pool in bulk. Never waits.
    ///
    /// [`PoolEmpty`] means the cache was empty and so was the pool (its
    /// ring and hot slot) at one instant during the call; other contexts'
    /// caches may still hold buffers (see the module docs).
    ///
    /// ```
    /// static POOL: iobuf::PicoPool<2> = iobuf::PicoPool::new();
    ///
    /// let cache = iobuf::LocalCache::<_, 4>::new(&POOL);
    /// let a = cache.try_get().unwrap();
    /// let b = cache.try_get().unwrap();
    /// assert!(cache.try_get().is_err());
    /// drop((a, b));
    /// ```
    #[inline]
    pub fn try_get(&self) -> Result<CachedGuard<'_, 'p, P, C>, PoolEmpty> {
        let mut len = self.len.get();
        if len == 0 {
            len = self.refill_for(1);
            if len == 0 {
                return Err(PoolEmpty);
            }
        }
        len -= 1;
        let index = self.slots()[len].get();
        self.len.set(len);
        Ok(CachedGuard {
            cache: self,
            index: BufIndex::new(index),
        })
    }

    /// Takes up to `K` buffers (fewer only when the cache and the pool ran
    /// dry), newest first: a NIC burst in one call. What the cache
    /// lacks comes from the ring in bulk (one take when `K <= C`); dropping
    /// the guards parks them again.
    ///
    /// ```
    /// static POOL: iobuf::SmallPool<256> = iobuf::SmallPool::new();
    ///
    /// let cache = iobuf::LocalCache::<_, 64>::new(&POOL);
    /// let burst = cache.try_get_bulk::<32>();
    /// assert_eq!(burst.len(), 32);
    /// drop(burst);
    /// assert_eq!(cache.len(), 32);
    /// let again = cache.try_get_bulk::<32>(); // no ring access at all
    /// assert_eq!(POOL.available(), 256 - 32);
    /// # drop(again);
    /// ```
    pub fn try_get_bulk<const K: usize>(&self) -> heapless::Vec<CachedGuard<'_, 'p, P, C>, K> {
        let mut burst = heapless::Vec::new();
        self.take_newest(K, |index| {
            let guard = CachedGuard {
                cache: self,
                index: BufIndex::new(index),
            };
            // Cannot fail: `take_newest` hands out at most `K`.
            let _ = burst.push(guard);
        });
        burst
    }

    /// Takes up to `K` buffers as one [`CachedBurst`] (fewer only when the
    /// cache and the pool ran dry): one value for all of them, no guard per
    /// buffer, the cheapest way to move many buffers (where
    /// [`try_get_bulk`](Self::try_get_bulk) gives each buffer a guard of its
    /// own). Buffer 0 is the most recently parked one. Dropping the burst
    /// parks all of them again in one go, buffer 0 on top, so a burst taken
    /// and dropped whole leaves the cache as it found it. When the cache
    /// holds `K` or more, taking and parking are each one copy of `K`
    /// indices.
    ///
    /// ```
    /// static POOL: iobuf::SmallPool<256> = iobuf::SmallPool::new();
    ///
    /// let cache = iobuf::LocalCache::<_, 64>::new(&POOL);
    /// let mut burst = cache.try_get_burst::<32>(); // e.g. a NIC receive burst
    /// assert_eq!(burst.len(), 32);
    /// for frame in burst.iter_mut() {
    ///     frame[0] = 0x45;
    /// }
    /// drop(burst);
    /// assert_eq!(cache.len(), 32);
    /// ```
    pub fn try_get_burst<const K: usize>(&self) -> CachedBurst<'_, 'p, P, C, K> {
        let mut indices = [0; K];
        let len = self.len.get();
        if let Some(top) = len.checked_sub(K) {
            // The common case: the cache holds the whole burst, which takes
            // the top `K` entries, newest first.
            for (index, slot) in indices.iter_mut().zip(self.slots()[top..len].iter().rev()) {
                *index = slot.get();
            }
            self.len.set(top);
            return Burst::new(self, indices, K);
        }
        let mut taken = 0;
        self.take_newest(K, |index| {
            indices[taken] = index;
            taken += 1;
        });
        Burst::new(self, indices, taken)
    }

    /// Hands up to `wanted` cached indices to `take`, newest first,
    /// refilling from the pool in bulk whenever the cache runs dry; stops
    /// early only when the pool (ring and hot slot) is dry too. Each index leaves the stack
    /// (invariant 1) once `take` has it; `take` must not touch the cache.
    #[inline]
    fn take_newest(&self, wanted: usize, mut take: impl FnMut(u32)) {
        let mut taken = 0;
        while taken < wanted {
            let mut len = self.len.get();
            if len == 0 {
                len = self.refill_for(wanted - taken);
                if len == 0 {
                    break;
                }
            }
            let count = len.min(wanted - taken);
            for slot in self.slots()[len - count..len].iter().rev() {
                take(slot.get());
            }
            self.len.set(len - count);
            taken += count;
        }
    }

    /// Takes a buffer, waiting as long as it takes: spins briefly, then
    /// calls [`DefaultAdapt`] between attempts. Never call it where nothing
    /// else can return a buffer.
    pub fn get(&self) -> CachedGuard<'_, 'p, P, C> {
        self.get_with(&mut DefaultAdapt)
    }

    /// Like [`get`](Self::get), with your own [`Adapt`] strategy for the
    /// wait after the spin phase.
    pub fn get_with(&self, adapt: &mut impl Adapt) -> CachedGuard<'_, 'p, P, C> {
        wait_for(|| self.try_get().ok(), adapt)
    }

    /// Parks a buffer taken from the pool directly (or handed over by
    /// another context) in this cache. A guard of another pool is simply
    /// dropped, which returns it to its own pool.
    ///
    /// ```
    /// static POOL: iobuf::NanoPool<8> = iobuf::NanoPool::new();
    ///
    /// let cache = iobuf::LocalCache::<_, 4>::new(&POOL);
    /// let buf = POOL.try_get().unwrap();
    /// cache.put(buf);
    /// assert_eq!(cache.len(), 1);
    /// assert_eq!(POOL.available(), 7);
    /// ```
    pub fn put(&self, guard: Guard<'p, P>) {
        if core::ptr::eq(*guard.pool(), self.pool) {
            let (_, index) = guard.into_parts();
            self.park(index.get());
        }
    }

    /// Parks many guards of this cache (the bulk counterpart of dropping
    /// each one, spilling at most once per `⌈C / 2⌉` guards). Guards of
    /// another cache are dropped, which parks them there.
    ///
    /// ```
    /// static POOL: iobuf::SmallPool<64> = iobuf::SmallPool::new();
    ///
    /// let cache = iobuf::LocalCache::<_, 32>::new(&POOL);
    /// let burst = cache.try_get_bulk::<16>();
    /// cache.put_bulk(burst);
    /// assert_eq!(cache.len(), 16);
    /// ```
    pub fn put_bulk<'c>(&'c self, guards: impl IntoIterator<Item = CachedGuard<'c, 'p, P, C>>) {
        for guard in guards {
            if !core::ptr::eq(guard.cache, self) {
                drop(guard);
                continue;
            }
            let guard = ManuallyDrop::new(guard);
            self.park(guard.index.get());
        }
    }

    /// Returns every cached buffer to the pool (in bulk).
    ///
    /// ```
    /// static POOL: iobuf::NanoPool<8> = iobuf::NanoPool::new();
    ///
    /// let cache = iobuf::LocalCache::<_, 4>::new(&POOL);
    /// drop(cache.try_get().unwrap());
    /// assert_eq!(POOL.available(), 6); // two were refilled into the cache
    /// cache.flush();
    /// assert_eq!(POOL.available(), 8);
    /// ```
    pub fn flush(&self) {
        self.spill(self.len.get());
    }

    fn slots(&self) -> &[Cell<u32>] {
        let stack: &Cell<[u32]> = &self.stack;
        stack.as_slice_of_cells()
    }

    /// Pushes indices the caller owns, in order; spills the older half
    /// whenever the cache fills up. No user code runs in between, so the
    /// length can stay in a register.
    fn park_all(&self, indices: impl ExactSizeIterator<Item = u32>) {
        let slots = self.slots();
        let mut len = self.len.get();
        if let Some(room) = slots.get(len..len + indices.len()) {
            // The common case: everything fits, one straight copy.
            let added = indices.len();
            for (slot, index) in room.iter().zip(indices) {
                slot.set(index);
            }
            self.len.set(len + added);
            return;
        }
        for index in indices {
            if len == C {
                self.len.set(len);
                self.spill(Self::HALF);
                len = self.len.get();
            }
            slots[len].set(index);
            len += 1;
        }
        self.len.set(len);
    }

    /// Pushes an index the caller owns; spills the older half when full.
    #[inline]
    fn park(&self, index: u32) {
        let mut len = self.len.get();
        if len == C {
            self.spill(Self::HALF);
            len -= Self::HALF;
        }
        self.slots()[len].set(index);
        self.len.set(len + 1);
    }

    /// Takes from the ring `wanted` indices or half the capacity, whichever
    /// is more (at most `C`), and one from the pool's hot slot if the ring
    /// runs dry first; the new length.
    #[cold]
    #[inline(never)]
    fn refill_for(&self, wanted: usize) -> usize {
        debug_assert_eq!(self.len.get(), 0);
        let count = wanted.clamp(Self::HALF, C);
        let slots = self.slots();
        let mut taken = 0;
        while taken < count {
            let mut batch = [0; BATCH];
            let want = (count - taken).min(BATCH);
            let got = self.pool.ring().pop_bulk(&mut batch[..want]);
            for (slot, &index) in slots[taken..].iter().zip(&batch[..got]) {
                // Ring indices are below the capacity, which fits in `u32`.
                slot.set(BufIndex::from_position(index).get());
            }
            taken += got;
            if got < want {
                break; // the ring ran dry
            }
        }
        if taken < count {
            // The ring ran dry; the hot slot may hold one more, and the
            // cache must report empty only when the whole pool was.
            if let Some(index) = take_index(self.pool.hot(), self.pool.ring()) {
                slots[taken].set(BufIndex::from_position(index).get());
                taken += 1;
            }
        }
        self.len.set(taken);
        taken
    }

    /// Returns the `count` oldest indices to the ring and moves the rest
    /// down.
    #[cold]
    #[inline(never)]
    fn spill(&self, count: usize) {
        let len = self.len.get();
        debug_assert!(count <= len);
        let slots = self.slots();
        // The indices leave the cache before the ring sees them.
        self.len.set(0);
        for start in (0..count).step_by(BATCH) {
            let end = (start + BATCH).min(count);
            let mut batch = [0; BATCH];
            for (index, slot) in batch.iter_mut().zip(&slots[start..end]) {
                *index = BufIndex::new(slot.get()).as_usize();
            }
            self.pool.ring().push_bulk(&batch[..end - start]);
        }
        for kept in count..len {
            slots[kept - count].set(slots[kept].get());
        }
        self.len.set(len - count);
    }
}

impl<P: Storage, const C: usize> Drop for LocalCache<'_, P, C> {
    fn drop(&mut self) {
        self.flush();
    }
}

impl<P: Storage, const C: usize> fmt::Debug for LocalCache<'_, P, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalCache")
            .field("len", &self.len.get())
            .field("capacity", &C)
            .finish()
    }
}

/// A buffer taken from a [`LocalCache`]; dropping it parks the buffer in
/// that cache again. Derefs to the buffer like a [`Guard`].
///
/// It borrows the cache, so it cannot leave the cache's context; to hand a
/// buffer to another thread, turn it into a pool [`Guard`] with
/// [`into_shared`](Self::into_shared).
#[must_use = "dropping a guard returns its buffer at once"]
pub struct CachedGuard<'c, 'p, P: Storage, const C: usize> {
    cache: &'c LocalCache<'p, P, C>,
    index: BufIndex,
}

impl<'p, P: Storage, const C: usize> CachedGuard<'_, 'p, P, C> {
    /// The buffer's stable index in its pool.
    pub fn index(&self) -> BufIndex {
        self.index
    }

    /// Turns this into an ordinary pool [`Guard`], which may go to another
    /// thread and returns the buffer to the pool's ring when dropped.
    ///
    /// ```
    /// static POOL: iobuf::SmallPool<4> = iobuf::SmallPool::new();
    ///
    /// let cache = iobuf::LocalCache::<_, 2>::new(&POOL);
    /// let shared = cache.try_get().unwrap().into_shared();
    /// std::thread::spawn(move || drop(shared)).join().unwrap();
    /// assert_eq!(POOL.available(), 4 - cache.len());
    /// ```
    pub fn into_shared(self) -> Guard<'p, P> {
        let this = ManuallyDrop::new(self);
        let cache = this.cache;
        // SAFETY: this guard owned `index` exclusively (invariant 1) and is
        // never dropped, so the ownership moves to the new handle alone.
        unsafe { Handle::new(cache.pool, this.index) }
    }

    /// Gives up the guard for a bare index, like
    /// [`Handle::into_raw`]; the pool re-enters it with `from_raw_checked`.
    pub fn into_raw(self) -> BufIndex {
        self.into_shared().into_raw()
    }
}

impl<P: Storage, const C: usize> Deref for CachedGuard<'_, '_, P, C> {
    type Target = P::Item;

    fn deref(&self) -> &P::Item {
        // SAFETY: the guard owns buffer `index` exclusively (invariant 1);
        // the item is initialised (`Storage` contract) and lives as long as
        // the pool, which the borrowed cache keeps borrowed.
        unsafe { self.cache.pool.item(self.index.as_usize()).as_ref() }
    }
}

impl<P: Storage, const C: usize> DerefMut for CachedGuard<'_, '_, P, C> {
    fn deref_mut(&mut self) -> &mut P::Item {
        // SAFETY: as in `deref`; `&mut self` makes this the only access.
        unsafe { self.cache.pool.item(self.index.as_usize()).as_mut() }
    }
}

impl<P: Storage, const C: usize> Drop for CachedGuard<'_, '_, P, C> {
    #[inline]
    fn drop(&mut self) {
        self.cache.park(self.index.get());
    }
}

impl<P: Storage, const C: usize> fmt::Debug for CachedGuard<'_, '_, P, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedGuard")
            .field("index", &self.index)
            .finish()
    }
}

/// Up to `K` buffers taken from a [`LocalCache`] at once by
/// [`try_get_burst`](LocalCache::try_get_burst): a [`Burst`] whose buffers
/// go back to that cache when it drops, buffer 0 on top.
///
/// ```
/// static POOL: iobuf::NanoPool<8> = iobuf::NanoPool::new();
///
/// let cache = iobuf::LocalCache::<_, 8>::new(&POOL);
/// let mut burst = cache.try_get_burst::<3>();
/// burst[1][0] = 7; // buffer 1 of the burst
/// let index = burst.buf_index(1);
/// let address = POOL.item_ptr(index).unwrap().cast::<u8>().as_ptr();
/// assert_eq!(address.cast_const(), burst[1].as_ptr());
/// ```
pub type CachedBurst<'c, 'p, P, const C: usize, const K: usize> =
    Burst<&'c LocalCache<'p, P, C>, K>;

impl<'p, P: Storage, const C: usize> Home for &LocalCache<'p, P, C> {
    type Pool = P;
    const NAME: &'static str = "CachedBurst";

    fn pool(&self) -> &P {
        self.pool
    }

    /// Parks the burst's buffers, buffer 0 last, so it ends on top.
    fn take_back(&self, indices: &[u32]) {
        self.park_all(indices.iter().rev().copied());
    }
}
