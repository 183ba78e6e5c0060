//! Pools sized at run time: one page-aligned region of buffers per pool,
//! driven by the same ring and handles as the static pools.
//!
//! A server that wants 100 000 buffers of 4 KiB should not need a 400 MiB
//! `static`. [`RuntimePool`] maps its buffers as one [`AlignedMem`] region
//! (zeroed by the kernel, page-aligned, huge pages on request) and keeps the
//! ring of free indices on the heap. Taking and returning buffers is the
//! same lock-free code as [`BoundedPool`](crate::BoundedPool)'s.

use super::{AlignedMem, MemError, MemOptions, Pages, page_size};
use crate::backoff::{Adapt, DefaultAdapt};
use crate::cache_padded::CachePadded;
use crate::guard::{self, Guard, Handle, sealed::Storage};
use crate::hot::{self, HotSlot};
use crate::ring::{MAX_CAPACITY, Ring, Slot};
use crate::{BufIndex, PoolEmpty, PoolStats, RawIndexError, ZeroInit};
use std::boxed::Box;
use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::Arc;

/// A buffer checked out of a shared [`RuntimePool`], keeping the pool alive:
/// `'static`, `Send`, and its buffer never moves, so it can back an async
/// runtime's owned-buffer traits or outlive the scope that took it.
///
/// ```
/// use std::sync::Arc;
/// use iobuf::{MediumBuffer, sys::{OwnedGuard, RuntimePool}};
///
/// let pool = Arc::new(RuntimePool::<MediumBuffer>::new(8)?);
/// let mut buf: OwnedGuard<MediumBuffer> = pool.try_get_owned()?;
/// let worker = std::thread::spawn(move || {
///     buf[0] = 1;
///     buf.index()
/// });
/// worker.join().unwrap();
/// assert_eq!(pool.available(), 8);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type OwnedGuard<T> = Handle<Arc<RuntimePool<T>>>;

/// A runtime pool cannot be made.
///
/// ```
/// use iobuf::{SmallBuffer, sys::{PoolError, RuntimePool}};
///
/// let error = RuntimePool::<SmallBuffer>::new(0).unwrap_err();
/// assert!(matches!(error, PoolError::Capacity { capacity: 0 }));
/// println!("{error}");
/// ```
#[derive(Debug)]
pub enum PoolError {
    /// The capacity is zero or above [`MAX_CAPACITY`](crate::MAX_CAPACITY),
    /// or `capacity · size_of::<T>()` overflows `usize`. (Buffers that fit
    /// in `usize` but not in memory are a [`Memory`](Self::Memory) error.)
    Capacity {
        /// The capacity asked for.
        capacity: usize,
    },
    /// The OS refused the memory: the buffers' region, or the ring of free
    /// indices (reported as `MemError::Map` with `ENOMEM`).
    Memory(MemError),
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Capacity { capacity } => write!(
                f,
                "a pool of {capacity} buffers is not possible (1 to {MAX_CAPACITY}, \
                 and the bytes must fit in usize)"
            ),
            Self::Memory(error) => write!(f, "no memory for the pool: {error}"),
        }
    }
}

impl std::error::Error for PoolError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Memory(error) => Some(error),
            Self::Capacity { .. } => None,
        }
    }
}

impl From<MemError> for PoolError {
    fn from(error: MemError) -> Self {
        Self::Memory(error)
    }
}

/// A bounded, lock-free pool of zero-initialised items whose capacity is
/// chosen at run time. `Send + Sync`; share it by reference or in an `Arc`.
///
/// ```
/// use iobuf::{MediumBuffer, sys::RuntimePool};
///
/// let pool = RuntimePool::<MediumBuffer>::new(100_000)?; // 400 MiB, mapped lazily
/// let mut buf = pool.try_get()?;
/// buf[..4].copy_from_slice(b"page");
/// assert_eq!(buf.as_ptr() as usize % 4096, 0); // 4 KiB buffers are page-aligned
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RuntimePool<T> {
    ring: Box<Ring<[Slot]>>,
    /// The hot slots, which keep the free index returned last (see the
    /// `hot` module); in the pool itself, beside the ring's pointer.
    hot: CachePadded<HotSlot>,
    /// `capacity` items of `T`, back to back; never dereferenced as a whole
    /// (guards hold `&mut` into it).
    region: AlignedMem,
    _items: PhantomData<T>,
}

