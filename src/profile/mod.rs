//! Profiles: the TOML model, validation, and the store on disk.
pub mod document;
mod edit;
mod fields;
pub mod load;
pub mod model;
pub mod name;
mod notes;
pub mod store;

pub use document::{DiskChange, ProfileDocument, SaveError};
pub use load::{load_file, validate_all, ProfileError};
pub use model::{Profile, RawProfile, SecretSource};
pub use notes::notes;
