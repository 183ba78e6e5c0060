//! The pool: a hot slot and a ring of free indices in front of the items'
//! memory, with one implementation of every operation for every kind of
//! memory.
//!
//! [`Pool<M>`] is generic over where its items live ([`Memory`]):
//!
//! * [`Inline<T, N>`]: `N` items of `T` inside the pool itself, with the
//!   ring, so a pool is built by a `const fn` and can be a `static`
//!   ([`BoundedPool<T, N>`] and the tier pools such as
//!   [`SmallPool<N>`](crate::SmallPool)). For items whose all-zero bytes
//!   are a valid value ([`ZeroInit`], e.g. the byte tiers) the whole pool
//!   starts as zero bytes with every buffer free, so it is placed in `.bss`
//!   and costs neither flash nor start-up time. Other item types start
//!   empty and are filled once with [`Pool::fill`]. The items are aligned
//!   to 64 bytes, so every buffer of 64 bytes or more starts on a cache
//!   line of its own (and satisfies the alignment most DMA engines ask
//!   for).
//! * `sys::Mapped<T>` (feature `std`): a capacity chosen at run time, the
//!   items in one page-aligned `mmap` region and the ring on the heap
//!   (`sys::RuntimePool<T>`).
//!
//! The memory decides only where things are; taking and returning buffers
//! is the same code for both, and for a static pool the capacity is a
//! constant in all of it.

use crate::backoff::{Adapt, DefaultAdapt};
use crate::burst::{Burst, home::Home};
use crate::cache_padded::CachePadded;
use crate::guard::{self, Guard, sealed::Storage};
use crate::hot::{self, HotSlot};
use crate::ring::{MAX_CAPACITY, Ring, Slot, Slots, out_of_range};
use crate::sync::{AtomicBool, Ordering};
use crate::{BufIndex, FillError, PoolEmpty, PoolStats, RawIndexError};
use core::cell::UnsafeCell;
use core::fmt;
use core::mem::MaybeUninit;
use core::ptr::NonNull;

/// Types for which all-zero bytes are a valid value, so a pool of them can
/// start full without being filled.
///
/// # Safety
///
/// An all-zero bit pattern must be a valid, safe value of the type.
///
/// ```
/// // A descriptor of plain integers is valid when zeroed.
/// struct Descriptor { address: u32, length: u16, flags: u16 }
/// unsafe impl iobuf::ZeroInit for Descriptor {}
///
/// static DESCRIPTORS: iobuf::BoundedPool<Descriptor, 16> = iobuf::BoundedPool::new();
/// assert_eq!(DESCRIPTORS.try_get().unwrap().length, 0);
/// ```
pub unsafe trait ZeroInit {}

macro_rules! zero_init {
    ($($t:ty)*) => { $(
        // SAFETY: zero is a valid value of every primitive integer, of
        // `bool` (false), of `char` ('\0') and of the floats (+0.0).
        unsafe impl ZeroInit for $t {}
    )* };
}
zero_init!(u8 u16 u32 u64 u128 usize i8 i16 i32 i64 i128 isize bool char f32 f64);

// SAFETY: an array of zero-valid elements, zeroed, is an array of zeroed
// valid elements.
unsafe impl<T: ZeroInit, const N: usize> ZeroInit for [T; N] {}

