//! Release binaries on GNU/Linux pack their relative relocations (DT_RELR): the loader
//! reads a few KB instead of ~400 KB of relocation entries at every start (`decode` and
//! `token` run in scripts' loops). The binary stays position-independent (ASLR). Linkers
//! and C libraries without DT_RELR support ignore the option.
//!
//! They are also linked by the toolchain's own lld with `scripts/link-order.txt` as the
//! symbol order (made by `scripts/link-order.sh`): the code `decode` and a cached `token`
//! run sits together at the start of the text instead of spread through it, and the
//! kernel maps file pages 64 KB at a time around each fault, so fewer pages are resident.
//! Without lld in the toolchain the binary is linked as before, in the default order.
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=scripts/link-order.txt");
    // scripts/link-order.sh asks for a link map, to name the code at each address.
    println!("cargo:rerun-if-env-changed=TOKENBENCH_LINK_MAP");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    if var("PROFILE") != "release"
        || var("CARGO_CFG_TARGET_OS") != "linux"
        || var("CARGO_CFG_TARGET_ENV") != "gnu"
    {
        return;
    }
    let arg = |a: &str| println!("cargo:rustc-link-arg-bins={a}");
    arg("-Wl,-z,pack-relative-relocs");
    let order = Path::new(&var("CARGO_MANIFEST_DIR")).join("scripts/link-order.txt");
    if let (true, Some(lld)) = (order.is_file(), toolchain_lld(&var("TARGET"))) {
        arg(&format!("-B{}", lld.display()));
        arg("-fuse-ld=lld");
        arg(&format!("-Wl,--symbol-ordering-file={}", order.display()));
        // Names from another build (a dependency updated since) are skipped quietly.
        arg("-Wl,--no-warn-symbol-ordering");
    }
    let map = var("TOKENBENCH_LINK_MAP");
    if !map.is_empty() {
        arg(&format!("-Wl,-Map={map}"));
    }
}

/// The directory holding the toolchain's `ld.lld` for the C compiler driver (the one rustc
/// itself links with by default on x86_64 GNU/Linux), if this toolchain ships it.
fn toolchain_lld(target: &str) -> Option<PathBuf> {
    let rustc = std::env::var_os("RUSTC")?;
    let out = std::process::Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    let sysroot = String::from_utf8(out.stdout).ok()?;
    let dir = Path::new(sysroot.trim())
        .join("lib/rustlib")
        .join(target)
        .join("bin/gcc-ld");
    dir.join("ld.lld").is_file().then_some(dir)
}
