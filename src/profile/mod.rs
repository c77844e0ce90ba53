//! Profiles: the TOML model, validation, and the store on disk.
pub mod catalog;
pub mod document;
pub mod dpop;
mod edit;
mod fields;
pub mod key_auth;
pub mod lint;
pub mod load;
pub mod model;
pub mod name;
mod notes;
pub mod perms;
pub mod store;
mod suggest;
pub mod trust;

pub use catalog::{Origin, ProfileEntry, Shadow, StoreError};
pub use document::{DiskChange, ProfileDocument, SaveError};
pub use load::{load_file, validate_all, ProfileError};
pub use model::{
    IntrospectionAuth, Profile, RawIntrospection, RawProfile, SecretError, SecretSource,
};
pub use name::{validate_name, NameError};
pub use notes::notes;
pub use notes::quirks;
pub use trust::Provenance;
