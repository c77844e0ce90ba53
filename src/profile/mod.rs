//! Profiles: the TOML model, validation, and the store on disk.
pub mod load;
pub mod model;
pub mod store;

pub use load::{load_file, ProfileError};
pub use model::{Profile, RawProfile, SecretSource};