/// A bounded, lock-free pool of items whose memory `M` is
/// [`Inline<T, N>`] (a [`BoundedPool`], usable as a `static`) or, with
/// feature `std`, `sys::Mapped<T>` (a `sys::RuntimePool`, sized at run
/// time).
///
/// Taking an item ([`try_get`](Self::try_get)) and returning it (dropping
/// the [`Guard`]) are each lock-free and never allocate: a return puts the
/// index into the pool's hot slot if it is empty, else pushes it to a ring
/// of indices; a get takes the hot slot's index first (the item returned
/// last, likely still in the cache), else pops the ring. With fewer items
/// held than the capacity, `try_get` succeeds (up to the ABA bound in the
/// crate docs); returning an item always succeeds without waiting.
///
/// ```
/// static POOL: iobuf::MicroPool<8> = iobuf::MicroPool::new();
///
/// let first = POOL.try_get().unwrap();
/// let index = first.index();
/// drop(first);
/// assert_eq!(POOL.try_get().unwrap().index(), index); // the same buffer again
/// ```
///
/// ```
/// use iobuf::SmallPool;
///
/// static POOL: SmallPool<1024> = SmallPool::new();
///
/// let mut buf = POOL.try_get()?;   // never blocks
/// buf[..5].copy_from_slice(b"hello");
/// let id = buf.index();            // stable id, e.g. for a DMA descriptor
/// assert!(id.as_usize() < POOL.capacity());
/// drop(buf);                       // back in the pool
/// assert_eq!(POOL.available(), 1024);
/// # Ok::<(), iobuf::PoolEmpty>(())
/// ```
///
/// `N` must be between 1 and [`MAX_CAPACITY`]; anything else fails to
/// compile:
///
/// ```compile_fail,E0080
/// static EMPTY: iobuf::SmallPool<0> = iobuf::SmallPool::new();
/// # fn main() { let _ = EMPTY.capacity(); }
/// ```
///
/// ```compile_fail,E0080
/// const TOO_MANY: usize = iobuf::MAX_CAPACITY + 1;
/// static HUGE: iobuf::BoundedPool<u8, TOO_MANY> = iobuf::BoundedPool::unfilled();
/// # fn main() { let _ = HUGE.capacity(); }
/// ```
pub struct Pool<M: Memory> {
    /// The hot slot, which keeps the free index returned last (see the
    /// `hot` module), on a cache line of its own.
    hot: CachePadded<HotSlot>,
    /// The items and the ring of the free ones' indices.
    memory: M,
}

/// A pool of `N` items of `T` held inside the pool itself: what a `static`
/// pool is. The tier pools ([`SmallPool<N>`](crate::SmallPool) and the
/// others) are `BoundedPool`s of byte arrays.
///
/// ```
/// static DESCRIPTORS: iobuf::BoundedPool<[u32; 4], 16> = iobuf::BoundedPool::new();
/// assert_eq!(DESCRIPTORS.capacity(), 16);
/// ```
pub type BoundedPool<T, const N: usize> = Pool<Inline<T, N>>;

/// Where a pool's items and its ring of free indices live. Sealed: the
/// crate's two kinds are [`Inline`] and, with feature `std`,
/// `sys::Mapped`.
///
/// # Safety
///
/// `item(i)` must return a pointer to item `i`, valid for reads and writes
/// for as long as the memory lives, for every `i` below `ring().capacity()`;
/// distinct `i` give disjoint items; the item of every index that enters
/// the ring must be initialised before it does, and stay so while the
/// index is free or held.
pub unsafe trait Memory: sealed::Sealed {
    /// The type of one item.
    type Item;
    /// The ring's slot array: `[Slot; N]` when the capacity is a constant,
    /// `[Slot]` otherwise.
    #[doc(hidden)]
    type Slots: Slots + ?Sized;
    /// The pool type's name, for `Debug`.
    #[doc(hidden)]
    const NAME: &'static str;
    /// The ring of free indices.
    #[doc(hidden)]
    fn ring(&self) -> &Ring<Self::Slots>;
    /// Item `index`; `index` is below the ring's capacity.
    #[doc(hidden)]
    fn item(&self, index: usize) -> NonNull<Self::Item>;
    /// Start of the array holding every item.
    #[doc(hidden)]
    fn region_ptr(&self) -> *mut u8;
}

pub(crate) mod sealed {
    /// Keeps [`Memory`](super::Memory) to the crate's own kinds.
    pub trait Sealed {}
}

/// The memory of a [`BoundedPool`]: `N` items of `T` and the ring of the
/// free ones' indices, inside the pool. Built only by the pool's
/// constructors.
#[repr(C)]
pub struct Inline<T, const N: usize> {
    ring: Ring<[Slot; N]>,
    /// Set for a pool made by [`unfilled`](Pool::unfilled) until
    /// [`fill`](Pool::fill) claims it; zero (false) otherwise, so a
    /// zero-initialised pool stays all zero bytes.
    awaiting_fill: AtomicBool,
    items: Items<T, N>,
}

