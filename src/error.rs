//! The typed errors of pool operations. None of them leaves a pool changed.

use crate::BufIndex;
use core::fmt;

/// Every buffer of the pool is checked out.
///
/// Returned by [`BoundedPool::try_get`](crate::BoundedPool::try_get) only
/// when the pool really was empty at one instant during the call: with fewer
/// than `capacity` buffers held, `try_get` succeeds.
///
/// ```
/// static POOL: iobuf::PicoPool<1> = iobuf::PicoPool::new();
///
/// let held = POOL.try_get().unwrap();
/// assert_eq!(POOL.try_get().unwrap_err(), iobuf::PoolEmpty);
/// drop(held);
/// assert!(POOL.try_get().is_ok());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PoolEmpty;

impl fmt::Display for PoolEmpty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("buffer pool is empty: every buffer is checked out")
    }
}

impl core::error::Error for PoolEmpty {}

/// A raw buffer index that cannot be re-entered into a pool.
///
/// ```
/// use iobuf::{BufIndex, RawIndexError};
///
/// static POOL: iobuf::NanoPool<4> = iobuf::NanoPool::new();
///
/// assert_eq!(
///     POOL.from_raw_checked(BufIndex::new(9)).unwrap_err(),
///     RawIndexError::OutOfRange { index: BufIndex::new(9), capacity: 4 },
/// );
/// assert_eq!(
///     POOL.from_raw_checked(BufIndex::new(1)).unwrap_err(),
///     RawIndexError::NotCheckedOut { index: BufIndex::new(1) },
/// );
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum RawIndexError {
    /// The index is not below the pool's capacity.
    OutOfRange {
        /// The index given.
        index: BufIndex,
        /// The pool's capacity.
        capacity: usize,
    },
    /// The buffer is not out in raw form: it is free, held by a guard, or
    /// was already re-entered (a second return of the same index).
    NotCheckedOut {
        /// The index given.
        index: BufIndex,
    },
}

impl fmt::Display for RawIndexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutOfRange { index, capacity } => {
                write!(
                    f,
                    "buffer index {index} is out of range for a pool of {capacity}"
                )
            }
            Self::NotCheckedOut { index } => {
                write!(f, "buffer {index} is not checked out in raw form")
            }
        }
    }
}

impl core::error::Error for RawIndexError {}

/// A pool cannot be filled.
///
/// ```
/// static POOL: iobuf::BoundedPool<u32, 2> = iobuf::BoundedPool::new();
///
/// // Zero-initialised pools start full.
/// assert_eq!(POOL.fill(|_| 5), Err(iobuf::FillError::AlreadyFilled));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum FillError {
    /// The pool was filled before (or started full).
    AlreadyFilled,
}

impl fmt::Display for FillError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AlreadyFilled => f.write_str("buffer pool is already filled"),
        }
    }
}

impl core::error::Error for FillError {}
