//! tokenbench: a workbench for OAuth 2.0 Authorization Code with PKCE.
pub mod idp;
pub mod oauth;
