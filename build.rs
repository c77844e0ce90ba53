//! Release binaries on GNU/Linux pack their relative relocations (DT_RELR): the loader
//! reads a few KB instead of ~400 KB of relocation entries at every start (`decode` and
//! `token` run in scripts' loops). The binary stays position-independent (ASLR). Linkers
//! and C libraries without DT_RELR support ignore the option.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    if var("PROFILE") == "release"
        && var("CARGO_CFG_TARGET_OS") == "linux"
        && var("CARGO_CFG_TARGET_ENV") == "gnu"
    {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
