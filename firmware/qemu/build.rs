//! Takes the target's row of `targets.txt` (the one table of targets): its
//! memory map (`memory/<machine>.x`, copied to `OUT_DIR/memory.x`), the
//! runtime crate's linker scripts, and `OUT_DIR/target.rs` (the name in
//! every message, the timer's clock, the pool type), which
//! `src/platform/mod.rs` includes.

use std::{env, fs, path::PathBuf};

fn main() {
    println!("cargo::rerun-if-changed=targets.txt");
    println!("cargo::rerun-if-changed=memory");
    // Read by `option_env!` in `src/test.rs` (cargo tracks that too).
    println!("cargo::rerun-if-env-changed=IOBUF_QEMU_SEED");

    let target = env::var("TARGET").unwrap();
    let table = fs::read_to_string("targets.txt").unwrap();
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| line.split('|').map(str::trim).collect())
        .collect();
    let Some(row) = rows.iter().find(|row| row[0] == target) else {
        let known: Vec<&str> = rows.iter().map(|row| row[0]).collect();
        panic!(
            "iobuf-qemu runs on {} (targets.txt), not {target}: build it with --target",
            known.join(", ")
        );
    };
    let [_, machine, core, timer, timer_hz, pool, rustflags, _qemu] = row[..] else {
        panic!("targets.txt: the row of {target} does not have 8 columns");
    };
    let timer_hz: u64 = timer_hz
        .parse()
        .unwrap_or_else(|_| panic!("targets.txt: timer Hz of {target}: {timer_hz:?}"));
    assert!(
        !pool.is_empty() && pool.chars().all(|c| c.is_ascii_alphanumeric()),
        "targets.txt: pool of {target}: {pool:?}"
    );
    // The flags the target needs: without them the build fails somewhere
    // deep in a dependency, so say it here.
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let flags: Vec<&str> = flags.split('\x1f').collect();
    let needed: Vec<&str> = rustflags.split_whitespace().collect();
    if !needed.is_empty() && !flags.windows(needed.len()).any(|w| w == needed) {
        panic!("{target} needs RUSTFLAGS=\"{rustflags}\" (targets.txt)");
    }

    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::copy(format!("memory/{machine}.x"), out.join("memory.x")).unwrap();
    fs::write(
        out.join("target.rs"),
        format!(
            "// From targets.txt, by build.rs.\n\
             /// Target and machine, in every message.\n\
             pub const NAME: &str = \"{target} ({machine}, {core}, {timer})\";\n\
             /// The clock of the timer interrupt, in Hz.\n\
             pub const TIMER_HZ: u64 = {timer_hz};\n\
             /// The pool under test.\n\
             pub type Pool = iobuf::{pool}<BUFFERS>;\n"
        ),
    )
    .unwrap();
    println!("cargo::rustc-link-search={}", out.display());

    let scripts: &[&str] = match env::var("CARGO_CFG_TARGET_ARCH").unwrap().as_str() {
        // riscv-rt's link.x does not include memory.x: it must come first.
        "riscv32" => &["-Tmemory.x", "-Tlink.x"],
        _ => &["-Tlink.x"],
    };
    if target.starts_with("thumb") {
        // Sections start at their load address (cortex-m-rt's recommendation).
        println!("cargo::rustc-link-arg=--nmagic");
    }
    for script in scripts {
        println!("cargo::rustc-link-arg={script}");
    }
}
