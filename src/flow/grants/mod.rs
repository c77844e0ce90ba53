//! After the first token: refresh, userinfo, introspection and revocation on the cached
//! tokens, and a currently valid access token for scripts. Shared by the CLI and the TUI;
//! each operation returns a [`GrantReport`] (request redacted, response as received, the
//! parsed result, and what the cache should hold now).
mod cached;
pub mod dpop;
mod endpoints;
mod error;
mod exchange;
mod id_token;
mod introspect;
mod offline;
mod refresh;
mod report;
mod revoke;
mod token;
mod token_format;
mod userinfo;
mod want;

pub use cached::{cache_run, load_cached, require_cached};
pub use endpoints::Discovered;
pub use error::GrantError;
pub use exchange::GrantIo;
pub use introspect::introspect;
pub use offline::{read_offline, OfflineProfile};
pub use refresh::refresh;
pub use report::{GrantReport, GrantResult, Operation};
pub use revoke::revoke;
pub use token::{current_token, current_token_for, CurrentToken, TokenSource};
pub use token_format::{render_token, Rendered, TokenFormat, EXEC_CREDENTIAL_API_VERSION};
pub use userinfo::userinfo;
pub use want::{plan, plan_for, Plan, TokenUse, Want, REFRESH_MARGIN_SECS};
