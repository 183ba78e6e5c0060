//! Cortex-M (mps2-an386's Cortex-M4, micro:bit's Cortex-M0): SysTick.
//!
//! SysTick counts the core clock (`CLKSOURCE` = 1), which QEMU derives from
//! the board's system clock: 25 MHz on mps2-an386, 16 MHz on the micro:bit
//! (`TIMER_HZ`, from `targets.txt`). Under `-icount shift=0` one
//! instruction is one nanosecond of virtual time, so a reload of `R` fires
//! every `(R + 1) × 1e9 / clock` instructions. The handler writes the next
//! reload value; SysTick loads it at its next wrap, so the interval varies
//! from one interrupt to the next, and the spacing of two interrupts is a
//! whole period whatever the handler's length (the counter runs on while
//! the handler does).

use super::TIMER_HZ;
use cortex_m::peripheral::{SCB, SYST};
use cortex_m_rt::{ExceptionFrame, entry, exception};

/// `SYST_CSR`: counter enabled, interrupt on wrap, core clock.
const CSR_ENABLE: u32 = 1 << 0;
const CSR_TICKINT: u32 = 1 << 1;
const CSR_CLKSOURCE: u32 = 1 << 2;

fn reload(instructions: u32) -> u32 {
    // Ticks of TIMER_HZ in `instructions` ns; SysTick fires every RVR + 1.
    let ticks = (instructions as u64 * TIMER_HZ / 1_000_000_000) as u32;
    ticks.clamp(2, 0x00FF_FFFF) - 1
}

fn syst() -> &'static cortex_m::peripheral::syst::RegisterBlock {
    // SAFETY: SYST::PTR is the SysTick register block, valid for the whole
    // run; only this module touches it.
    unsafe { &*SYST::PTR }
}

pub fn start_timer(instructions: u32) {
    let syst = syst();
    // SAFETY: plain SysTick register writes; interrupts from it are what
    // the test wants.
    unsafe {
        syst.csr.write(0);
        syst.rvr.write(reload(instructions));
        syst.cvr.write(0);
        syst.csr.write(CSR_ENABLE | CSR_TICKINT | CSR_CLKSOURCE);
    }
}

pub fn set_next_interval(instructions: u32) {
    // SAFETY: as in `start_timer`; takes effect at the next wrap.
    unsafe { syst().rvr.write(reload(instructions)) }
}

pub fn stop_timer() {
    // SAFETY: as in `start_timer`.
    unsafe { syst().csr.write(0) }
    SCB::clear_pendst();
    cortex_m::asm::dsb();
    cortex_m::asm::isb();
}

pub fn without_interrupts<R>(f: impl FnOnce() -> R) -> R {
    cortex_m::interrupt::free(|_| f())
}

#[entry]
fn main() -> ! {
    crate::test::run()
}

#[exception]
fn SysTick() {
    crate::test::on_tick();
}

/// `sabotage-fault`: a permanently undefined instruction (`udf`), which
/// escalates to HardFault (UsageFault is not enabled).
#[cfg(feature = "sabotage-fault")]
pub fn fault() -> ! {
    cortex_m::asm::udf()
}

#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    crate::test::report(format_args!("fault: HardFault at pc {:#010x}", frame.pc()));
    semihosting::process::exit(3)
}

#[exception]
unsafe fn DefaultHandler(irqn: i16) {
    crate::test::report(format_args!("unexpected exception/interrupt {irqn}"));
    semihosting::process::exit(3)
}
