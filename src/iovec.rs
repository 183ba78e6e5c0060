//! Scatter/gather descriptors: [`IoVec`], the `struct iovec` of vectored
//! I/O (`readv`, `writev`, `preadv`, `sendmsg`, io_uring `Readv`/`Writev`
//! and `register_buffers`), built from pooled buffers without copying or
//! allocating.
//!
//! # What and why
//!
//! Vectored I/O moves data between the kernel and several buffers in one
//! system call: a header in a small buffer and a body in a large one, or a
//! message spread over many pooled buffers. The kernel takes the buffers as
//! an array of `struct iovec { void *iov_base; size_t iov_len; }`.
//! [`IoVec`] has exactly that layout (`#[repr(C)]`, `iov_len` a `usize`,
//! also on 32-bit targets), so a `&[IoVec]` goes to the kernel as it is.
//!
//! * Build one from a slice, a tier buffer (`&[u8; N]`) or a guard
//!   (`&Guard` for data the kernel reads, `&mut Guard` for data it writes):
//!   `IoVec::from(&mut buf)`.
//! * Turn many of them into descriptors with [`IoVec::fill`] (into an array
//!   you provide) or [`IoVec::collect`] (into a `heapless::Vec`); both fail
//!   with a typed [`IoVecError::Full`] rather than truncate.
//! * Hand the array to a system call with [`IoVec::addr_len`], which refuses
//!   batches above [`UIO_MAXIOV`] (the kernel would fail them with
//!   `EINVAL`), and split longer ones with [`IoVec::batches`].
//! * After a short read or write, [`IoVec::advance_slices`] skips what was
//!   done.
//! * With the `libc` or `std` feature on Unix, [`IoVec::as_libc`] views the
//!   array as `&[libc::iovec]` at no cost; with `std`, the `sys` layer
//!   converts from and to `std::io::IoSlice`/`IoSliceMut`.
//!
//! An `IoVec` is an address and a length, nothing more: making one is safe,
//! and every use of the memory it names (a system call, io_uring, DMA) is
//! `unsafe` and must prove that the memory is live and, for a read into it,
//! exclusively owned. Build descriptors for data the kernel *writes* only
//! from `&mut` buffers or guards.
//!
//! ```
//! use iobuf::{IoVec, SmallPool};
//!
//! static POOL: SmallPool<8> = SmallPool::new();
//!
//! let mut header = POOL.try_get()?;
//! let mut body = POOL.try_get()?;
//! let mut storage = [IoVec::EMPTY; 4];
//! let iovecs = IoVec::fill(&mut storage, [&mut header, &mut body])?;
//! assert_eq!(iovecs.len(), 2);
//! assert_eq!(iovecs[1].base(), body.as_mut_ptr().cast::<u8>());
//!
//! let (address, count) = IoVec::addr_len(iovecs)?; // for readv(fd, address, count)
//! assert_eq!((address, count), (iovecs.as_ptr(), 2));
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

use crate::guard::{Handle, sealed::Storage};
use core::fmt;
use core::ops::Deref;

/// The most descriptors one `readv`/`writev`/`preadv`/`pwritev`/`sendmsg`
/// accepts on Linux (`UIO_MAXIOV`, also `IOV_MAX`); above it the call fails
/// with `EINVAL`.
///
/// io_uring `register_buffers` has its own limit (16384 buffers) and takes
/// the whole array at once; this one applies to a single vectored call.
///
/// ```
/// assert_eq!(iobuf::UIO_MAXIOV, 1024);
/// ```
pub const UIO_MAXIOV: usize = 1024;

