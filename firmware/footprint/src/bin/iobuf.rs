//! iobuf: take one buffer of a `static SmallPool<1024>` (1024 × 1 KiB, all
//! zero bytes, in `.bss`, no set-up) and return it.

#![no_std]
#![no_main]

#[path = "../rt.rs"]
mod rt;

use core::hint::black_box;
use iobuf::SmallPool;

static POOL: SmallPool<1024> = SmallPool::new();

/// `try_get`, a volatile write into the buffer, drop. `black_box` hides
/// the pool from the optimiser, which must then emit the whole get and
/// return; the volatile write keeps the buffer in use.
#[inline(never)]
fn take_and_return() {
    if let Ok(mut buf) = black_box(&POOL).try_get() {
        // SAFETY: `buf` is a 1 KiB buffer this function owns.
        unsafe { core::ptr::write_volatile(&mut buf[0], 1) };
        drop(buf);
    }
}
