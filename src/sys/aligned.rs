//! Page-aligned memory straight from the kernel (anonymous `mmap`).
//!
//! The kernel wants page-aligned memory for `O_DIRECT`, for io_uring buffer
//! registration (anonymous memory only) and for DMA. [`AlignedMem`] owns
//! such a mapping, unmaps it on drop and derefs to its bytes. It starts
//! zeroed. Options ask for huge pages, pre-faulting and locking; what the
//! kernel actually gave is reported ([`AlignedMem::pages`]), never guessed.
//!
//! Huge pages: with [`MemOptions::huge_pages`] the mapping is first tried
//! with `MAP_HUGETLB`, which needs pages reserved in
//! `/proc/sys/vm/nr_hugepages`. When that fails, the mapping falls back to
//! normal pages plus `madvise(MADV_HUGEPAGE)` (transparent huge pages), and
//! [`AlignedMem::pages`] says which of the three outcomes you got.

use std::fmt;
use std::io;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The size of an explicitly reserved huge page on the platforms this
/// crate maps them on (x86-64 and AArch64 with 4 KiB base pages).
///
/// ```
/// # if cfg!(miri) { return Ok(()); } // Miri models plain anonymous mmap only
/// use iobuf::sys::{AlignedMem, MemOptions, HUGE_PAGE_SIZE};
///
/// let mem = AlignedMem::with_options(1, MemOptions::new().huge_pages(true))?;
/// assert_eq!(mem.mapped_len(), HUGE_PAGE_SIZE); // rounded up to a huge page
/// # Ok::<(), iobuf::sys::MemError>(())
/// ```
pub const HUGE_PAGE_SIZE: usize = 2 * 1024 * 1024;

/// The operating system's page size (`sysconf(_SC_PAGESIZE)`), read once.
///
/// ```
/// let page = iobuf::sys::page_size();
/// assert!(page.is_power_of_two() && page >= 4096);
/// ```
pub fn page_size() -> usize {
    static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);
    match PAGE_SIZE.load(Ordering::Relaxed) {
        0 => {
            // SAFETY: sysconf has no memory-safety preconditions.
            let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
            // POSIX requires _SC_PAGESIZE; 4096 is only a guard against a
            // broken libc, never the normal path.
            let size = usize::try_from(size)
                .ok()
                .filter(|s| s.is_power_of_two())
                .unwrap_or(4096);
            PAGE_SIZE.store(size, Ordering::Relaxed);
            size
        }
        size => size,
    }
}

/// What to ask of the kernel besides the memory itself.
///
/// ```
/// # if cfg!(miri) { return Ok(()); } // Miri models plain anonymous mmap only
/// use iobuf::sys::{AlignedMem, MemOptions};
///
/// let options = MemOptions::new().populate(true);
/// let mem = AlignedMem::with_options(1 << 16, options)?;
/// assert_eq!(mem.len(), 1 << 16);
/// # Ok::<(), iobuf::sys::MemError>(())
/// ```
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct MemOptions {
    huge_pages: bool,
    populate: bool,
    lock: bool,
    alignment: Option<usize>,
}

impl MemOptions {
    /// Normal pages, faulted in on first touch, not locked, page-aligned.
    ///
    /// ```
    /// assert_eq!(iobuf::sys::MemOptions::new(), Default::default());
    /// ```
    pub const fn new() -> Self {
        Self {
            huge_pages: false,
            populate: false,
            lock: false,
            alignment: None,
        }
    }

    /// Try `MAP_HUGETLB` first, then transparent huge pages (see the module
    /// docs); the size is rounded up to [`HUGE_PAGE_SIZE`].
    ///
    /// ```
    /// # if cfg!(miri) { return Ok(()); } // Miri models plain anonymous mmap only
    /// use iobuf::sys::{AlignedMem, MemOptions, Pages};
    ///
    /// let mem = AlignedMem::with_options(1 << 20, MemOptions::new().huge_pages(true))?;
    /// // Which one depends on the machine; each is reported, none silently.
    /// assert!(matches!(mem.pages(), Pages::HugeTlb | Pages::TransparentHuge | Pages::Normal));
    /// # Ok::<(), iobuf::sys::MemError>(())
    /// ```
    pub const fn huge_pages(mut self, yes: bool) -> Self {
        self.huge_pages = yes;
        self
    }

    /// Fault every page in now (`MAP_POPULATE`), not on first touch.
    ///
    /// ```
    /// let options = iobuf::sys::MemOptions::new().populate(true);
    /// # let _ = options;
    /// ```
    pub const fn populate(mut self, yes: bool) -> Self {
        self.populate = yes;
        self
    }

