//! What differs between the three machines: the pool's size, the timer
//! interrupt, masking interrupts, and the fault handlers. Everything else is
//! in `test.rs`.
//!
//! Each platform module provides:
//!
//! * `NAME`: target and machine, for the summary line;
//! * `start_timer(instructions)`, `set_next_interval(instructions)`,
//!   `stop_timer()`: the periodic timer interrupt, whose handler calls
//!   [`crate::test::on_tick`]; intervals are in instructions, which is
//!   nanoseconds of virtual time under `-icount shift=0`;
//! * `without_interrupts(f)`: runs `f` with interrupts masked (used by the
//!   test itself, never by the pool);
//! * the entry point, which calls [`crate::test::run`].

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

/// The pool under test: 16 × 1 KiB where RAM allows, 16 × 256 B on the
/// micro:bit (16 KiB of RAM).
#[cfg(any(machine = "mps2_an386", machine = "virt"))]
pub type Pool = iobuf::SmallPool<BUFFERS>;
#[cfg(machine = "microbit")]
pub type Pool = iobuf::MicroPool<BUFFERS>;
