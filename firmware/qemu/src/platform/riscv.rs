//! RISC-V `virt` (RV32IMAC, machine mode): the CLINT's machine timer.
//!
//! `mtime` (at 0x0200_BFF8) counts at 10 MHz on QEMU's `virt` (`TIMER_HZ`,
//! from `targets.txt`); the machine timer interrupt is pending while
//! `mtime >= mtimecmp` (hart 0's at 0x0200_4000). Under `-icount shift=0`
//! one instruction is one nanosecond of virtual time, so one tick is 100
//! instructions. The handler sets the next compare value to the previous
//! one plus the next interval, which also clears the pending interrupt: the
//! spacing of two interrupts is the interval, whatever the handler's length
//! (as with SysTick's reload on the Cortex-M machines).

use core::ptr::{read_volatile, write_volatile};
use riscv::interrupt::Interrupt;
use riscv::register::{mcause, mepc, mie, mtval};
use riscv_rt::{TrapFrame, core_interrupt, entry};

use super::TIMER_HZ;

const CLINT_MTIMECMP0: usize = 0x0200_4000;
const CLINT_MTIME: usize = 0x0200_BFF8;

/// Reads a 64-bit CLINT register (`mtime`, which runs, or `mtimecmp`) on
/// RV32: high, low, high again until both highs agree.
fn read_u64(register: usize) -> u64 {
    let lo = register as *const u32;
    let hi = (register + 4) as *const u32;
    loop {
        // SAFETY: `mtime` or hart 0's `mtimecmp`, always mapped on `virt`.
        let (h, l, h2) = unsafe { (read_volatile(hi), read_volatile(lo), read_volatile(hi)) };
        if h == h2 {
            return (h as u64) << 32 | l as u64;
        }
    }
}

fn mtime() -> u64 {
    read_u64(CLINT_MTIME)
}

fn set_mtimecmp(value: u64) {
    let lo = CLINT_MTIMECMP0 as *mut u32;
    let hi = (CLINT_MTIMECMP0 + 4) as *mut u32;
    // SAFETY: hart 0's mtimecmp. High word to the maximum first, so that no
    // intermediate value is in the past (the RISC-V privileged spec's
    // sequence for RV32).
    unsafe {
        write_volatile(hi, u32::MAX);
        write_volatile(lo, value as u32);
        write_volatile(hi, (value >> 32) as u32);
    }
}

fn ticks(instructions: u32) -> u64 {
    (instructions as u64 * TIMER_HZ / 1_000_000_000).max(1)
}

pub fn start_timer(instructions: u32) {
    set_mtimecmp(mtime() + ticks(instructions));
    // SAFETY: enables the machine timer interrupt, whose handler is
    // `machine_timer` below.
    unsafe {
        mie::set_mtimer();
        riscv::interrupt::enable();
    }
}

/// From the handler: the next interrupt `instructions` after the one being
/// handled (the previous compare value), not after "now".
pub fn set_next_interval(instructions: u32) {
    set_mtimecmp(read_u64(CLINT_MTIMECMP0).saturating_add(ticks(instructions)));
}

pub fn stop_timer() {
    // SAFETY: masking an interrupt source is always sound.
    unsafe { mie::clear_mtimer() }
    set_mtimecmp(u64::MAX);
}

pub fn without_interrupts<R>(f: impl FnOnce() -> R) -> R {
    riscv::interrupt::free(f)
}

#[entry]
fn main() -> ! {
    crate::test::run()
}

#[core_interrupt(Interrupt::MachineTimer)]
fn machine_timer() {
    crate::test::on_tick();
}

/// `sabotage-fault`: an illegal instruction (`unimp`).
#[cfg(feature = "sabotage-fault")]
pub fn fault() -> ! {
    // SAFETY: traps at once; the exception handler below exits.
    unsafe { core::arch::asm!("unimp", options(noreturn)) }
}

#[unsafe(export_name = "ExceptionHandler")]
fn exception_handler(_frame: &TrapFrame) -> ! {
    crate::test::report(format_args!(
        "fault: exception, mcause {:#x}, mepc {:#010x}, mtval {:#x}",
        mcause::read().bits(),
        mepc::read(),
        mtval::read(),
    ));
    semihosting::process::exit(3)
}

#[unsafe(export_name = "DefaultHandler")]
fn default_handler() {
    crate::test::report(format_args!(
        "unexpected interrupt, mcause {:#x}",
        mcause::read().bits()
    ));
    semihosting::process::exit(3)
}

#[unsafe(export_name = "abort")]
fn abort() -> ! {
    crate::test::report(format_args!("riscv-rt abort"));
    semihosting::process::exit(3)
}
