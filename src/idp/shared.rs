//! The state every handler sees.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use super::faults::Faults;
use super::key_ring::KeyRing;
use super::store::Store;

pub struct Shared {
    pub issuer: String,
    pub auto_approve: bool,
    pub keys: KeyRing,
    pub store: Store,
    faults: Mutex<Faults>,
    token_requests: AtomicUsize,
    /// The device grant's codes (RFC 8628).
    pub devices: super::device::Devices,
    /// Client assertion `jti`s seen (RFC 7523 §3: each is accepted once).
    pub jtis: Mutex<super::client_auth::assertion::SeenJtis>,
    /// DPoP proof `jti`s seen (RFC 9449 §11.1: each proof is accepted once).
    pub dpop_jtis: Mutex<super::client_auth::assertion::SeenJtis>,
    /// The nonce proofs must carry under the `dpop_nonce` fault (RFC 9449 §8); one per IdP
    /// run, as a server may keep a nonce as long as it likes.
    pub dpop_nonce: String,
    /// Pushed authorization requests (RFC 9126), by request_uri.
    pub pushed: super::par::Pushed,
}

impl Shared {
    pub fn new(
        issuer: String,
        auto_approve: bool,
        keys: KeyRing,
        store: Store,
        faults: Faults,
    ) -> Self {
        Shared {
            issuer,
            auto_approve,
            keys,
            store,
            faults: Mutex::new(faults),
            token_requests: AtomicUsize::new(0),
            devices: Default::default(),
            jtis: Default::default(),
            dpop_jtis: Default::default(),
            dpop_nonce: super::store::random_token(),
            pushed: Default::default(),
        }
    }

    /// A snapshot, so one request sees one consistent set of faults.
    pub fn faults(&self) -> Faults {
        self.faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.faults.lock().unwrap_or_else(PoisonError::into_inner) = faults;
    }

    pub fn count_token_request(&self) {
        self.token_requests.fetch_add(1, Ordering::SeqCst);
    }

    pub fn token_requests(&self) -> usize {
        self.token_requests.load(Ordering::SeqCst)
    }
}