/// One scatter/gather descriptor with the layout of `struct iovec`: a base
/// address and a length in bytes, for vectored I/O (`readv`, `writev`,
/// `sendmsg`, io_uring) over pooled buffers.
///
/// Make one from a guard, a tier buffer or a slice (`IoVec::from(&mut buf)`
/// for data the kernel writes, `IoVec::from(&buf)` for data it reads);
/// many at once with [`fill`](Self::fill) (into your array) or
/// [`collect`](Self::collect) (into a `heapless::Vec`), never allocating
/// and failing with [`IoVecError::Full`] rather than truncating; hand them
/// to a system call with [`addr_len`](Self::addr_len), which refuses more
/// than [`UIO_MAXIOV`] ([`IoVecError::TooMany`]) where the kernel would
/// fail with `EINVAL`, and split longer lists with
/// [`batches`](Self::batches); after a short transfer, skip what was done
/// with [`advance_slices`](Self::advance_slices).
///
/// # Safety and threads
///
/// An `IoVec` carries no lifetime and grants no access to the memory it
/// names: it is as harmless as a pair of integers, which is why building
/// one is safe. Whoever passes it to the kernel (or reads through its base)
/// does so in `unsafe` code and must ensure that the buffer outlives the
/// operation and, when the kernel writes into it, that the descriptor came
/// from a `&mut` buffer or guard and nothing else uses the buffer meanwhile.
///
/// For the same reason `IoVec` is `Send` and `Sync`, unlike a bare raw
/// pointer: moving or sharing the address between threads grants nothing,
/// and the obligations above are the same on every thread. This lets an
/// array of descriptors live in a `static`, an io_uring submission
/// structure or a struct handed to an I/O thread, as with `std`'s
/// `IoSlice`.
///
/// ```
/// use iobuf::IoVec;
///
/// let mut data = *b"hello";
/// let iovec = IoVec::from(&mut data);
/// assert_eq!(iovec.base(), data.as_mut_ptr());
/// assert_eq!(iovec.len(), 5);
/// assert_eq!(size_of::<IoVec>(), 2 * size_of::<usize>());
/// ```
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct IoVec {
    base: *mut u8,
    len: usize,
}

// SAFETY: an `IoVec` gives no safe access to the memory it names (see the
// type's documentation); it is an address and a length, which may be moved
// and shared between threads like integers. Any access goes through
// `unsafe` code that proves validity and exclusivity itself.
unsafe impl Send for IoVec {}

// SAFETY: as for `Send`: `&IoVec` only reads the address and the length.
unsafe impl Sync for IoVec {}

impl Default for IoVec {
    /// [`IoVec::EMPTY`].
    ///
    /// ```
    /// assert_eq!(iobuf::IoVec::default(), iobuf::IoVec::EMPTY);
    /// ```
    fn default() -> Self {
        Self::EMPTY
    }
}

impl IoVec {
    /// A null, zero-length descriptor, to initialise storage arrays. The
    /// kernel accepts it (it moves no bytes).
    ///
    /// ```
    /// let storage = [iobuf::IoVec::EMPTY; 16];
    /// assert!(storage.iter().all(|iovec| iovec.is_empty()));
    /// ```
    pub const EMPTY: IoVec = IoVec {
        base: core::ptr::null_mut(),
        len: 0,
    };

    /// A descriptor from a raw address and length.
    ///
    /// ```
    /// let mut data = [0u8; 8];
    /// let iovec = iobuf::IoVec::new(data.as_mut_ptr(), data.len());
    /// assert_eq!(iovec, iobuf::IoVec::from(&mut data));
    /// ```
    pub const fn new(base: *mut u8, len: usize) -> Self {
        Self { base, len }
    }

    /// A descriptor of bytes the kernel only *reads* (`writev`, `send`).
    ///
    /// Its base pointer comes from a shared reference: letting the kernel
    /// write through it (`readv`) is undefined behaviour. Use
    /// [`from_mut_slice`](Self::from_mut_slice) for that.
    ///
    /// ```
    /// let data = b"read only";
    /// let iovec = iobuf::IoVec::from_slice(data);
    /// assert_eq!(iovec.base().cast_const(), data.as_ptr());
    /// assert_eq!(iovec.len(), 9);
    /// ```
    pub const fn from_slice(buf: &[u8]) -> Self {
        Self::new(buf.as_ptr().cast_mut(), buf.len())
    }

