//! tokenbench: a workbench for OAuth 2.0 Authorization Code with PKCE.
//!
//! Dependencies point one way: `cli` → `flow` → `net`, `profile`, `idp` → `oauth`.
pub mod oauth;
pub mod cli;
pub mod flow;
pub mod net;
pub mod profile;
