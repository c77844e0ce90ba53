//! The run orchestration shared by the CLI and the TUI: it ties the protocol core to the
//! network and reports progress as events.
pub mod accept;
pub mod client_credentials;
mod code_exchange;
pub mod device;
pub mod diagnosis;
pub mod error;
mod front_channel;
pub mod grant_step;
pub mod grants;
pub mod logout;
pub mod qr;
pub mod reach;
pub mod report;
pub mod resolve;
pub mod run;
pub mod security_profile;
pub mod token_origin;
pub mod verify;

pub use error::FlowError;
pub use report::{FlowReport, Received};
pub use resolve::{resolve, resolve_file, Resolved};
pub use run::{
    run_flow, run_flow_with_clock, run_resolved, run_resolved_with_clock, system_now, BrowserMode,
    FlowEvent, FlowIo, FlowOptions, DIAGNOSE_AFTER,
};