    /// A descriptor of bytes the kernel may *write* (`readv`, `recv`).
    ///
    /// ```
    /// let mut data = [0u8; 4];
    /// let iovec = iobuf::IoVec::from_mut_slice(&mut data[1..]);
    /// assert_eq!(iovec.base(), data[1..].as_mut_ptr());
    /// assert_eq!(iovec.len(), 3);
    /// ```
    pub const fn from_mut_slice(buf: &mut [u8]) -> Self {
        Self::new(buf.as_mut_ptr(), buf.len())
    }

    /// The base address (`iov_base`).
    ///
    /// ```
    /// assert!(iobuf::IoVec::EMPTY.base().is_null());
    /// ```
    pub const fn base(&self) -> *mut u8 {
        self.base
    }

    /// The length in bytes (`iov_len`).
    ///
    /// ```
    /// assert_eq!(iobuf::IoVec::from_slice(b"abc").len(), 3);
    /// ```
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether the descriptor names no bytes.
    ///
    /// ```
    /// assert!(iobuf::IoVec::from_slice(b"").is_empty());
    /// assert!(!iobuf::IoVec::from_slice(b"x").is_empty());
    /// ```
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Skips the first `n` bytes (after a short read or write that stopped
    /// inside this descriptor).
    ///
    /// # Panics
    ///
    /// When `n` is greater than [`len`](Self::len).
    ///
    /// ```
    /// let data = b"hello";
    /// let mut iovec = iobuf::IoVec::from_slice(data);
    /// iovec.advance(2);
    /// assert_eq!(iovec, iobuf::IoVec::from_slice(&data[2..]));
    /// ```
    pub fn advance(&mut self, n: usize) {
        assert!(n <= self.len, "advancing an IoVec beyond its length");
        // `wrapping_add` keeps the address computation free of any validity
        // requirement (the descriptor may name memory that is gone); the
        // result stays within the buffer whenever the buffer exists.
        self.base = self.base.wrapping_add(n);
        self.len -= n;
    }

    /// Skips the first `n` bytes of a list of descriptors, dropping those
    /// fully done and advancing the first partly done one: the bookkeeping
    /// for a `readv`/`writev` that moved `n` bytes, fewer than asked. Like
    /// `std::io::IoSlice::advance_slices`.
    ///
    /// # Panics
    ///
    /// When `n` is greater than the total length.
    ///
    /// ```
    /// use iobuf::IoVec;
    ///
    /// let (a, b) = (b"abc", b"defg");
    /// let mut storage = [IoVec::from(a), IoVec::from(b)];
    /// let mut pending = &mut storage[..];
    /// IoVec::advance_slices(&mut pending, 5); // e.g. writev returned 5
    /// assert_eq!(pending, [IoVec::from_slice(&b[2..])]);
    /// IoVec::advance_slices(&mut pending, 2);
    /// assert!(pending.is_empty());
    /// ```
    pub fn advance_slices(iovecs: &mut &mut [IoVec], n: usize) {
        let mut left = n;
        let mut done = 0;
        for iovec in iovecs.iter() {
            match left.checked_sub(iovec.len) {
                Some(rest) => {
                    left = rest;
                    done += 1;
                }
                None => break,
            }
        }
        *iovecs = &mut core::mem::take(iovecs)[done..];
        match iovecs.first_mut() {
            Some(first) => first.advance(left),
            None => assert!(left == 0, "advancing IoVecs beyond their total length"),
        }
    }

    /// Writes one descriptor per buffer into `dst` and returns the filled
    /// part, without allocating. The buffers may be anything that converts
    /// into an `IoVec`: `&mut Guard`/`&Guard`, `&mut [u8; N]`, `&[u8]`, …
    ///
    /// # Errors
    ///
    /// [`IoVecError::Full`] when there are more buffers than `dst` holds;
    /// `dst` then holds the first `dst.len()` descriptors.
    ///
    /// ```
    /// use iobuf::{IoVec, IoVecError, NanoPool};
    ///
    /// static POOL: NanoPool<8> = NanoPool::new();
    ///
    /// let mut guards = [POOL.try_get()?, POOL.try_get()?, POOL.try_get()?];
    /// let mut storage = [IoVec::EMPTY; 3];
    /// let iovecs = IoVec::fill(&mut storage, guards.iter_mut())?;
    /// for (iovec, guard) in iovecs.iter().zip(&mut guards) {
    ///     assert_eq!(iovec.base(), guard.as_mut_ptr().cast::<u8>());
    ///     assert_eq!(iovec.len(), iobuf::NANO_SIZE);
    /// }
    ///
    /// let mut small = [IoVec::EMPTY; 2];
    /// assert_eq!(
    ///     IoVec::fill(&mut small, guards.iter_mut()),
    ///     Err(IoVecError::Full { capacity: 2 })
    /// );
    /// # Ok::<(), Box<dyn core::error::Error>>(())
    /// ```
    pub fn fill(
        dst: &mut [IoVec],
        bufs: impl IntoIterator<Item: Into<IoVec>>,
    ) -> Result<&mut [IoVec], IoVecError> {
        let capacity = dst.len();
        let mut count = 0;
        for buf in bufs {
            let slot = dst.get_mut(count).ok_or(IoVecError::Full { capacity })?;
            *slot = buf.into();
            count += 1;
        }
        Ok(&mut dst[..count])
    }

    /// Collects one descriptor per buffer into a `heapless::Vec` of
    /// capacity `K`, without allocating.
    ///
    /// # Errors
    ///
    /// [`IoVecError::Full`] with `capacity: K` when there are more than `K`
    /// buffers.
    ///
    /// ```
    /// use iobuf::{IoVec, IoVecError};
    ///
    /// let (head, body) = (*b"GET ", *b"/index.html");
    /// let iovecs = IoVec::collect::<4>([&head[..], &body[..]])?;
    /// assert_eq!(iovecs.len(), 2);
    /// assert_eq!(iovecs[1].len(), body.len());
    ///
    /// let three = [&head[..]; 3];
    /// assert_eq!(IoVec::collect::<2>(three), Err(IoVecError::Full { capacity: 2 }));
    /// # Ok::<(), IoVecError>(())
    /// ```
    pub fn collect<const K: usize>(
        bufs: impl IntoIterator<Item: Into<IoVec>>,
    ) -> Result<heapless::Vec<IoVec, K>, IoVecError> {
        collect_bounded(bufs.into_iter().map(Into::into))
    }

    /// The address and count to pass to `readv`/`writev`/`preadv`/
    /// `pwritev` or a `msghdr` (Go's `IoVecAddrLen`). The count is at most
    /// [`UIO_MAXIOV`], so it fits the `c_int` those calls take.
    ///
    /// # Errors
    ///
    /// [`IoVecError::TooMany`] when `iovecs` holds more than
    /// [`UIO_MAXIOV`] descriptors: the kernel would fail the call with
    /// `EINVAL`. Split the list with [`batches`](Self::batches).
    ///
    /// ```
    /// use iobuf::{IoVec, IoVecError, UIO_MAXIOV};
    ///
    /// let iovecs = [IoVec::from_slice(b"ab"), IoVec::from_slice(b"cd")];
    /// let (address, count) = IoVec::addr_len(&iovecs)?;
    /// assert_eq!(address, iovecs.as_ptr());
    /// assert_eq!(count, 2);
    ///
    /// let too_many = [IoVec::EMPTY; UIO_MAXIOV + 1];
    /// assert_eq!(
    ///     IoVec::addr_len(&too_many),
    ///     Err(IoVecError::TooMany { count: 1025, max: UIO_MAXIOV })
    /// );
    /// # Ok::<(), IoVecError>(())
    /// ```
    pub fn addr_len(iovecs: &[IoVec]) -> Result<(*const IoVec, usize), IoVecError> {
        if iovecs.len() > UIO_MAXIOV {
            return Err(IoVecError::TooMany {
                count: iovecs.len(),
                max: UIO_MAXIOV,
            });
        }
        Ok((iovecs.as_ptr(), iovecs.len()))
    }

    /// Splits a list of descriptors into batches of at most [`UIO_MAXIOV`],
    /// each one acceptable to [`addr_len`](Self::addr_len) and one system
    /// call (`iovecs.chunks(UIO_MAXIOV)`).
    ///
    /// The choice: one list too long for the kernel is an error
    /// ([`addr_len`](Self::addr_len)), never silently cut, because a single
    /// `writev` is atomic with respect to other writers (a pipe write of at
    /// most `PIPE_BUF` bytes, an `O_APPEND` file) and several are not.
    /// Splitting is an explicit step the caller takes, and then each batch
    /// must be finished (short writes retried with
    /// [`advance_slices`](Self::advance_slices)) before the next starts, or
    /// the data would be reordered.
    ///
    /// ```
    /// use iobuf::{IoVec, UIO_MAXIOV};
    ///
    /// let iovecs = [IoVec::EMPTY; 2 * UIO_MAXIOV + 1];
    /// let sizes: Vec<usize> = IoVec::batches(&iovecs).map(<[IoVec]>::len).collect();
    /// assert_eq!(sizes, [1024, 1024, 1]);
    /// assert!(IoVec::batches(&iovecs).all(|batch| IoVec::addr_len(batch).is_ok()));
    /// ```
    pub fn batches(iovecs: &[IoVec]) -> core::slice::Chunks<'_, IoVec> {
        iovecs.chunks(UIO_MAXIOV)
    }

