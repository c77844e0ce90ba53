//! Other API clients' OAuth 2.0 settings in and out: Postman collections (v2.0, v2.1),
//! Insomnia exports (v4 JSON, v5 YAML) and Bruno collections are read into profiles; a
//! profile is written back as a Postman collection, an Insomnia export, a Bruno auth block or
//! a curl script.
//!
//! The readers and writers are pure (text in, documents and a report out); only [`disk`]
//! touches files, through the profile store's writers.
pub mod bru;
pub mod bruno;
pub mod curl;
pub mod detect;
pub mod disk;
pub mod export;
pub mod insomnia;
pub mod mapping;
pub mod plan;
pub mod postman;
pub mod report;
pub mod slug;
pub mod vars;

pub use detect::{detect, Input, NotRecognised};
pub use mapping::{Draft, Entry, Source, Target};
pub use report::Report;
