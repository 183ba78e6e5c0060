//! The `std` layer (feature `std`, Unix): memory the kernel wants and pools
//! sized at run time.
//!
//! * [`AlignedMem`]: page-aligned anonymous `mmap` memory, with huge pages,
//!   pre-faulting and locking on request, and typed errors carrying the OS
//!   error.
//! * [`RuntimePool`]: a pool whose capacity is chosen at run time, its
//!   buffers in one page-aligned region, run by the same ring and handles as
//!   the static pools; [`OwnedGuard`] is its `'static` handle.

mod aligned;
mod iovec;
mod runtime_pool;

pub use aligned::{AlignedMem, HUGE_PAGE_SIZE, MemError, MemOptions, Pages, page_size};
pub use iovec::{io_slices, io_slices_mut};
pub use runtime_pool::{Mapped, OwnedGuard, PoolError, RuntimePool};
