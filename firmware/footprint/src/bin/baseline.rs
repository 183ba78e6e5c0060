//! The baseline image: the entry point and panic handler of every image
//! (`src/rt.rs`) and a `take_and_return` that takes nothing. Its `.text` is
//! subtracted from the other images'.

#![no_std]
#![no_main]

#[path = "../rt.rs"]
mod rt;

/// Takes no buffer: a volatile write only, so that the call stays a call.
#[inline(never)]
fn take_and_return() {
    static mut SINK: u8 = 0;
    // SAFETY: one thread, no other access to `SINK`.
    unsafe { core::ptr::write_volatile(&raw mut SINK, 1) };
}