// SAFETY: as for `BoundedPool`: items go to one owner at a time, ordered by
// the ring's acquire/release operations, so sharing the pool only sends
// items between threads.
unsafe impl<T: Send> Sync for RuntimePool<T> {}

impl<T: ZeroInit> RuntimePool<T> {
    /// A full pool of `capacity` zeroed items on normal pages.
    ///
    /// ```
    /// use iobuf::{SmallBuffer, sys::{PoolError, RuntimePool}};
    ///
    /// assert!(RuntimePool::<SmallBuffer>::new(1024).is_ok());
    /// assert!(matches!(
    ///     RuntimePool::<SmallBuffer>::new(0),
    ///     Err(PoolError::Capacity { capacity: 0 })
    /// ));
    /// ```
    pub fn new(capacity: usize) -> Result<Self, PoolError> {
        Self::with_options(capacity, MemOptions::new())
    }

    /// A full pool of `capacity` zeroed items in memory mapped as
    /// `options` ask (huge pages, populate, lock).
    ///
    /// ```
    /// # if cfg!(miri) { return Ok(()); } // Miri models plain anonymous mmap only
    /// use iobuf::{HugeBuffer, sys::{MemOptions, RuntimePool}};
    ///
    /// let pool = RuntimePool::<HugeBuffer>::with_options(32, MemOptions::new().huge_pages(true))?;
    /// println!("2 MiB of 64 KiB buffers on {:?} pages", pool.pages());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_options(capacity: usize, options: MemOptions) -> Result<Self, PoolError> {
        let bytes = capacity
            .checked_mul(size_of::<T>())
            .filter(|_| (1..=MAX_CAPACITY).contains(&capacity))
            .ok_or(PoolError::Capacity { capacity })?;
        // The caller's alignment, raised to what `T` and the OS need (an
        // invalid one is passed on unchanged for `AlignedMem` to report).
        let floor = align_of::<T>().max(page_size());
        let alignment = match options.requested_alignment() {
            Some(asked) if !asked.is_power_of_two() => asked,
            asked => asked.unwrap_or(floor).max(floor),
        };
        let region = AlignedMem::with_options(bytes.max(1), options.alignment(alignment))?;
        let ring = Ring::boxed_full(capacity).ok_or(PoolError::Memory(MemError::Map(
            std::io::Error::from_raw_os_error(libc::ENOMEM),
        )))?;
        Ok(Self {
            ring,
            hot: CachePadded::new(HotSlot::new()),
            region,
            _items: PhantomData,
        })
    }
}