    /// [`batches`](Self::batches) with mutable batches, for
    /// [`advance_slices`](Self::advance_slices) after short transfers.
    ///
    /// ```
    /// use iobuf::{IoVec, UIO_MAXIOV};
    ///
    /// let mut iovecs = [IoVec::from_slice(b"x"); UIO_MAXIOV + 5];
    /// for mut batch in IoVec::batches_mut(&mut iovecs) {
    ///     let total = batch.len(); // one byte each
    ///     IoVec::advance_slices(&mut batch, total); // as if all were written
    ///     assert!(batch.is_empty());
    /// }
    /// ```
    pub fn batches_mut(iovecs: &mut [IoVec]) -> core::slice::ChunksMut<'_, IoVec> {
        iovecs.chunks_mut(UIO_MAXIOV)
    }
}

impl<'a> From<&'a [u8]> for IoVec {
    /// [`IoVec::from_slice`]: for data the kernel reads.
    ///
    /// ```
    /// let data: &[u8] = b"abc";
    /// assert_eq!(iobuf::IoVec::from(data).len(), 3);
    /// ```
    fn from(buf: &'a [u8]) -> Self {
        Self::from_slice(buf)
    }
}

impl<'a> From<&'a mut [u8]> for IoVec {
    /// [`IoVec::from_mut_slice`]: for data the kernel writes.
    ///
    /// ```
    /// let mut data = [0u8; 3];
    /// let iovec = iobuf::IoVec::from(&mut data[..]);
    /// assert_eq!(iovec.base(), data.as_mut_ptr());
    /// ```
    fn from(buf: &'a mut [u8]) -> Self {
        Self::from_mut_slice(buf)
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for IoVec {
    /// A tier buffer (or any byte array) the kernel reads.
    ///
    /// ```
    /// let buffer: iobuf::PicoBuffer = [1; iobuf::PICO_SIZE];
    /// assert_eq!(iobuf::IoVec::from(&buffer).len(), 16);
    /// ```
    fn from(buf: &'a [u8; N]) -> Self {
        Self::from_slice(buf)
    }
}

impl<'a, const N: usize> From<&'a mut [u8; N]> for IoVec {
    /// A tier buffer (or any byte array) the kernel writes.
    ///
    /// ```
    /// let mut buffer: iobuf::NanoBuffer = [0; iobuf::NANO_SIZE];
    /// let iovec = iobuf::IoVec::from(&mut buffer);
    /// assert_eq!((iovec.base(), iovec.len()), (buffer.as_mut_ptr(), 64));
    /// ```
    fn from(buf: &'a mut [u8; N]) -> Self {
        Self::from_mut_slice(buf)
    }
}

impl<R, const N: usize> From<&Handle<R>> for IoVec
where
    R: Deref<Target: Storage<Item = [u8; N]>>,
{
    /// The whole buffer of a guard, for data the kernel reads (`writev`).
    ///
    /// ```
    /// static POOL: iobuf::MicroPool<2> = iobuf::MicroPool::new();
    ///
    /// let buf = POOL.try_get()?;
    /// let iovec = iobuf::IoVec::from(&buf);
    /// assert_eq!(iovec.base().cast_const(), buf.as_ptr());
    /// assert_eq!(iovec.len(), iobuf::MICRO_SIZE);
    /// # Ok::<(), iobuf::PoolEmpty>(())
    /// ```
    fn from(guard: &Handle<R>) -> Self {
        Self::from_slice(guard.as_slice())
    }
}

impl<R, const N: usize> From<&mut Handle<R>> for IoVec
where
    R: Deref<Target: Storage<Item = [u8; N]>>,
{
    /// The whole buffer of a guard, for data the kernel writes (`readv`).
    /// The address is the pool's own pointer to the buffer
    /// ([`Handle::as_mut_ptr`]).
    ///
    /// ```
    /// static POOL: iobuf::SmallPool<2> = iobuf::SmallPool::new();
    ///
    /// let mut buf = POOL.try_get()?;
    /// let iovec = iobuf::IoVec::from(&mut buf);
    /// assert_eq!(iovec.base(), buf.as_mut_ptr().cast::<u8>());
    /// assert_eq!(iovec.len(), iobuf::SMALL_SIZE);
    /// # Ok::<(), iobuf::PoolEmpty>(())
    /// ```
    fn from(guard: &mut Handle<R>) -> Self {
        Self::new(guard.as_mut_ptr().cast::<u8>(), N)
    }
}

/// Collects `items` into a `heapless::Vec` of capacity `K`, or
/// [`IoVecError::Full`] when there are more: the one bounded collection
/// behind every descriptor list this crate builds.
pub(crate) fn collect_bounded<T, const K: usize>(
    items: impl IntoIterator<Item = T>,
) -> Result<heapless::Vec<T, K>, IoVecError> {
    let mut collected = heapless::Vec::new();
    for item in items {
        collected
            .push(item)
            .map_err(|_| IoVecError::Full { capacity: K })?;
    }
    Ok(collected)
}

/// Descriptors that do not fit where they are going.
///
/// ```
/// use iobuf::{IoVec, IoVecError};
///
/// let error = IoVec::collect::<1>([&b"a"[..], &b"b"[..]]).unwrap_err();
/// assert_eq!(error, IoVecError::Full { capacity: 1 });
/// assert_eq!(error.to_string(), "more buffers than the 1 descriptors that fit");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum IoVecError {
    /// More buffers than the destination array or `heapless::Vec` holds.
    Full {
        /// How many descriptors fit.
        capacity: usize,
    },
    /// More descriptors than one vectored system call accepts.
    TooMany {
        /// How many descriptors were given.
        count: usize,
        /// The limit, [`UIO_MAXIOV`].
        max: usize,
    },
}

impl fmt::Display for IoVecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full { capacity } => {
                write!(f, "more buffers than the {capacity} descriptors that fit")
            }
            Self::TooMany { count, max } => write!(
                f,
                "{count} descriptors in one vectored call; the kernel accepts at most {max}"
            ),
        }
    }
}