    /// Lock the pages in RAM (`mlock`): counted against `RLIMIT_MEMLOCK`
    /// (`ulimit -l`) unless the process has `CAP_IPC_LOCK`.
    ///
    /// ```
    /// let options = iobuf::sys::MemOptions::new().lock(true);
    /// # let _ = options;
    /// ```
    pub const fn lock(mut self, yes: bool) -> Self {
        self.lock = yes;
        self
    }

    /// Align the start to `alignment` bytes instead of one page; a power of
    /// two, at least the OS page size.
    ///
    /// ```
    /// # if cfg!(miri) { return Ok(()); } // Miri models plain anonymous mmap only
    /// use iobuf::sys::{AlignedMem, MemOptions};
    ///
    /// let mem = AlignedMem::with_options(4096, MemOptions::new().alignment(1 << 21))?;
    /// assert_eq!(mem.as_ptr() as usize % (1 << 21), 0);
    /// # Ok::<(), iobuf::sys::MemError>(())
    /// ```
    pub const fn alignment(mut self, alignment: usize) -> Self {
        self.alignment = Some(alignment);
        self
    }

    /// The alignment set with [`alignment`](Self::alignment), if any.
    pub(crate) const fn requested_alignment(&self) -> Option<usize> {
        self.alignment
    }
}

/// Which pages back an [`AlignedMem`].
///
/// ```
/// # if cfg!(miri) { return Ok(()); } // Miri models plain anonymous mmap only
/// use iobuf::sys::{AlignedMem, MemOptions, Pages};
///
/// let mem = AlignedMem::with_options(1 << 21, MemOptions::new().huge_pages(true))?;
/// match mem.pages() {
///     Pages::HugeTlb => println!("reserved huge pages"),
///     Pages::TransparentHuge => println!("none reserved: transparent huge pages advised"),
///     Pages::Normal => println!("normal pages only"),
/// }
/// # Ok::<(), iobuf::sys::MemError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Pages {
    /// Normal pages (huge pages were not asked for, or both ways failed).
    Normal,
    /// Explicit huge pages from the reserved pool (`MAP_HUGETLB`).
    HugeTlb,
    /// Normal pages that the kernel accepted to back with transparent huge
    /// pages (`MADV_HUGEPAGE`); the kernel decides when it actually does.
    TransparentHuge,
}

/// Memory could not be had. Nothing is left mapped after an error.
///
/// ```
/// # if cfg!(miri) { return; } // Miri models plain anonymous mmap only
/// use iobuf::sys::{AlignedMem, MemError};
///
/// match AlignedMem::new(1 << 46) {
///     Err(MemError::Map(os)) => println!("the kernel said no: {os}"),
///     Err(other) => println!("{other}"),
///     Ok(_) => println!("a 64 TiB mapping was granted"),
/// }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum MemError {
    /// The size is zero, or too large to round up to whole pages.
    InvalidSize {
        /// The size asked for.
        size: usize,
    },
    /// The alignment is not a power of two, or smaller than an OS page.
    InvalidAlignment {
        /// The alignment asked for.
        alignment: usize,
        /// The OS page size.
        page_size: usize,
    },
    /// `mmap` refused: `ENOMEM` (no memory or address space, or an
    /// overcommit limit), `EINVAL`, `EPERM`, …
    Map(io::Error),
    /// `mlock` refused: `ENOMEM`/`EAGAIN` above `RLIMIT_MEMLOCK`, `EPERM`.
    Lock(io::Error),
}

impl fmt::Display for MemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidSize { size } => write!(f, "cannot map {size} bytes"),
            Self::InvalidAlignment {
                alignment,
                page_size,
            } => write!(
                f,
                "alignment {alignment} is not a power of two of at least the page size {page_size}"
            ),
            Self::Map(error) => write!(f, "mmap failed: {error}"),
            Self::Lock(error) => write!(f, "mlock failed: {error}"),
        }
    }
}

impl std::error::Error for MemError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Map(error) | Self::Lock(error) => Some(error),
            _ => None,
        }
    }
}

/// An owned, zeroed, page-aligned anonymous mapping; unmapped on drop.
///
/// ```
/// use iobuf::sys::AlignedMem;
///
/// let mut mem = AlignedMem::new(10_000)?;
/// assert_eq!(mem.as_ptr() as usize % iobuf::sys::page_size(), 0);
/// assert!(mem.iter().all(|&b| b == 0));
/// mem[9_999] = 1;
/// # Ok::<(), iobuf::sys::MemError>(())
/// ```
pub struct AlignedMem {
    /// Start of the bytes handed out (aligned as asked).
    ptr: NonNull<u8>,
    /// Bytes handed out.
    len: usize,
    /// Bytes mapped from `ptr` (whole pages, at least `len`).
    mapped: usize,
    pages: Pages,
    locked: bool,
}

