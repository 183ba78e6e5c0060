//! Pools sized at run time: one page-aligned region of buffers per pool,
//! driven by the same ring and handles as the static pools.
//!
//! A server that wants 100 000 buffers of 4 KiB should not need a 400 MiB
//! `static`. [`RuntimePool`] maps its buffers as one [`AlignedMem`] region
//! (zeroed by the kernel, page-aligned, huge pages on request) and keeps the
//! ring of free indices on the heap. Taking and returning buffers is the
//! same lock-free code as [`BoundedPool`](crate::BoundedPool)'s.

use super::{AlignedMem, MemError, MemOptions, Pages, page_size};
use crate::backoff::DefaultAdapt;
use crate::guard::{self, Handle};
use crate::pool::{Memory, Pool, sealed::Sealed};
use crate::ring::{MAX_CAPACITY, Ring, Slot};
use crate::{BufIndex, PoolEmpty, RawIndexError, ZeroInit};
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
#[non_exhaustive]
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
pub type RuntimePool<T> = Pool<Mapped<T>>;

/// The memory of a [`RuntimePool`]: `capacity` items of `T` back to back in
/// one page-aligned `mmap` region, and the ring of the free ones' indices
/// on the heap. Built only by the pool's constructors.
pub struct Mapped<T> {
    ring: Box<Ring<[Slot]>>,
    /// `capacity` items of `T`, back to back; never dereferenced as a whole
    /// (guards hold `&mut` into it).
    region: AlignedMem,
    _items: PhantomData<T>,
}

impl<T> Sealed for Mapped<T> {}

// SAFETY: `item` points into `region`, which holds `capacity` items of `T`
// back to back, is aligned for `T`, lives as long as the memory and is never
// moved (an mmap region); distinct indices are disjoint items; the region is
// zero-filled by the kernel and `T: ZeroInit` for every constructor, so every
// item is initialised.
unsafe impl<T> Memory for Mapped<T> {
    type Item = T;
    type Slots = [Slot];
    const NAME: &'static str = "RuntimePool";

    #[inline(always)]
    fn ring(&self) -> &Ring<[Slot]> {
        &self.ring
    }

    #[inline(always)]
    fn item(&self, index: usize) -> NonNull<T> {
        // SAFETY: `index < capacity` (trait contract), so the offset stays
        // inside the region, which does not start at address zero.
        unsafe { NonNull::new_unchecked(self.region.as_ptr().cast::<T>().add(index)) }
    }

    fn region_ptr(&self) -> *mut u8 {
        self.region.as_ptr()
    }
}

impl<T: ZeroInit> Pool<Mapped<T>> {
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
        Ok(Self::with_memory(Mapped {
            ring,
            region,
            _items: PhantomData,
        }))
    }
}

impl<T> Pool<Mapped<T>> {
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

    /// Which pages back the region (the outcome of a huge-page request).
    ///
    /// ```
    /// let pool = iobuf::sys::RuntimePool::<iobuf::PicoBuffer>::new(3)?;
    /// assert_eq!(pool.pages(), iobuf::sys::Pages::Normal);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn pages(&self) -> Pages {
        self.memory().region.pages()
    }
}