impl<T, const N: usize> sealed::Sealed for Inline<T, N> {}

/// The arena. An item is initialised whenever its index is in the ring or
/// held by a guard or in raw form.
#[repr(C, align(64))]
struct Items<T, const N: usize>([UnsafeCell<MaybeUninit<T>>; N]);

// SAFETY: the pool hands each item to one owner at a time (ring invariant
// 1), and the ring's acquire/release orderings order one owner's accesses
// before the next one's, exactly like a `Mutex<T>`: sharing the pool between
// threads sends items between them, so `M::Item: Send` suffices.
unsafe impl<M: Memory + Send> Sync for Pool<M> where M::Item: Send {}

impl<T, const N: usize> Pool<Inline<T, N>> {
    /// Evaluated (and so checked at compile time) by every constructor.
    const CAPACITY_IS_VALID: () = assert!(
        N > 0 && N <= MAX_CAPACITY,
        "a pool's capacity must be between 1 and iobuf::MAX_CAPACITY"
    );

    /// An empty pool whose items are not yet initialised: it hands out
    /// nothing until [`fill`](Self::fill) runs. Works for any `T`.
    ///
    /// ```
    /// static NAMES: iobuf::BoundedPool<&str, 2> = iobuf::BoundedPool::unfilled();
    ///
    /// assert!(NAMES.try_get().is_err());
    /// NAMES.fill(|index| ["left", "right"][index.as_usize()]).unwrap();
    /// assert_eq!(*NAMES.try_get().unwrap(), "left");
    /// ```
    pub const fn unfilled() -> Self {
        let () = Self::CAPACITY_IS_VALID;
        Self {
            hot: CachePadded::new(HotSlot::new()),
            memory: Inline {
                ring: Ring::empty(),
                awaiting_fill: AtomicBool::new(true),
                items: Items([const { UnsafeCell::new(MaybeUninit::uninit()) }; N]),
            },
        }
    }

    /// Initialises every item with `init(index)` and makes it available:
    /// the Go library's `Fill`. Works once, on a pool made by
    /// [`unfilled`](Self::unfilled); items become available one by one, so
    /// other threads may take them while the fill runs. If `init` panics,
    /// the items made so far stay available and the others are never handed
    /// out.
    ///
    /// ```
    /// use iobuf::{BoundedPool, FillError};
    ///
    /// static COUNTERS: BoundedPool<Option<u64>, 4> = BoundedPool::unfilled();
    ///
    /// COUNTERS.fill(|index| Some(u64::from(index) * 10)).unwrap();
    /// assert_eq!(COUNTERS.fill(|_| None), Err(FillError::AlreadyFilled));
    /// assert_eq!(*COUNTERS.try_get().unwrap(), Some(0));
    /// ```
    pub fn fill(&self, mut init: impl FnMut(BufIndex) -> T) -> Result<(), FillError> {
        let memory = &self.memory;
        if !memory.awaiting_fill.swap(false, Ordering::AcqRel) {
            return Err(FillError::AlreadyFilled);
        }
        for position in 0..N {
            let index = BufIndex::from_position(position);
            // SAFETY: `index` has never been in the ring and this call won
            // the fill, so nothing else can reach item `index`.
            unsafe { memory.item(position).as_ptr().write(init(index)) };
            // The ring started empty and receives each index once.
            memory.ring.push(position);
        }
        Ok(())
    }
}

impl<M: Memory> Pool<M> {
    /// A pool of every item of `memory`, whose ring holds them all.
    #[cfg(feature = "std")]
    pub(crate) fn with_memory(memory: M) -> Self {
        Self {
            hot: CachePadded::new(HotSlot::new()),
            memory,
        }
    }

    /// The pool's memory.
    #[cfg(feature = "std")]
    pub(crate) fn memory(&self) -> &M {
        &self.memory
    }

