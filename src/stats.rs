//! Pool statistics: a snapshot of what a pool holds.

use core::fmt;

/// A snapshot of a pool's counters, e.g. for logging or a health endpoint.
///
/// ```
/// static POOL: iobuf::NanoPool<8> = iobuf::NanoPool::new();
///
/// let held = POOL.try_get().unwrap();
/// let stats = POOL.stats();
/// assert_eq!(stats.in_use(), 1);
/// assert_eq!(stats.to_string(), "7 of 8 buffers free");
/// # drop(held);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PoolStats {
    /// How many buffers the pool has.
    pub capacity: usize,
    /// How many were free when the snapshot was taken.
    pub available: usize,
}

impl PoolStats {
    /// How many were checked out (held by guards or in raw form).
    ///
    /// ```
    /// let stats = iobuf::PoolStats { capacity: 8, available: 3 };
    /// assert_eq!(stats.in_use(), 5);
    /// ```
    pub const fn in_use(&self) -> usize {
        self.capacity - self.available
    }
}

impl fmt::Display for PoolStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of {} buffers free", self.available, self.capacity)
    }
}
