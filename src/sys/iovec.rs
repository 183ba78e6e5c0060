//! `std::io::IoSlice`/`IoSliceMut` for pooled buffers, and [`IoVec`] views
//! of them.
//!
//! On Unix, `IoSlice` and `IoSliceMut` are documented as ABI-compatible
//! with `struct iovec`, and so is [`IoVec`]: a `&[IoSlice]` can be viewed
//! as a `&[IoVec]` without copying. The other way round needs a lifetime
//! that an `IoVec` does not carry, so it is not offered; build the
//! `IoSlice`s from the guards themselves with [`io_slices`] and
//! [`io_slices_mut`], then use `Write::write_vectored` /
//! `Read::read_vectored`.

use crate::guard::{Handle, sealed::Storage};
use crate::iovec::collect_bounded;
use crate::{IoVec, IoVecError};
use std::io::{IoSlice, IoSliceMut};
use std::ops::Deref;

impl<'a, R, const N: usize> From<&'a Handle<R>> for IoSlice<'a>
where
    R: Deref<Target: Storage<Item = [u8; N]>>,
{
    /// The whole buffer of a guard, for `write_vectored`.
    ///
    /// ```
    /// use std::io::IoSlice;
    ///
    /// static POOL: iobuf::NanoPool<1> = iobuf::NanoPool::new();
    ///
    /// let buf = POOL.try_get()?;
    /// let slice = IoSlice::from(&buf);
    /// assert_eq!(slice.as_ptr(), buf.as_ptr());
    /// assert_eq!(slice.len(), iobuf::NANO_SIZE);
    /// # Ok::<(), iobuf::PoolEmpty>(())
    /// ```
    fn from(guard: &'a Handle<R>) -> Self {
        IoSlice::new(guard.as_slice())
    }
}

impl<'a, R, const N: usize> From<&'a mut Handle<R>> for IoSliceMut<'a>
where
    R: Deref<Target: Storage<Item = [u8; N]>>,
{
    /// The whole buffer of a guard, for `read_vectored`.
    ///
    /// ```
    /// use std::io::IoSliceMut;
    ///
    /// static POOL: iobuf::NanoPool<1> = iobuf::NanoPool::new();
    ///
    /// let mut buf = POOL.try_get()?;
    /// let mut slice = IoSliceMut::from(&mut buf);
    /// slice[0] = 9;
    /// assert_eq!(buf[0], 9);
    /// # Ok::<(), iobuf::PoolEmpty>(())
    /// ```
    fn from(guard: &'a mut Handle<R>) -> Self {
        IoSliceMut::new(guard.as_mut_slice())
    }
}

impl From<IoSlice<'_>> for IoVec {
    /// The descriptor of an `IoSlice`, for data the kernel reads.
    ///
    /// ```
    /// use std::io::IoSlice;
    ///
    /// let data = b"abc";
    /// let iovec = iobuf::IoVec::from(IoSlice::new(data));
    /// assert_eq!(iovec, iobuf::IoVec::from_slice(data));
    /// ```
    fn from(slice: IoSlice<'_>) -> Self {
        IoVec::from_slice(&slice)
    }
}

impl From<IoSliceMut<'_>> for IoVec {
    /// The descriptor of an `IoSliceMut`, for data the kernel writes.
    ///
    /// ```
    /// use std::io::IoSliceMut;
    ///
    /// let mut data = [0u8; 3];
    /// let iovec = iobuf::IoVec::from(IoSliceMut::new(&mut data));
    /// assert_eq!(iovec, iobuf::IoVec::from(&mut data));
    /// ```
    fn from(mut slice: IoSliceMut<'_>) -> Self {
        IoVec::from_mut_slice(&mut slice)
    }
}