impl<T> RuntimePool<T> {
    /// Takes a free item, never blocking; [`PoolEmpty`] when all are out.
    ///
    /// ```
    /// let pool = iobuf::sys::RuntimePool::<iobuf::NanoBuffer>::new(1)?;
    /// let held = pool.try_get()?;
    /// assert!(pool.try_get().is_err());
    /// # drop(held);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn try_get(&self) -> Result<Guard<'_, Self>, PoolEmpty> {
        guard::try_get(&self)
    }

    /// Takes up to `K` free items in one call; see
    /// [`BoundedPool::try_get_bulk`](crate::BoundedPool::try_get_bulk).
    ///
    /// ```
    /// let pool = iobuf::sys::RuntimePool::<iobuf::SmallBuffer>::new(40)?;
    /// let burst = pool.try_get_bulk::<32>();
    /// assert_eq!(burst.len(), 32);
    /// pool.put_bulk(burst);
    /// assert_eq!(pool.available(), 40);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_get_bulk<const K: usize>(&self) -> heapless::Vec<Guard<'_, Self>, K> {
        guard::try_get_bulk(&self)
    }

    /// Returns many items in one call; see
    /// [`BoundedPool::put_bulk`](crate::BoundedPool::put_bulk).
    ///
    /// ```
    /// let pool = iobuf::sys::RuntimePool::<iobuf::SmallBuffer>::new(4)?;
    /// let held = vec![pool.try_get()?, pool.try_get()?];
    /// pool.put_bulk(held);
    /// assert_eq!(pool.available(), 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn put_bulk<'a>(&'a self, guards: impl IntoIterator<Item = Guard<'a, Self>>) {
        guard::put_bulk(&self, guards)
    }

    /// Takes a free item, spinning and then yielding until one is free.
    ///
    /// ```
    /// let pool = iobuf::sys::RuntimePool::<iobuf::NanoBuffer>::new(1)?;
    /// assert_eq!(pool.get().index().get(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get(&self) -> Guard<'_, Self> {
        guard::get_with(&self, &mut DefaultAdapt)
    }

    /// Like [`get`](Self::get) with your own [`Adapt`] strategy.
    ///
    /// ```
    /// let pool = iobuf::sys::RuntimePool::<iobuf::NanoBuffer>::new(1)?;
    /// let buf = pool.get_with(&mut || std::thread::sleep(std::time::Duration::from_micros(50)));
    /// # drop(buf);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_with(&self, adapt: &mut impl Adapt) -> Guard<'_, Self> {
        guard::get_with(&self, adapt)
    }

    /// Takes a free item as an [`OwnedGuard`], which keeps the pool alive.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let pool = Arc::new(iobuf::sys::RuntimePool::<iobuf::SmallBuffer>::new(2)?);
    /// let buf = pool.try_get_owned()?;
    /// drop(pool); // the guard still keeps the pool alive
    /// assert_eq!(buf.len(), 1024);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_get_owned(self: &Arc<Self>) -> Result<OwnedGuard<T>, PoolEmpty> {
        guard::try_get(self)
    }

    /// Takes a free item as an [`OwnedGuard`], waiting like
    /// [`get`](Self::get).
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let pool = Arc::new(iobuf::sys::RuntimePool::<iobuf::SmallBuffer>::new(2)?);
    /// let buf = pool.get_owned();
    /// assert_eq!(pool.available(), 1);
    /// # drop(buf);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_owned(self: &Arc<Self>) -> OwnedGuard<T> {
        guard::get_with(self, &mut DefaultAdapt)
    }

    /// Re-enters an index given up by [`Handle::into_raw`], after checking
    /// it; errors change nothing (see
    /// [`BoundedPool::from_raw_checked`](crate::BoundedPool::from_raw_checked)).
    ///
    /// ```
    /// let pool = iobuf::sys::RuntimePool::<iobuf::SmallBuffer>::new(4)?;
    /// let id = pool.try_get()?.into_raw();
    /// let buf = pool.from_raw_checked(id)?;
    /// assert!(pool.from_raw_checked(id).is_err());
    /// # drop(buf);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_raw_checked(&self, index: BufIndex) -> Result<Guard<'_, Self>, RawIndexError> {
        guard::from_raw_checked(&self, index)
    }

    /// Re-enters a raw index as an [`OwnedGuard`], after checking it.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let pool = Arc::new(iobuf::sys::RuntimePool::<iobuf::SmallBuffer>::new(4)?);
    /// let id = pool.try_get_owned()?.into_raw(); // e.g. an io_uring user_data
    /// let buf = pool.from_raw_checked_owned(id)?;
    /// assert_eq!(buf.index(), id);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_raw_checked_owned(
        self: &Arc<Self>,
        index: BufIndex,
    ) -> Result<OwnedGuard<T>, RawIndexError> {
        guard::from_raw_checked(self, index)
    }

    /// Re-enters a raw index, panicking where
    /// [`from_raw_checked`](Self::from_raw_checked) returns a typed error.
    ///
    /// # Panics
    ///
    /// As [`BoundedPool::from_raw`](crate::BoundedPool::from_raw): if the
    /// buffer is not out in raw form, or the index is beyond the capacity.
    ///
    /// # Safety
    ///
    /// `index` must come from [`Handle::into_raw`] on this pool, and must not
    /// have been re-entered since.
    ///
    /// ```
    /// let pool = iobuf::sys::RuntimePool::<iobuf::SmallBuffer>::new(4)?;
    /// let id = pool.try_get()?.into_raw();
    /// // SAFETY: `id` came from `into_raw` on this pool and is re-entered once.
    /// let buf = unsafe { pool.from_raw(id) };
    /// # drop(buf);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub unsafe fn from_raw(&self, index: BufIndex) -> Guard<'_, Self> {
        // SAFETY: forwarded from the caller.
        unsafe { guard::from_raw(&self, index) }
    }

    /// The address of item `index` (for descriptors; grants nothing).
    ///
    /// ```
    /// let pool = iobuf::sys::RuntimePool::<iobuf::SmallBuffer>::new(4)?;
    /// let address = pool.item_ptr(iobuf::BufIndex::new(1))?;
    /// assert_eq!(address.as_ptr() as usize - pool.region_ptr() as usize, 1024);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn item_ptr(&self, index: BufIndex) -> Result<NonNull<T>, RawIndexError> {
        guard::item_ptr(self, index)
    }

    /// How many items the pool has.
    ///
    /// ```
    /// let pool = iobuf::sys::RuntimePool::<iobuf::SmallBuffer>::new(300)?;
    /// assert_eq!(pool.capacity(), 300);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    /// How many items are free (a snapshot while others operate).
    ///
    /// ```
    /// let pool = iobuf::sys::RuntimePool::<iobuf::SmallBuffer>::new(3)?;
    /// let held = pool.try_get()?;
    /// assert_eq!(pool.available(), 2);
    /// # drop(held);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn available(&self) -> usize {
        hot::available(&self.hot, &self.ring)
    }

    /// A snapshot of the pool's counters.
    ///
    /// ```
    /// let pool = iobuf::sys::RuntimePool::<iobuf::SmallBuffer>::new(3)?;
    /// assert_eq!(pool.stats().in_use(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stats(&self) -> PoolStats {
        PoolStats {
            capacity: self.capacity(),
            available: self.available(),
        }
    }

    /// Start of the region holding every item: page-aligned, `capacity ·
    /// size_of::<T>()` bytes (e.g. to register with io_uring). Grants no
    /// access: the items belong to their holders.
    ///
    /// ```
    /// let pool = iobuf::sys::RuntimePool::<iobuf::SmallBuffer>::new(8)?;
    /// assert_eq!(pool.region_ptr() as usize % iobuf::sys::page_size(), 0);
    /// assert_eq!(pool.region_len(), 8 * 1024);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn region_ptr(&self) -> *mut u8 {
        self.region.as_ptr()
    }

    /// Bytes of the region: `capacity · size_of::<T>()`.
    ///
    /// ```
    /// let pool = iobuf::sys::RuntimePool::<iobuf::PicoBuffer>::new(3)?;
    /// assert_eq!(pool.region_len(), 48);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn region_len(&self) -> usize {
        self.capacity() * size_of::<T>()
    }

    /// Which pages back the region (the outcome of a huge-page request).
    ///
    /// ```
    /// let pool = iobuf::sys::RuntimePool::<iobuf::PicoBuffer>::new(3)?;
    /// assert_eq!(pool.pages(), iobuf::sys::Pages::Normal);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn pages(&self) -> Pages {
        self.region.pages()
    }
}