impl core::error::Error for IoVecError {}

/// `libc::iovec` views (feature `libc` or `std`, Unix targets: `libc` has
/// no `iovec` on bare-metal targets).
#[cfg(all(feature = "libc", unix))]
mod libc_iovec {
    use super::IoVec;
    use core::mem::{align_of, offset_of, size_of};

    // The layout the casts below rely on, checked at compile time.
    const _: () = {
        assert!(size_of::<IoVec>() == size_of::<libc::iovec>());
        assert!(align_of::<IoVec>() == align_of::<libc::iovec>());
        assert!(offset_of!(IoVec, base) == offset_of!(libc::iovec, iov_base));
        assert!(offset_of!(IoVec, len) == offset_of!(libc::iovec, iov_len));
        assert!(size_of::<*mut u8>() == size_of::<*mut libc::c_void>());
        assert!(size_of::<usize>() == size_of::<libc::size_t>());
    };

    impl IoVec {
        /// The descriptors as `libc::iovec`s, for `libc::readv`/`writev`,
        /// a `msghdr` or io_uring `register_buffers`; no copy.
        ///
        /// ```
        /// use iobuf::IoVec;
        ///
        /// let iovecs = [IoVec::from_slice(b"abc")];
        /// let raw: &[libc::iovec] = IoVec::as_libc(&iovecs);
        /// assert_eq!(raw[0].iov_base.cast_const().cast::<u8>(), iovecs[0].base().cast_const());
        /// assert_eq!(raw[0].iov_len, 3);
        /// ```
        pub fn as_libc(iovecs: &[IoVec]) -> &[libc::iovec] {
            // SAFETY: `IoVec` is `#[repr(C)]` with the size, alignment and
            // field offsets of `libc::iovec` (checked above), and its fields
            // have the same sizes and every bit pattern is valid in both
            // (a raw pointer and an integer), so the slice may be read as
            // either type for the same lifetime.
            unsafe { core::slice::from_raw_parts(iovecs.as_ptr().cast(), iovecs.len()) }
        }

