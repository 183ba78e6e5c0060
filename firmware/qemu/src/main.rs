//! iobuf under interrupts on QEMU: see `test.rs` for what is checked and
//! `platform/` for each machine's timer. Built and run by `.ci/qemu.sh`.

#![no_std]
#![no_main]

mod platform;
mod test;
