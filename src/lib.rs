//! tokenbench: a workbench for OAuth 2.0 Authorization Code with PKCE.
//!
//! Dependencies point one way: `tui`, `cli` → `flow` → `doctor` → `net`, `cache`, `profile`, `idp` → `oauth`
//! (`cache` writes with `profile`'s store helpers; `interop`, used by `tui` and `cli`, depends only on
//! `profile` and `oauth`).

// Nothing from a user, a file or the network may bring the process down.
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod cache;
pub mod cli;
pub mod doctor;
pub mod flow;
pub mod idp;
pub mod interop;
pub mod net;
pub mod oauth;
pub mod profile;
pub mod tui;
