//! What differs between the three machines: the timer interrupt, masking
//! interrupts, the fault handlers and the entry point; the pool type, the
//! timer's clock and the name come from the target's row of `targets.txt`
//! (through `build.rs`). Everything else is in `test.rs`.
//!
//! Each platform module provides:
//!
//! * `start_timer(instructions)`, `set_next_interval(instructions)`,
//!   `stop_timer()`: the timer interrupt, whose handler calls
//!   [`crate::test::on_tick`]; intervals are in instructions, which is
//!   nanoseconds of virtual time under `-icount shift=0`;
//! * `without_interrupts(f)`: runs `f` with interrupts masked (used by the
//!   test itself, never by the pool);
//! * `fault()` (`sabotage-fault` only): an instruction that faults;
//! * the entry point, which calls [`crate::test::run`], and the fault
//!   handlers, which report through [`crate::test::report`] and exit with
//!   status 3.

#[cfg(target_arch = "arm")]
mod cortex_m;
#[cfg(target_arch = "arm")]
pub use cortex_m::*;

#[cfg(target_arch = "riscv32")]
mod riscv;
#[cfg(target_arch = "riscv32")]
pub use riscv::*;

/// Buffers in the pool: small, so that the main loop and the handler
/// together run it dry.
pub const BUFFERS: usize = 16;

// `NAME`, `TIMER_HZ` and `Pool` (`iobuf::SmallPool<BUFFERS>`, or
// `MicroPool` on the micro:bit's 16 KiB of RAM).
include!(concat!(env!("OUT_DIR"), "/target.rs"));