// `IoSlice` and `IoSliceMut` are `iovec`s on Unix (std's guarantee), and so
// is `IoVec` (checked against `libc::iovec` in `crate::iovec`).
const _: () = {
    assert!(size_of::<IoSlice<'_>>() == size_of::<IoVec>());
    assert!(align_of::<IoSlice<'_>>() == align_of::<IoVec>());
    assert!(size_of::<IoSliceMut<'_>>() == size_of::<IoVec>());
    assert!(align_of::<IoSliceMut<'_>>() == align_of::<IoVec>());
};

impl IoVec {
    /// A list of `IoSlice`s viewed as descriptors, without copying (for
    /// [`IoVec::addr_len`] and `libc::writev`).
    ///
    /// ```
    /// use std::io::IoSlice;
    /// use iobuf::IoVec;
    ///
    /// let slices = [IoSlice::new(b"ab"), IoSlice::new(b"cde")];
    /// let iovecs = IoVec::from_io_slices(&slices);
    /// assert_eq!(iovecs[1], IoVec::from_slice(&slices[1]));
    /// ```
    pub fn from_io_slices<'s>(slices: &'s [IoSlice<'_>]) -> &'s [IoVec] {
        // SAFETY: std guarantees that `IoSlice` is ABI-compatible with
        // `struct iovec` on Unix, and `IoVec` has `struct iovec`'s layout
        // (size and alignment also checked above). The result is a shared
        // view for the borrow of `slices`, so the `IoSlice`s cannot be
        // changed through it, and every bit pattern is a valid `IoVec`.
        unsafe { std::slice::from_raw_parts(slices.as_ptr().cast(), slices.len()) }
    }

    /// A list of `IoSliceMut`s viewed as descriptors, without copying (for
    /// `libc::readv`): the addresses are those of the `IoSliceMut`s. The
    /// borrow is exclusive, as in `Read::read_vectored`, so nothing can read
    /// the buffers while the descriptors are in use.
    ///
    /// ```
    /// use std::io::IoSliceMut;
    /// use iobuf::IoVec;
    ///
    /// let (mut a, mut b) = ([0u8; 2], [0u8; 3]);
    /// let mut slices = [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)];
    /// let iovecs = IoVec::from_io_slices_mut(&mut slices);
    /// assert_eq!(iovecs[1].len(), 3);
    /// ```
    pub fn from_io_slices_mut<'s>(slices: &'s mut [IoSliceMut<'_>]) -> &'s [IoVec] {
        // SAFETY: as in `from_io_slices`: `IoSliceMut` is ABI-compatible
        // with `struct iovec` on Unix; the view itself is shared, so it
        // cannot break the `IoSliceMut`s' invariants, and the exclusive
        // borrow keeps anyone else from touching the buffers meanwhile.
        unsafe { std::slice::from_raw_parts(slices.as_ptr().cast(), slices.len()) }
    }
}

/// `IoSlice`s for several buffers (`&Guard`s, or `IoSlice`s made from
/// slices) in a `heapless::Vec`, for `Write::write_vectored`; no allocation.
///
/// # Errors
///
/// [`IoVecError::Full`] when there are more than `K` buffers.
///
/// ```
/// use std::io::Write;
///
/// static POOL: iobuf::MicroPool<4> = iobuf::MicroPool::new();
///
/// let guards = [POOL.try_get()?, POOL.try_get()?];
/// let slices = iobuf::sys::io_slices::<4>(&guards)?;
/// let mut sink = Vec::new();
/// let written = sink.write_vectored(&slices)?;
/// assert_eq!(written, 2 * iobuf::MICRO_SIZE);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn io_slices<'a, const K: usize>(
    bufs: impl IntoIterator<Item: Into<IoSlice<'a>>>,
) -> Result<heapless::Vec<IoSlice<'a>, K>, IoVecError> {
    collect_bounded(bufs.into_iter().map(Into::into))
}

/// `IoSliceMut`s for several buffers (`&mut Guard`s, or `IoSliceMut`s made
/// from slices) in a `heapless::Vec`, for `Read::read_vectored`; no
/// allocation.
///
/// # Errors
///
/// [`IoVecError::Full`] when there are more than `K` buffers.
///
/// ```
/// use std::io::Read;
///
/// static POOL: iobuf::PicoPool<4> = iobuf::PicoPool::new();
///
/// let mut guards = [POOL.try_get()?, POOL.try_get()?];
/// let mut slices = iobuf::sys::io_slices_mut::<4>(&mut guards)?;
/// let read = (&[7u8; 20][..]).read_vectored(&mut slices)?;
/// assert_eq!(read, 20);
/// drop(slices); // ends the borrow of the guards
/// assert_eq!(guards[1][..4], [7; 4]);
///
/// let error = iobuf::sys::io_slices_mut::<1>(&mut guards).unwrap_err();
/// assert_eq!(error, iobuf::IoVecError::Full { capacity: 1 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn io_slices_mut<'a, const K: usize>(
    bufs: impl IntoIterator<Item: Into<IoSliceMut<'a>>>,
) -> Result<heapless::Vec<IoSliceMut<'a>, K>, IoVecError> {
    collect_bounded(bufs.into_iter().map(Into::into))
}
