//! After the first token: refresh, userinfo, introspection and revocation on the cached
//! tokens, and a currently valid access token for scripts. Shared by the CLI and the TUI;
//! each operation returns a [`GrantReport`] (request redacted, response as received, the
//! parsed result, and what the cache should hold now).
mod cached;
mod endpoints;
mod error;
mod exchange;
mod id_token;
mod introspect;
mod refresh;
mod report;
mod revoke;
mod token;
mod userinfo;

pub use cached::{cache_run, load_cached, require_cached};
pub use endpoints::Discovered;
pub use error::GrantError;
pub use exchange::GrantIo;
pub use introspect::introspect;
pub use refresh::refresh;
pub use report::{GrantReport, GrantResult, Operation};
pub use revoke::revoke;
pub use token::{current_token, plan, CurrentToken, Plan, TokenSource, REFRESH_MARGIN_SECS};
pub use userinfo::userinfo;