// SAFETY: `AlignedMem` owns its mapping exclusively, like a `Box<[u8]>`.
unsafe impl Send for AlignedMem {}
// SAFETY: shared access only reads (`&[u8]`), like a `Box<[u8]>`.
unsafe impl Sync for AlignedMem {}

impl AlignedMem {
    /// `size` zeroed bytes on normal pages, page-aligned.
    ///
    /// ```
    /// let mem = iobuf::sys::AlignedMem::new(1)?;
    /// assert_eq!(mem.len(), 1);
    /// # Ok::<(), iobuf::sys::MemError>(())
    /// ```
    pub fn new(size: usize) -> Result<Self, MemError> {
        Self::with_options(size, MemOptions::new())
    }

    /// `size` zeroed bytes mapped as `options` ask.
    ///
    /// ```
    /// # if cfg!(miri) { return; } // Miri models plain anonymous mmap only
    /// use iobuf::sys::{AlignedMem, MemError, MemOptions};
    ///
    /// assert!(matches!(AlignedMem::new(0), Err(MemError::InvalidSize { size: 0 })));
    /// let mem = AlignedMem::with_options(4096, MemOptions::new().lock(true));
    /// // Locking may be refused (ulimit -l); the error says so.
    /// assert!(matches!(mem, Ok(_) | Err(MemError::Lock(_))));
    /// ```
    pub fn with_options(size: usize, options: MemOptions) -> Result<Self, MemError> {
        let page = page_size();
        let alignment = options.alignment.unwrap_or(page);
        if !alignment.is_power_of_two() || alignment < page {
            return Err(MemError::InvalidAlignment {
                alignment,
                page_size: page,
            });
        }
        let granule = if options.huge_pages {
            HUGE_PAGE_SIZE.max(page)
        } else {
            page
        };
        // Slices and pointer offsets must stay below `isize::MAX` bytes
        // (only reachable on 32-bit targets).
        let mapped = round_up(size, granule)
            .filter(|&mapped| mapped <= isize::MAX as usize)
            .ok_or(MemError::InvalidSize { size })?;
        let mut mem = if options.huge_pages {
            map_huge(size, mapped, alignment, options.populate)?
        } else {
            map(size, mapped, alignment, 0, options.populate).map_err(MemError::Map)?
        };
        if options.lock {
            // SAFETY: the range is this object's own live mapping.
            if unsafe { libc::mlock(mem.ptr.as_ptr().cast(), mem.mapped) } != 0 {
                return Err(MemError::Lock(io::Error::last_os_error()));
            }
            mem.locked = true;
        }
        Ok(mem)
    }

    /// The first byte; aligned as asked (a page by default).
    ///
    /// ```
    /// let mem = iobuf::sys::AlignedMem::new(64)?;
    /// assert!(!mem.as_ptr().is_null());
    /// # Ok::<(), iobuf::sys::MemError>(())
    /// ```
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// Which pages back the memory: the outcome of
    /// [`MemOptions::huge_pages`].
    ///
    /// ```
    /// let mem = iobuf::sys::AlignedMem::new(64)?;
    /// assert_eq!(mem.pages(), iobuf::sys::Pages::Normal);
    /// # Ok::<(), iobuf::sys::MemError>(())
    /// ```
    pub fn pages(&self) -> Pages {
        self.pages
    }

    /// Whether the pages are locked in RAM.
    ///
    /// ```
    /// let mem = iobuf::sys::AlignedMem::new(64)?;
    /// assert!(!mem.is_locked());
    /// # Ok::<(), iobuf::sys::MemError>(())
    /// ```
    pub fn is_locked(&self) -> bool {
        self.locked
    }

    /// Bytes actually mapped: the size rounded up to whole (huge) pages.
    ///
    /// ```
    /// let mem = iobuf::sys::AlignedMem::new(1)?;
    /// assert_eq!(mem.mapped_len(), iobuf::sys::page_size());
    /// # Ok::<(), iobuf::sys::MemError>(())
    /// ```
    pub fn mapped_len(&self) -> usize {
        self.mapped
    }
}

impl Deref for AlignedMem {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // SAFETY: `ptr` starts `len` mapped, zero-initialised bytes that this
        // object owns until drop.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl DerefMut for AlignedMem {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `deref`, and `&mut self` makes this the only access.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for AlignedMem {
    fn drop(&mut self) {
        // SAFETY: the range is exactly what `map` mapped and trimmed, and it
        // is unmapped once. munmap also releases an mlock.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.mapped) };
    }
}

