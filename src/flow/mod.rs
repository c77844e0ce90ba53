//! The run orchestration shared by the CLI and the TUI: it ties the protocol core to the
//! network and reports progress as events.
pub mod diagnosis;
pub mod error;
pub mod grants;
pub mod report;
pub mod run;

pub use error::FlowError;
pub use report::{FlowReport, Received};
pub use run::{run_flow, system_now, BrowserMode, FlowEvent, FlowIo, FlowOptions, DIAGNOSE_AFTER};
