//! What every image shares: the entry point, which calls the image's
//! `take_and_return` once and then waits forever, and a panic handler that
//! loops without looking at its argument (so that it formats nothing).
//!
//! No runtime crate: no vector table, no `.data`/`.bss` initialisation, no
//! pre-init hooks. The images are for measuring, not for running (the pool's
//! zero bytes would be zero on a real part only after start-up code cleared
//! `.bss`).

/// The entry point: the one root that `--gc-sections` keeps.
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    crate::take_and_return();
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
