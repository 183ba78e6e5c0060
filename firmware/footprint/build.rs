//! Link arguments of every image: no linker script (the linker's default
//! layout is fine for measuring), `_start` as the entry point (the linker's
//! default, stated) and `--gc-sections`, so that only what `_start` reaches
//! is in the image.

fn main() {
    println!("cargo::rustc-link-arg=--entry=_start");
    println!("cargo::rustc-link-arg=--gc-sections");
}