impl fmt::Debug for AlignedMem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlignedMem")
            .field("ptr", &self.ptr)
            .field("len", &self.len)
            .field("mapped", &self.mapped)
            .field("pages", &self.pages)
            .field("locked", &self.locked)
            .finish()
    }
}

fn round_up(size: usize, granule: usize) -> Option<usize> {
    if size == 0 {
        return None;
    }
    size.checked_next_multiple_of(granule)
}

/// Tries `MAP_HUGETLB`, then normal pages advised to be transparent huge
/// pages.
fn map_huge(
    size: usize,
    mapped: usize,
    alignment: usize,
    populate: bool,
) -> Result<AlignedMem, MemError> {
    #[cfg(target_os = "linux")]
    if let Ok(mut mem) = map(
        size,
        mapped,
        alignment,
        libc::MAP_HUGETLB | libc::MAP_HUGE_2MB,
        populate,
    ) {
        mem.pages = Pages::HugeTlb;
        return Ok(mem);
    }
    // Transparent huge pages can only back 2 MiB-aligned ranges.
    let mut mem =
        map(size, mapped, alignment.max(HUGE_PAGE_SIZE), 0, populate).map_err(MemError::Map)?;
    #[cfg(target_os = "linux")]
    {
        // SAFETY: advice on this object's own live mapping.
        let advised =
            unsafe { libc::madvise(mem.ptr.as_ptr().cast(), mem.mapped, libc::MADV_HUGEPAGE) };
        if advised == 0 {
            mem.pages = Pages::TransparentHuge;
        }
    }
    Ok(mem)
}

/// Maps `mapped` bytes aligned to `alignment`, over-mapping by the
/// alignment and trimming both ends when it exceeds a page.
fn map(
    size: usize,
    mapped: usize,
    alignment: usize,
    extra_flags: libc::c_int,
    populate: bool,
) -> io::Result<AlignedMem> {
    // The kernel aligns a mapping to its page size: a base page, or a huge
    // page for MAP_HUGETLB (whose length it also rounds up to huge pages,
    // and which can only be unmapped in whole huge pages). Over-map only by
    // what that alignment does not already give, so `head` and `tail` are
    // whole pages of the mapping's own kind.
    #[cfg(target_os = "linux")]
    let granule = if extra_flags & libc::MAP_HUGETLB != 0 {
        HUGE_PAGE_SIZE
    } else {
        page_size()
    };
    #[cfg(not(target_os = "linux"))]
    let granule = page_size();
    let slack = alignment.saturating_sub(granule);
    let total = mapped
        .checked_add(slack)
        .ok_or_else(|| io::Error::from_raw_os_error(libc::ENOMEM))?;
    let mut flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | extra_flags;
    #[cfg(target_os = "linux")]
    if populate && slack == 0 {
        flags |= libc::MAP_POPULATE;
    }
    // SAFETY: an anonymous private mapping at an address of the kernel's
    // choosing touches no existing memory.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            total,
            libc::PROT_READ | libc::PROT_WRITE,
            flags,
            -1,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    let base = base.cast::<u8>();
    let head = base.addr().next_multiple_of(alignment) - base.addr();
    let tail = total - head - mapped;
    // SAFETY: `head + mapped <= total`, so both offsets stay inside the
    // mapping just made (pointer arithmetic keeps its provenance).
    let (start, end) = unsafe { (base.add(head), base.add(head + mapped)) };
    // SAFETY: both ranges lie inside the mapping just made and outside the
    // part kept; unmapping them cannot fail for a valid range.
    unsafe {
        if head > 0 {
            libc::munmap(base.cast(), head);
        }
        if tail > 0 {
            libc::munmap(end.cast(), tail);
        }
    }
    let Some(ptr) = NonNull::new(start) else {
        // Only possible where vm.mmap_min_addr is 0; refuse the address.
        // SAFETY: the kept range is this function's own fresh mapping.
        unsafe { libc::munmap(start.cast(), mapped) };
        return Err(io::Error::from_raw_os_error(libc::ENOMEM));
    };
    if populate && slack != 0 {
        // The trimmed mapping could not use MAP_POPULATE; touch it instead.
        for offset in (0..mapped).step_by(page_size()) {
            // SAFETY: inside the kept mapping; a volatile write of zero to
            // fresh anonymous memory faults the page in without changing it.
            unsafe { ptr.as_ptr().add(offset).write_volatile(0) };
        }
    }
    Ok(AlignedMem {
        ptr,
        len: size,
        mapped,
        pages: Pages::Normal,
        locked: false,
    })
}