    /// Takes a free item, never blocking: [`PoolEmpty`] when all are
    /// checked out. Lock-free, safe in interrupt handlers.
    ///
    /// ```
    /// static POOL: iobuf::PicoPool<2> = iobuf::PicoPool::new();
    ///
    /// let a = POOL.try_get().unwrap();
    /// let b = POOL.try_get().unwrap();
    /// assert!(POOL.try_get().is_err());
    /// drop((a, b));
    /// ```
    #[inline]
    pub fn try_get(&self) -> Result<Guard<'_, Self>, PoolEmpty> {
        guard::try_get(&self)
    }

    /// Takes up to `K` free items in one call (fewer only when fewer are
    /// free), never blocking. A run of consecutive free buffers costs one
    /// atomic read-modify-write each plus one in all, where `K` calls of
    /// [`try_get`](Self::try_get) cost two each. Not atomic as a group:
    /// concurrent calls may interleave.
    ///
    /// ```
    /// static POOL: iobuf::SmallPool<64> = iobuf::SmallPool::new();
    ///
    /// let burst = POOL.try_get_bulk::<32>(); // e.g. a NIC receive burst
    /// assert_eq!(burst.len(), 32);
    /// assert_eq!(POOL.available(), 32);
    /// POOL.put_bulk(burst);
    /// assert_eq!(POOL.available(), 64);
    /// ```
    pub fn try_get_bulk<const K: usize>(&self) -> heapless::Vec<Guard<'_, Self>, K> {
        guard::try_get_bulk(&self)
    }

    /// Takes up to `K` free items as one [`Burst`] (fewer only when fewer
    /// are free), never blocking: one value for all of them and no guard
    /// per item, where [`try_get_bulk`](Self::try_get_bulk) gives each its
    /// own guard. A run of consecutive free buffers costs one atomic
    /// read-modify-write in all; dropping the burst returns every item in
    /// one bulk return. Not atomic as a group: concurrent calls may
    /// interleave.
    ///
    /// ```
    /// static POOL: iobuf::SmallPool<64> = iobuf::SmallPool::new();
    ///
    /// let mut burst = POOL.try_get_burst::<32>();
    /// assert_eq!(burst.len(), 32);
    /// burst[0][0] = 1;
    /// drop(burst);
    /// assert_eq!(POOL.available(), 64);
    /// ```
    pub fn try_get_burst<const K: usize>(&self) -> Burst<&Self, K> {
        let mut taken = [0usize; K];
        let mut len = self.memory.ring().pop_bulk(&mut taken);
        // The ring ran dry: the hot slot may still hold one, and a single
        // get reports empty only when the whole pool was.
        while len < K {
            let Some(index) = hot::take_index(&self.hot, self.memory.ring()) else {
                break;
            };
            taken[len] = index;
            len += 1;
        }
        // Indices are below the capacity, which fits in `u32`.
        let indices = taken.map(|index| BufIndex::from_position(index).get());
        Burst::new(self, indices, len)
    }

    /// Returns many items in one call, in batches of 32 ring operations (the
    /// bulk counterpart of dropping each guard). Guards of another pool go
    /// back to their own pool.
    ///
    /// ```
    /// static POOL: iobuf::NanoPool<8> = iobuf::NanoPool::new();
    ///
    /// let held: Vec<_> = (0..8).map(|_| POOL.try_get().unwrap()).collect();
    /// POOL.put_bulk(held);
    /// assert_eq!(POOL.available(), 8);
    /// ```
    pub fn put_bulk<'a>(&'a self, guards: impl IntoIterator<Item = Guard<'a, Self>>) {
        guard::put_bulk(&self, guards)
    }

    /// Takes a free item, waiting as long as it takes: spins briefly, then
    /// calls [`DefaultAdapt`] (a thread yield with `std`) between attempts.
    /// Never call it where nothing else can return a buffer (an interrupt
    /// handler that preempted every holder), or it waits forever.
    ///
    /// ```
    /// static POOL: iobuf::NanoPool<1> = iobuf::NanoPool::new();
    ///
    /// std::thread::scope(|scope| {
    ///     let held = POOL.try_get().unwrap();
    ///     scope.spawn(move || drop(held));
    ///     let buf = POOL.get(); // waits until the other thread returns it
    ///     assert_eq!(buf.index().get(), 0);
    /// });
    /// ```
    pub fn get(&self) -> Guard<'_, Self> {
        guard::get_with(&self, &mut DefaultAdapt)
    }

    /// Like [`get`](Self::get), with your own [`Adapt`] strategy for the
    /// wait after the spin phase.
    ///
    /// ```
    /// static POOL: iobuf::NanoPool<1> = iobuf::NanoPool::new();
    ///
    /// let mut waits = 0;
    /// let buf = POOL.get_with(&mut || waits += 1);
    /// assert_eq!(waits, 0); // a buffer was free: no waiting
    /// # drop(buf);
    /// ```
    pub fn get_with(&self, adapt: &mut impl Adapt) -> Guard<'_, Self> {
        guard::get_with(&self, adapt)
    }

    /// Re-enters an index given up by [`Handle::into_raw`](crate::Handle::into_raw), after checking it:
    /// [`RawIndexError::OutOfRange`] if it is not below the capacity,
    /// [`RawIndexError::NotCheckedOut`] if that buffer is not out in raw form
    /// (free, held by a guard, or re-entered already). An error changes
    /// nothing.
    ///
    /// ```
    /// use iobuf::RawIndexError;
    ///
    /// static POOL: iobuf::NanoPool<2> = iobuf::NanoPool::new();
    ///
    /// let id = POOL.try_get().unwrap().into_raw();
    /// let buf = POOL.from_raw_checked(id).unwrap();
    /// assert_eq!(
    ///     POOL.from_raw_checked(id).unwrap_err(),
    ///     RawIndexError::NotCheckedOut { index: id }
    /// );
    /// drop(buf);
    /// assert_eq!(POOL.available(), 2);
    /// ```
    pub fn from_raw_checked(&self, index: BufIndex) -> Result<Guard<'_, Self>, RawIndexError> {
        guard::from_raw_checked(&self, index)
    }

    /// Re-enters an index given up by [`Handle::into_raw`](crate::Handle::into_raw), panicking
    /// where [`from_raw_checked`](Self::from_raw_checked) returns a typed
    /// error: a broken promise becomes a panic, not two owners of one
    /// buffer.
    ///
    /// # Panics
    ///
    /// If the buffer is not out in raw form (re-entered already, or never
    /// given up): a broken promise, caught before it can give one buffer two
    /// owners. An index beyond the capacity panics too.
    ///
    /// # Safety
    ///
    /// `index` must come from [`Handle::into_raw`](crate::Handle::into_raw) on this pool, and must not
    /// have been re-entered since.
    ///
    /// ```
    /// static POOL: iobuf::NanoPool<2> = iobuf::NanoPool::new();
    ///
    /// let id = POOL.try_get().unwrap().into_raw();
    /// // SAFETY: `id` came from `into_raw` on POOL and is re-entered once.
    /// let buf = unsafe { POOL.from_raw(id) };
    /// assert_eq!(buf.index(), id);
    /// ```
    pub unsafe fn from_raw(&self, index: BufIndex) -> Guard<'_, Self> {
        // SAFETY: forwarded from the caller.
        unsafe { guard::from_raw(&self, index) }
    }

    /// The address of item `index`, e.g. to program a DMA descriptor for a
    /// buffer handed out in raw form. Owning the buffer is up to you: the
    /// pointer grants nothing.
    ///
    /// ```
    /// static POOL: iobuf::SmallPool<4> = iobuf::SmallPool::new();
    ///
    /// let mut buf = POOL.try_get().unwrap();
    /// let address = POOL.item_ptr(buf.index()).unwrap();
    /// assert_eq!(address.as_ptr(), buf.as_mut_ptr());
    /// assert!(POOL.item_ptr(iobuf::BufIndex::new(4)).is_err());
    /// ```
    pub fn item_ptr(&self, index: BufIndex) -> Result<NonNull<M::Item>, RawIndexError> {
        guard::item_ptr(self, index)
    }

    /// How many items the pool has (`N` for a [`BoundedPool`]).
    ///
    /// ```
    /// static POOL: iobuf::SmallPool<1024> = iobuf::SmallPool::new();
    /// assert_eq!(POOL.capacity(), 1024);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.memory.ring().capacity()
    }

    /// Start of the array holding every item (`capacity() ·
    /// size_of::<M::Item>()` bytes; 64-byte aligned in a [`BoundedPool`],
    /// page-aligned in a runtime pool), e.g. to register the pool's buffers
    /// with io_uring as one region. Grants no access: items belong to their
    /// holders.
    ///
    /// ```
    /// static POOL: iobuf::SmallPool<4> = iobuf::SmallPool::new();
    ///
    /// let mut buf = POOL.try_get().unwrap();
    /// let offset = buf.as_mut_ptr() as usize - POOL.region_ptr() as usize;
    /// assert_eq!(offset, buf.index().as_usize() * iobuf::SMALL_SIZE);
    /// assert_eq!(POOL.region_len(), 4 * iobuf::SMALL_SIZE);
    /// ```
    pub fn region_ptr(&self) -> *mut u8 {
        self.memory.region_ptr()
    }

    /// Bytes of the item array: `capacity() · size_of::<M::Item>()`.
    ///
    /// ```
    /// static POOL: iobuf::PicoPool<3> = iobuf::PicoPool::new();
    /// assert_eq!(POOL.region_len(), 48);
    /// ```
    pub fn region_len(&self) -> usize {
        self.capacity() * size_of::<M::Item>()
    }

    /// A snapshot of the pool's counters.
    ///
    /// ```
    /// static POOL: iobuf::PicoPool<3> = iobuf::PicoPool::new();
    ///
    /// let held = POOL.try_get().unwrap();
    /// let stats = POOL.stats();
    /// assert_eq!((stats.capacity, stats.available, stats.in_use()), (3, 2, 1));
    /// # drop(held);
    /// ```
    pub fn stats(&self) -> PoolStats {
        PoolStats {
            capacity: self.capacity(),
            available: self.available(),
        }
    }

    /// How many items are free. Exact when no operation is under way;
    /// otherwise a snapshot that concurrent operations may already have
    /// changed.
    ///
    /// ```
    /// static POOL: iobuf::PicoPool<3> = iobuf::PicoPool::new();
    ///
    /// let held = POOL.try_get().unwrap();
    /// assert_eq!(POOL.available(), 2);
    /// # drop(held);
    /// ```
    pub fn available(&self) -> usize {
        hot::available(&self.hot, self.memory.ring())
    }
}