        /// [`as_libc`](Self::as_libc), mutable: `libc::iovec`s written
        /// through it are valid `IoVec`s, since an `IoVec` has no invariant.
        ///
        /// ```
        /// use iobuf::IoVec;
        ///
        /// let mut iovecs = [IoVec::from_slice(b"abc")];
        /// IoVec::as_libc_mut(&mut iovecs)[0].iov_len = 1;
        /// assert_eq!(iovecs[0].len(), 1);
        /// ```
        pub fn as_libc_mut(iovecs: &mut [IoVec]) -> &mut [libc::iovec] {
            // SAFETY: as in `as_libc`; both types accept every bit pattern,
            // so writes of either type leave a valid value of the other, and
            // the exclusive borrow moves from `iovecs` to the result.
            unsafe { core::slice::from_raw_parts_mut(iovecs.as_mut_ptr().cast(), iovecs.len()) }
        }
    }

    impl From<IoVec> for libc::iovec {
        /// The same descriptor as a `libc::iovec`.
        ///
        /// ```
        /// let iovec = iobuf::IoVec::from_slice(b"ab");
        /// let raw = libc::iovec::from(iovec);
        /// assert_eq!(raw.iov_len, 2);
        /// ```
        fn from(iovec: IoVec) -> Self {
            libc::iovec {
                iov_base: iovec.base.cast(),
                iov_len: iovec.len,
            }
        }
    }

    impl From<libc::iovec> for IoVec {
        /// The same descriptor as an `IoVec`.
        ///
        /// ```
        /// let mut data = [0u8; 4];
        /// let raw = libc::iovec { iov_base: data.as_mut_ptr().cast(), iov_len: 4 };
        /// assert_eq!(iobuf::IoVec::from(raw), iobuf::IoVec::from(&mut data));
        /// ```
        fn from(raw: libc::iovec) -> Self {
            IoVec::new(raw.iov_base.cast(), raw.iov_len)
        }
    }
}
