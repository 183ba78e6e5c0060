//! atomic-pool 2: take one 1 KiB buffer of a `pool!` of 1024 and return it.
//! No set-up; `Box::new` moves the value (1 KiB of zeros) into the buffer.

#![no_std]
#![no_main]
// In the expansion of atomic-pool's `pool!`.
#![allow(clippy::manual_div_ceil)]

#[path = "../rt.rs"]
mod rt;

use atomic_pool::{Box, pool};

pool!(P: [[u8; 1024]; 1024]);

/// `Box::new`, a volatile write into the buffer, drop. The pool is a type,
/// not a value, so there is nothing to hide from the optimiser: its state
/// is atomics in a `static`, which it cannot know.
#[inline(never)]
fn take_and_return() {
    if let Some(mut buf) = Box::<P>::new([0; 1024]) {
        // SAFETY: `buf` is a 1 KiB buffer this function owns.
        unsafe { core::ptr::write_volatile(&mut buf[0], 1) };
        drop(buf);
    }
}