// SAFETY: `item` points into `region`, which holds `capacity` items of `T`
// back to back, is aligned for `T`, lives as long as the pool and is never
// moved (an mmap region); distinct indices are disjoint items; the region is
// zero-filled by the kernel and `T: ZeroInit` for every constructor, so every
// item is initialised.
unsafe impl<T> Storage for RuntimePool<T> {
    type Item = T;

    type Slots = [Slot];

    #[inline(always)]
    fn ring(&self) -> &Ring<[Slot]> {
        &self.ring
    }

    #[inline]
    fn hot(&self) -> &HotSlot {
        &self.hot
    }

    #[inline]
    fn item(&self, index: usize) -> NonNull<T> {
        // SAFETY: `index < capacity` (trait contract), so the offset stays
        // inside the region, which does not start at address zero.
        unsafe { NonNull::new_unchecked(self.region.as_ptr().cast::<T>().add(index)) }
    }
}

impl<T> Drop for RuntimePool<T> {
    /// Drops the free items (none of the zero-initialised item types needs
    /// it today); items out in raw form are leaked; then the region is
    /// unmapped.
    fn drop(&mut self) {
        if std::mem::needs_drop::<T>() {
            while let Some(position) = hot::take_index(&self.hot, &self.ring) {
                // SAFETY: taken, so initialised and owned by nobody else.
                unsafe { self.item(position).as_ptr().drop_in_place() };
            }
        }
    }
}

impl<T> fmt::Debug for RuntimePool<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimePool")
            .field("capacity", &self.capacity())
            .field("available", &self.available())
            .field("pages", &self.pages())
            .finish()
    }
}