impl<T: ZeroInit, const N: usize> Pool<Inline<T, N>> {
    /// A full pool of `N` zeroed items, every one free. All zero bytes:
    /// as a `static` it lives in `.bss`.
    ///
    /// ```
    /// static POOL: iobuf::MediumPool<8> = iobuf::MediumPool::new();
    ///
    /// let buf = POOL.try_get().unwrap();
    /// assert!(buf.iter().all(|&byte| byte == 0));
    /// ```
    pub const fn new() -> Self {
        let () = Self::CAPACITY_IS_VALID;
        Self {
            hot: CachePadded::new(HotSlot::new()),
            memory: Inline {
                ring: Ring::full(),
                awaiting_fill: AtomicBool::new(false),
                items: Items([const { UnsafeCell::new(MaybeUninit::zeroed()) }; N]),
            },
        }
    }

    /// Makes `slot` a full pool of zeroed items, whatever bytes it held,
    /// and returns it: for a pool in memory that start-up code does not
    /// zero (an `.uninit` section, a DMA RAM region), which would otherwise
    /// start in a garbage state. Writes zeros over the whole pool (the
    /// all-free state is all zero bytes), so it costs one `memset` of the
    /// pool's size, once. The `&'static mut` is the proof that nothing
    /// else uses the memory; a pool in a `static mut` placed in such a
    /// section gives it out once, at start-up.
    ///
    /// ```
    /// use core::mem::MaybeUninit;
    ///
    /// // A section that start-up code leaves alone: the pool's bytes are
    /// // whatever the RAM held.
    /// #[unsafe(link_section = ".uninit.RX_POOL")]
    /// static mut RX_POOL: MaybeUninit<iobuf::NanoPool<4>> = MaybeUninit::uninit();
    ///
    /// fn start_up() -> &'static iobuf::NanoPool<4> {
    ///     // SAFETY: called once, before anything else touches RX_POOL.
    ///     let slot = unsafe { &mut *(&raw mut RX_POOL) };
    ///     # // SAFETY: this demonstration's garbage, written into the slot.
    ///     # unsafe { slot.as_mut_ptr().write_bytes(0xA5, 1) };
    ///     iobuf::NanoPool::init(slot)
    /// }
    ///
    /// let pool = start_up();
    /// assert_eq!(pool.available(), 4);
    /// assert!(pool.try_get().unwrap().iter().all(|&byte| byte == 0));
    /// ```
    pub fn init(slot: &'static mut MaybeUninit<Self>) -> &'static Self {
        let () = Self::CAPACITY_IS_VALID;
        // SAFETY: the slot is exclusively ours (`&'static mut`) and one
        // `Self` long; all-zero bytes are a valid, full pool (ring
        // invariant 4, the hot slot's invariant 2, `awaiting_fill` false,
        // and `T: ZeroInit` for the items), so after the write the slot is
        // initialised.
        unsafe {
            slot.as_mut_ptr().write_bytes(0, 1);
            slot.assume_init_ref()
        }
    }
}

impl<T: ZeroInit, const N: usize> Default for Pool<Inline<T, N>> {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: `item` points into `self.items`, which lives as long as the
// memory; distinct positions are distinct array elements; an item is
// initialised before its index first enters the ring (zeroed by `new`,
// written by `fill`), and only initialised items' indices ever enter it.
unsafe impl<T, const N: usize> Memory for Inline<T, N> {
    type Item = T;
    type Slots = [Slot; N];
    const NAME: &'static str = "BoundedPool";

