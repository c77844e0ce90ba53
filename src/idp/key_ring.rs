//! The demo IdP's signing keys: the first demo key until a rotation, the second after.
//! The JWKS serves only the current key, as after an IdP retires its old one.

use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{json, Value};

use super::keys::{KeyError, RsaAlg, SigningKey};

pub struct KeyRing {
    first: SigningKey,
    second: SigningKey,
    rotated: AtomicBool,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("current", &self.current().kid())
            .finish_non_exhaustive()
    }
}

impl KeyRing {
    #[cfg(test)]
    pub fn demo() -> Result<Self, KeyError> {
        Self::demo_with(RsaAlg::default())
    }

    /// Both demo keys, signing with `alg`.
    pub fn demo_with(alg: RsaAlg) -> Result<Self, KeyError> {
        Ok(KeyRing {
            first: SigningKey::demo()?.with_alg(alg),
            second: SigningKey::demo_rotated()?.with_alg(alg),
            rotated: AtomicBool::new(false),
        })
    }

    /// The key tokens are signed with now.
    pub fn current(&self) -> &SigningKey {
        if self.rotated.load(Ordering::SeqCst) {
            &self.second
        } else {
            &self.first
        }
    }

    /// Switches to the second key for good; rotating again changes nothing.
    pub fn rotate(&self) {
        self.rotated.store(true, Ordering::SeqCst);
    }

    /// The JWK Set document.
    pub fn public_jwks(&self) -> Value {
        json!({ "keys": [self.current().public_jwk()] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_changes_the_signing_key_and_the_jwks() {
        let ring = KeyRing::demo().unwrap();
        let before = ring.current().kid().to_owned();
        assert_eq!(ring.public_jwks()["keys"][0]["kid"], before.as_str());
        ring.rotate();
        let after = ring.current().kid().to_owned();
        assert_ne!(before, after);
        assert_eq!(ring.public_jwks()["keys"][0]["kid"], after.as_str());
        assert_eq!(ring.public_jwks()["keys"].as_array().unwrap().len(), 1);
        ring.rotate();
        assert_eq!(ring.current().kid(), after);
    }
}
