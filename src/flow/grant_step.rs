//! What a grant step other than the code flow gets from the run: the profile resolved, the
//! client, the issuer's metadata and the way to report progress.

use tokio::sync::mpsc;

use crate::net::http::HttpClient;
use crate::oauth::metadata::Metadata;
use crate::oauth::token_request::ClientCredentials;
use crate::profile::Profile;

use super::accept::Accept;
use super::run::FlowEvent;

pub struct Step<'a> {
    pub profile: &'a Profile,
    pub client: &'a ClientCredentials,
    pub metadata: Option<&'a Metadata>,
    pub http: &'a HttpClient,
    pub events: &'a mpsc::UnboundedSender<FlowEvent>,
    pub now: fn() -> i64,
    /// How long fetching the issuer's keys may take.
    pub fetch_limit: std::time::Duration,
    /// The DPoP key (`dpop = true`): proofs on every token request.
    pub dpop: Option<&'a crate::oauth::dpop::DpopProver>,
}

impl<'a> Step<'a> {
    pub fn emit(&self, event: FlowEvent) {
        let _ = self.events.send(event);
    }

    /// Whether an ID token may come back (and its keys are worth fetching early).
    pub fn openid(&self) -> bool {
        self.profile.scope.split(' ').any(|s| s == "openid")
    }

    /// The checks for tokens of a grant without a browser: no nonce, no code (`c_hash`).
    pub fn accept(&self) -> Accept<'a> {
        Accept {
            profile: self.profile,
            metadata: self.metadata,
            http: self.http,
            events: self.events,
            now: self.now,
            nonce: None,
            code: None,
            max_age: None,
        }
    }
}