    #[inline(always)]
    fn ring(&self) -> &Ring<[Slot; N]> {
        &self.ring
    }

    #[inline(always)]
    fn item(&self, index: usize) -> NonNull<T> {
        match self.items.0.get(index) {
            Some(item) => NonNull::from(item).cast(),
            None => out_of_range(),
        }
    }

    fn region_ptr(&self) -> *mut u8 {
        self.items.0.as_ptr().cast_mut().cast()
    }
}

impl<M: Memory> Home for &Pool<M> {
    type Pool = Pool<M>;
    const NAME: &'static str = "Burst";

    fn pool(&self) -> &Pool<M> {
        self
    }

    /// Returns the burst's buffers to the ring in bulk, in batches of up to
    /// 32 indices.
    fn take_back(&self, indices: &[u32]) {
        for chunk in indices.chunks(BURST_BATCH) {
            let mut batch = [0usize; BURST_BATCH];
            for (slot, &index) in batch.iter_mut().zip(chunk) {
                *slot = BufIndex::new(index).as_usize();
            }
            self.memory.ring().push_bulk(&batch[..chunk.len()]);
        }
    }
}

/// How many indices a burst returns per ring call.
const BURST_BATCH: usize = 32;

// SAFETY: forwarded from `M`'s `Memory` contract, which is the same.
unsafe impl<M: Memory> Storage for Pool<M> {
    type Item = M::Item;
    type Slots = M::Slots;

    #[inline(always)]
    fn ring(&self) -> &Ring<M::Slots> {
        self.memory.ring()
    }

    #[inline(always)]
    fn hot(&self) -> &HotSlot {
        &self.hot
    }

    #[inline(always)]
    fn item(&self, index: usize) -> NonNull<M::Item> {
        self.memory.item(index)
    }
}

impl<M: Memory> Drop for Pool<M> {
    /// Drops the free items. No guard can outlive the pool; items still out
    /// in raw form are leaked, not dropped.
    fn drop(&mut self) {
        if core::mem::needs_drop::<M::Item>() {
            while let Some(position) = hot::take_index(&self.hot, self.memory.ring()) {
                // SAFETY: `position` came out of the hot slot or the ring, so
                // its item is initialised and owned by nobody else; it is
                // dropped once.
                unsafe { self.memory.item(position).as_ptr().drop_in_place() };
            }
        }
    }
}

impl<M: Memory> fmt::Debug for Pool<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(M::NAME)
            .field("capacity", &self.capacity())
            .field("available", &self.available())
            .finish()
    }
}
