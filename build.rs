//! Assembles the boot trampoline and interrupt stubs in `asm/` with NASM and hands them, with
//! `linker.ld`, to the link of every bare-metal binary (the kernel and each test kernel).
//! Host builds (unit tests) get neither, so they link as ordinary programs.

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=linker.ld");
    println!("cargo:rerun-if-changed=asm");
    if env::var("TARGET").as_deref() != Ok("x86_64-unknown-none") {
        return;
    }

    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    let asm_dir = manifest_dir.join("asm");

    let mut sources: Vec<PathBuf> = std::fs::read_dir(&asm_dir)
        .expect("asm/ directory is missing")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "asm"))
        .collect();
    sources.sort();

    for source in &sources {
        println!("cargo:rerun-if-changed={}", source.display());
        let object = out_dir
            .join(source.file_stem().unwrap())
            .with_extension("o");
        let status = Command::new("nasm")
            .arg("-f")
            .arg("elf64")
            .arg("-w+all")
            .arg("-I")
            .arg(&asm_dir)
            .arg("-o")
            .arg(&object)
            .arg(source)
            .status()
            .expect("could not run nasm: install it (make deps) or put it on PATH");
        assert!(status.success(), "nasm failed on {}", source.display());
        println!("cargo:rustc-link-arg={}", object.display());
    }
    println!(
        "cargo:rustc-link-arg=-T{}",
        manifest_dir.join("linker.ld").display()
    );
}
