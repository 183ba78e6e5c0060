//! Picks the QEMU machine from the target: its memory map (`memory/*.x`,
//! copied to `OUT_DIR/memory.x`), the runtime crate's linker scripts, and
//! `cfg(machine = "...")` for the code.

use std::{env, fs, path::PathBuf};

fn main() {
    println!("cargo::rustc-check-cfg=cfg(machine, values(\"mps2_an386\", \"microbit\", \"virt\"))");
    println!("cargo::rerun-if-changed=memory");
    let target = env::var("TARGET").unwrap();
    let (machine, memory, scripts): (_, _, &[&str]) = match target.as_str() {
        "thumbv7em-none-eabihf" => ("mps2_an386", "memory/mps2-an386.x", &["-Tlink.x"]),
        "thumbv6m-none-eabi" => ("microbit", "memory/microbit.x", &["-Tlink.x"]),
        // riscv-rt's link.x does not include memory.x: it must come first.
        "riscv32imac-unknown-none-elf" => ("virt", "memory/virt.x", &["-Tmemory.x", "-Tlink.x"]),
        other => panic!(
            "iobuf-qemu runs on thumbv7em-none-eabihf, thumbv6m-none-eabi or \
             riscv32imac-unknown-none-elf, not {other}: build it with --target"
        ),
    };
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::copy(memory, out.join("memory.x")).unwrap();
    println!("cargo::rustc-link-search={}", out.display());
    println!("cargo::rustc-cfg=machine=\"{machine}\"");
    if target.starts_with("thumb") {
        // Sections start at their load address (cortex-m-rt's recommendation).
        println!("cargo::rustc-link-arg=--nmagic");
    }
    for script in scripts {
        println!("cargo::rustc-link-arg={script}");
    }
}
