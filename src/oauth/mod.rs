//! The pure protocol core: no sockets, no files, no terminal. Clock and randomness are
//! injected so that every behaviour can be tested exactly.
pub mod pkce;
pub mod random;
