//! heapless 0.9 `box_pool!`: take one 1 KiB block and return it. The pool
//! starts with no memory: `_start`'s first call hands it 1024 static blocks
//! (`manage`), which a `box_pool` needs before its first `alloc`, so that
//! set-up is in this image too.

#![no_std]
#![no_main]

#[path = "../rt.rs"]
mod rt;

use heapless::box_pool;
use heapless::pool::boxed::BoxBlock;

box_pool!(P: [u8; 1024]);

/// The pool's memory: 1024 blocks of 1 KiB (and a link each), in `.bss`.
static mut BLOCKS: [BoxBlock<[u8; 1024]>; 1024] = [const { BoxBlock::new() }; 1024];

/// Gives the pool its blocks (once), then `alloc` (which moves the value,
/// 1 KiB of zeros, into the block), a volatile write into the buffer, drop.
#[inline(never)]
fn take_and_return() {
    // SAFETY: called once, by `_start`: the only reference to `BLOCKS`.
    // (Clippy's `BLOCKS` instead would be a reference to a `static mut`,
    // which edition 2024 refuses.)
    #[allow(clippy::deref_addrof)]
    let blocks = unsafe { &mut *(&raw mut BLOCKS) };
    for block in blocks {
        P.manage(block);
    }
    if let Ok(mut buf) = P.alloc([0; 1024]) {
        // SAFETY: `buf` is a 1 KiB buffer this function owns.
        unsafe { core::ptr::write_volatile(&mut buf[0], 1) };
        drop(buf);
    }
}
