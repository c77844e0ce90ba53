//! Profiles: the TOML model, validation, and the store on disk.
mod fields;
pub mod load;
pub mod model;
pub mod name;
mod notes;
pub mod store;

pub use load::{load_file, ProfileError};
pub use model::{Profile, RawProfile, SecretSource};
pub use notes::notes;
