//! The opt-in token cache (`cache_tokens = true` or `--cache`): the last token response of
//! each profile, in the user's data directory, private to the user.
pub mod dpop_key;
pub mod entry;
pub mod list;
pub mod lock;
pub mod owner;
pub mod store;

pub use entry::CachedTokens;
pub use lock::CacheLock;
pub use owner::CacheOwner;
pub use store::{CacheError, Lookup, TokenCache};
