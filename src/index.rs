//! Buffer indices: the stable name of a buffer within its pool.

use core::fmt;

/// The position of a buffer in its pool, `0..capacity`.
///
/// An index is stable for the pool's lifetime, so it can name a buffer where
/// a reference cannot travel: a DMA descriptor, a C callback's argument, an
/// io_uring `user_data`, a provided-buffer id. It carries no pool identity:
/// re-entering one goes through [`BoundedPool::from_raw_checked`], which
/// verifies that the index is in range and was handed out in raw form.
///
/// ```
/// use iobuf::BufIndex;
///
/// let id = BufIndex::new(7);
/// assert_eq!(id.get(), 7);
/// assert_eq!(u64::from(id), 7);
/// assert_eq!(BufIndex::try_from(7u64), Ok(id));
/// assert!(BufIndex::try_from(u64::MAX).is_err());
/// ```
///
/// [`BoundedPool::from_raw_checked`]: crate::BoundedPool::from_raw_checked
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BufIndex(u32);

impl BufIndex {
    /// Wraps a raw index (e.g. one read back from a descriptor).
    ///
    /// ```
    /// assert_eq!(iobuf::BufIndex::new(3).get(), 3);
    /// ```
    pub const fn new(index: u32) -> Self {
        Self(index)
    }

    /// The index as a `u32`.
    ///
    /// ```
    /// assert_eq!(iobuf::BufIndex::new(9).get(), 9u32);
    /// ```
    pub const fn get(self) -> u32 {
        self.0
    }

    /// The index as a `usize`, for indexing.
    ///
    /// ```
    /// let table = [10, 20, 30];
    /// assert_eq!(table[iobuf::BufIndex::new(2).as_usize()], 30);
    /// ```
    pub const fn as_usize(self) -> usize {
        self.0 as usize
    }

    /// Internal: a position known to be below a pool's capacity
    /// ([`MAX_CAPACITY`](crate::MAX_CAPACITY) fits in `u32`).
    pub(crate) const fn from_position(position: usize) -> Self {
        Self(position as u32)
    }
}

impl From<u32> for BufIndex {
    fn from(index: u32) -> Self {
        Self(index)
    }
}

impl From<BufIndex> for u32 {
    fn from(index: BufIndex) -> Self {
        index.0
    }
}

impl From<BufIndex> for u64 {
    fn from(index: BufIndex) -> Self {
        u64::from(index.0)
    }
}

impl From<BufIndex> for usize {
    fn from(index: BufIndex) -> Self {
        index.as_usize()
    }
}

/// The value does not fit in a [`BufIndex`] (it exceeds `u32::MAX`).
///
/// ```
/// use iobuf::{BufIndex, IndexTooLarge};
///
/// assert_eq!(BufIndex::try_from(1u64 << 40), Err(IndexTooLarge));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct IndexTooLarge;

impl fmt::Display for IndexTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("value does not fit in a buffer index (u32)")
    }
}

impl core::error::Error for IndexTooLarge {}

impl TryFrom<u64> for BufIndex {
    type Error = IndexTooLarge;

    fn try_from(value: u64) -> Result<Self, IndexTooLarge> {
        u32::try_from(value).map(Self).map_err(|_| IndexTooLarge)
    }
}

impl TryFrom<usize> for BufIndex {
    type Error = IndexTooLarge;

    fn try_from(value: usize) -> Result<Self, IndexTooLarge> {
        u32::try_from(value).map(Self).map_err(|_| IndexTooLarge)
    }
}

impl fmt::Display for BufIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
