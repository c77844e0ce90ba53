//! In-memory state of the demo IdP: pending consents, codes, refresh and access tokens.
//! One mutex, held only for map operations (never across an await).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::authorize_request::AuthorizationRequest;
use super::scope::Scope;
use crate::oauth::pkce::ChallengeMethod;
use crate::oauth::random::{Entropy, OsEntropy};

/// Unix seconds; injectable so expiry can be tested without sleeping.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    })
}

/// Codes live 60 s (RFC 6749 §4.1.2 recommends at most 10 minutes).
pub const CODE_LIFETIME: u64 = 60;
/// How long a consent page may stay open before Approve stops working.
pub const PENDING_LIFETIME: u64 = 600;
/// Spent and expired codes are remembered this long so errors can say *why* a code failed.
const FORGET_AFTER: u64 = 600;

/// What a user approved; shared by the code and every token derived from it.
#[derive(Clone, Debug)]
pub struct Grant {
    pub client_id: &'static str,
    pub scope: Scope,
    pub nonce: Option<String>,
    pub auth_time: u64,
    /// Ties tokens to their code so that code reuse can revoke them (RFC 6749 §4.1.2).
    pub grant_id: String,
    /// The DPoP key a public client's refresh tokens are bound to (RFC 9449 §5).
    pub dpop_jkt: Option<String>,
}

#[derive(Clone, Debug)]
pub struct CodeRecord {
    pub grant: Grant,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub method: ChallengeMethod,
    pub issued_at: u64,
    /// RFC 9449 §10: the code is bound to this DPoP key.
    pub dpop_jkt: Option<String>,
}

#[derive(Clone, Debug)]
pub struct AccessRecord {
    pub client_id: &'static str,
    pub scope: Scope,
    pub issued_at: u64,
    pub expires_at: u64,
    pub grant_id: String,
    /// The DPoP key the token is bound to (`cnf.jkt`, RFC 9449 §6).
    pub jkt: Option<String>,
}

/// What an active token is, as introspection reports it (RFC 7662 §2.2).
#[derive(Clone, Debug)]
pub enum ActiveToken {
    Access(AccessRecord),
    Refresh(Grant),
}

impl ActiveToken {
    pub fn client_id(&self) -> &'static str {
        match self {
            ActiveToken::Access(record) => record.client_id,
            ActiveToken::Refresh(grant) => grant.client_id,
        }
    }
}

/// Which map to search first: RFC 7009 §2.1 / RFC 7662 §2.1 make `token_type_hint` only a
/// hint, so the other kind is searched too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hint {
    Access,
    Refresh,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("{0} is unknown to this IdP")]
    Unknown(&'static str),
    #[error(
        "{0} was already used; it is single use, and the tokens issued from it are now revoked"
    )]
    AlreadyUsed(&'static str),
    #[error("{what} expired {ago} s ago (lifetime {lifetime} s)")]
    Expired {
        what: &'static str,
        ago: u64,
        lifetime: u64,
    },
    #[error("{0} was revoked (RFC 7009)")]
    Revoked(&'static str),
    #[error("{what} was issued to client {issued_to:?}, not to {presented_by:?}")]
    OtherClient {
        what: &'static str,
        issued_to: String,
        presented_by: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("the access token was not issued by this IdP (or was revoked)")]
    Unknown,
    #[error("the access token expired")]
    Expired,
    #[error("the access token was revoked (RFC 7009)")]
    Revoked,
}

const CODE: &str = "the authorization code";
const REFRESH: &str = "the refresh token";

#[derive(Default)]
struct Maps {
    pending: HashMap<String, (AuthorizationRequest, u64)>,
    codes: HashMap<String, CodeRecord>,
    /// code → (grant id, when it was spent or expired)
    spent_codes: HashMap<String, (String, u64)>,
    refresh: HashMap<String, Grant>,
    /// rotated refresh token → grant id
    rotated_refresh: HashMap<String, String>,
    access: HashMap<String, AccessRecord>,
    /// revoked access or refresh token → when, so errors can say why it stopped working
    revoked: HashMap<String, u64>,
}

pub struct Store {
    clock: Clock,
    maps: Mutex<Maps>,
}

impl Store {
    pub fn new(clock: Clock) -> Self {
        Store {
            clock,
            maps: Mutex::new(Maps::default()),
        }
    }

    pub fn now(&self) -> u64 {
        (self.clock)()
    }

    fn maps(&self) -> MutexGuard<'_, Maps> {
        // A panic elsewhere cannot leave these maps half-updated in a way that matters for a
        // demo, so keep serving rather than poisoning every later request.
        self.maps.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Parks a validated request behind an opaque handle for the consent form.
    pub fn put_pending(&self, request: AuthorizationRequest) -> String {
        let handle = random_token();
        let now = self.now();
        let mut maps = self.maps();
        maps.pending
            .retain(|_, (_, created)| now.saturating_sub(*created) <= PENDING_LIFETIME);
        maps.pending.insert(handle.clone(), (request, now));
        handle
    }

    /// Single use: a decided handle cannot be replayed.
    pub fn take_pending(&self, handle: &str) -> Option<AuthorizationRequest> {
        let now = self.now();
        let (request, created) = self.maps().pending.remove(handle)?;
        (now.saturating_sub(created) <= PENDING_LIFETIME).then_some(request)
    }

    pub fn issue_code(&self, record: CodeRecord) -> String {
        let code = random_token();
        let now = self.now();
        let mut maps = self.maps();
        maps.spent_codes
            .retain(|_, (_, at)| now.saturating_sub(*at) <= FORGET_AFTER);
        maps.codes
            .retain(|_, c| now.saturating_sub(c.issued_at) <= CODE_LIFETIME + FORGET_AFTER);
        maps.codes.insert(code.clone(), record);
        code
    }

    /// Spends the code. A code presented by another client is left alone, so a stranger
    /// cannot burn it; a second use revokes what the first one produced.
    pub fn redeem_code(&self, code: &str, client_id: &str) -> Result<CodeRecord, GrantError> {
        let now = self.now();
        let mut maps = self.maps();
        if let Some(grant_id) = maps.spent_codes.get(code).map(|(id, _)| id.clone()) {
            maps.revoke(&grant_id);
            return Err(GrantError::AlreadyUsed(CODE));
        }
        let record = maps.codes.get(code).ok_or(GrantError::Unknown(CODE))?;
        if record.grant.client_id != client_id {
            return Err(GrantError::OtherClient {
                what: CODE,
                issued_to: record.grant.client_id.to_owned(),
                presented_by: client_id.to_owned(),
            });
        }
        let record = maps.codes.remove(code).ok_or(GrantError::Unknown(CODE))?;
        maps.spent_codes
            .insert(code.to_owned(), (record.grant.grant_id.clone(), now));
        let age = now.saturating_sub(record.issued_at);
        if age > CODE_LIFETIME {
            return Err(GrantError::Expired {
                what: CODE,
                ago: age - CODE_LIFETIME,
                lifetime: CODE_LIFETIME,
            });
        }
        Ok(record)
    }

    pub fn issue_refresh(&self, grant: Grant) -> String {
        let token = random_token();
        self.maps().refresh.insert(token.clone(), grant);
        token
    }

    /// Rotation: the presented token dies; reusing a rotated one revokes the whole grant
    /// (refresh token reuse detection, RFC 9700 §4.14.2). `validate` runs before the token
    /// is spent, so a request refused for another reason (a widened scope) does not burn it.
    pub fn rotate_refresh<T, E: From<GrantError>>(
        &self,
        token: &str,
        client_id: &str,
        validate: impl FnOnce(&Grant) -> Result<T, E>,
    ) -> Result<(Grant, T), E> {
        let mut maps = self.maps();
        if maps.revoked.contains_key(token) {
            return Err(GrantError::Revoked(REFRESH).into());
        }
        if let Some(grant_id) = maps.rotated_refresh.get(token).cloned() {
            maps.revoke(&grant_id);
            return Err(GrantError::AlreadyUsed(REFRESH).into());
        }
        let grant = maps
            .refresh
            .get(token)
            .ok_or(GrantError::Unknown(REFRESH))?;
        if grant.client_id != client_id {
            return Err(GrantError::OtherClient {
                what: REFRESH,
                issued_to: grant.client_id.to_owned(),
                presented_by: client_id.to_owned(),
            }
            .into());
        }
        let checked = validate(grant)?;
        let grant = maps
            .refresh
            .remove(token)
            .ok_or(GrantError::Unknown(REFRESH))?;
        maps.rotated_refresh
            .insert(token.to_owned(), grant.grant_id.clone());
        Ok((grant, checked))
    }

    pub fn record_access(&self, token: String, record: AccessRecord) {
        let now = self.now();
        let mut maps = self.maps();
        maps.access.retain(|_, a| a.expires_at >= now);
        maps.access.insert(token, record);
    }

    pub fn lookup_access(&self, token: &str) -> Result<AccessRecord, AccessError> {
        let now = self.now();
        let maps = self.maps();
        if maps.revoked.contains_key(token) {
            return Err(AccessError::Revoked);
        }
        let record = maps
            .access
            .get(token)
            .cloned()
            .ok_or(AccessError::Unknown)?;
        if now > record.expires_at {
            return Err(AccessError::Expired);
        }
        Ok(record)
    }

    /// The token when it is active: issued here, not expired, not revoked.
    pub fn active(&self, token: &str, hint: Hint) -> Option<ActiveToken> {
        let now = self.now();
        self.maps().find(token, hint).filter(|found| match found {
            ActiveToken::Access(record) => now <= record.expires_at,
            ActiveToken::Refresh(_) => true,
        })
    }

    /// Revokes `token` for `client_id` (RFC 7009 §2.1). A token this IdP does not know (or
    /// no longer honours) is no error; one issued to another client is refused and left
    /// alone. A refresh token takes the access tokens of its grant with it; an access
    /// token goes alone, so the client can still refresh.
    pub fn revoke_token(&self, token: &str, hint: Hint, client_id: &str) -> Result<(), GrantError> {
        let now = self.now();
        let mut maps = self.maps();
        maps.revoked
            .retain(|_, at| now.saturating_sub(*at) <= FORGET_AFTER);
        let Some(found) = maps.find(token, hint) else {
            return Ok(());
        };
        if found.client_id() != client_id {
            return Err(GrantError::OtherClient {
                what: match found {
                    ActiveToken::Access(_) => "the access token",
                    ActiveToken::Refresh(_) => REFRESH,
                },
                issued_to: found.client_id().to_owned(),
                presented_by: client_id.to_owned(),
            });
        }
        match found {
            ActiveToken::Access(_) => {
                maps.access.remove(token);
                maps.revoked.insert(token.to_owned(), now);
            }
            ActiveToken::Refresh(grant) => {
                let revoked: Vec<String> = maps
                    .access
                    .iter()
                    .filter(|(_, a)| a.grant_id == grant.grant_id)
                    .map(|(t, _)| t.clone())
                    .chain([token.to_owned()])
                    .collect();
                maps.revoke(&grant.grant_id);
                maps.revoked.extend(revoked.into_iter().map(|t| (t, now)));
            }
        }
        Ok(())
    }
}

impl Maps {
    fn find(&self, token: &str, hint: Hint) -> Option<ActiveToken> {
        let access = || self.access.get(token).cloned().map(ActiveToken::Access);
        let refresh = || self.refresh.get(token).cloned().map(ActiveToken::Refresh);
        match hint {
            Hint::Access => access().or_else(refresh),
            Hint::Refresh => refresh().or_else(access),
        }
    }

    fn revoke(&mut self, grant_id: &str) {
        self.refresh.retain(|_, g| g.grant_id != grant_id);
        self.access.retain(|_, a| a.grant_id != grant_id);
    }
}

/// 256 random bits, base64url: codes, handles, refresh tokens, ids.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsEntropy.fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    fn store_at(time: Arc<AtomicU64>) -> Store {
        Store::new(Arc::new(move || time.load(Ordering::SeqCst)))
    }

    fn grant(client_id: &'static str, grant_id: &str) -> Grant {
        Grant {
            client_id,
            scope: Scope::parse(Some("openid offline_access")).unwrap(),
            nonce: None,
            auth_time: 1000,
            grant_id: grant_id.into(),
            dpop_jkt: None,
        }
    }

    fn code_record(client_id: &'static str, issued_at: u64) -> CodeRecord {
        CodeRecord {
            grant: grant(client_id, "g1"),
            redirect_uri: "http://127.0.0.1:1/callback".into(),
            code_challenge: "c".into(),
            method: ChallengeMethod::S256,
            issued_at,
            dpop_jkt: None,
        }
    }

    #[test]
    fn code_is_single_use_and_reuse_revokes() {
        let time = Arc::new(AtomicU64::new(1000));
        let store = store_at(time.clone());
        let code = store.issue_code(code_record("a", 1000));
        assert!(store.redeem_code(&code, "a").is_ok());
        let refresh = store.issue_refresh(grant("a", "g1"));
        store.record_access(
            "at".into(),
            AccessRecord {
                client_id: "a",
                scope: Scope::parse(None).unwrap(),
                issued_at: 1000,
                expires_at: 5000,
                grant_id: "g1".into(),
                jkt: None,
            },
        );
        assert_eq!(
            store.redeem_code(&code, "a").unwrap_err(),
            GrantError::AlreadyUsed(CODE)
        );
        assert_eq!(
            rotate(&store, &refresh, "a").unwrap_err(),
            GrantError::Unknown(REFRESH)
        );
        assert_eq!(store.lookup_access("at").unwrap_err(), AccessError::Unknown);
    }

    #[test]
    fn code_expires_after_sixty_seconds() {
        let time = Arc::new(AtomicU64::new(1000));
        let store = store_at(time.clone());
        let fresh = store.issue_code(code_record("a", 1000));
        let stale = store.issue_code(code_record("a", 1000));
        time.store(1060, Ordering::SeqCst);
        assert!(store.redeem_code(&fresh, "a").is_ok());
        time.store(1061, Ordering::SeqCst);
        assert_eq!(
            store.redeem_code(&stale, "a").unwrap_err(),
            GrantError::Expired {
                what: CODE,
                ago: 1,
                lifetime: CODE_LIFETIME
            }
        );
    }

    #[test]
    fn code_for_another_client_is_not_burned() {
        let store = store_at(Arc::new(AtomicU64::new(1000)));
        let code = store.issue_code(code_record("a", 1000));
        assert!(matches!(
            store.redeem_code(&code, "b"),
            Err(GrantError::OtherClient { .. })
        ));
        assert!(store.redeem_code(&code, "a").is_ok());
        assert_eq!(
            store.redeem_code("nope", "a").unwrap_err(),
            GrantError::Unknown(CODE)
        );
    }

    #[test]
    fn refresh_rotates_and_reuse_revokes_the_family() {
        let store = store_at(Arc::new(AtomicU64::new(1000)));
        let first = store.issue_refresh(grant("a", "g1"));
        assert!(matches!(
            rotate(&store, &first, "b"),
            Err(GrantError::OtherClient { .. })
        ));
        let g = rotate(&store, &first, "a").unwrap();
        let second = store.issue_refresh(g);
        assert_eq!(
            rotate(&store, &first, "a").unwrap_err(),
            GrantError::AlreadyUsed(REFRESH)
        );
        assert_eq!(
            rotate(&store, &second, "a").unwrap_err(),
            GrantError::Unknown(REFRESH)
        );
    }

    fn rotate(store: &Store, token: &str, client: &str) -> Result<Grant, GrantError> {
        store
            .rotate_refresh(token, client, |_| Ok::<(), GrantError>(()))
            .map(|(g, ())| g)
    }

    #[test]
    fn refused_validation_does_not_burn_the_refresh_token() {
        let store = store_at(Arc::new(AtomicU64::new(1000)));
        let token = store.issue_refresh(grant("a", "g1"));
        let refused = store.rotate_refresh(&token, "a", |_| {
            Err::<(), _>(GrantError::Unknown("the scope"))
        });
        assert!(refused.is_err());
        assert!(rotate(&store, &token, "a").is_ok());
    }

    #[test]
    fn access_token_expiry() {
        let time = Arc::new(AtomicU64::new(1000));
        let store = store_at(time.clone());
        let record = AccessRecord {
            client_id: "a",
            scope: Scope::parse(None).unwrap(),
            issued_at: 1000,
            expires_at: 2000,
            grant_id: "g".into(),
            jkt: None,
        };
        store.record_access("t".into(), record);
        assert!(store.lookup_access("t").is_ok());
        time.store(2001, Ordering::SeqCst);
        assert_eq!(store.lookup_access("t").unwrap_err(), AccessError::Expired);
    }

    fn access(client_id: &'static str, grant_id: &str) -> AccessRecord {
        AccessRecord {
            client_id,
            scope: Scope::parse(None).unwrap(),
            issued_at: 1000,
            expires_at: 2000,
            grant_id: grant_id.into(),
            jkt: None,
        }
    }

    #[test]
    fn revoking_an_access_token_leaves_the_refresh_token() {
        let time = Arc::new(AtomicU64::new(1000));
        let store = store_at(time.clone());
        let refresh = store.issue_refresh(grant("a", "g1"));
        store.record_access("at".into(), access("a", "g1"));
        assert!(store.active("at", Hint::Refresh).is_some());
        store.revoke_token("at", Hint::Access, "a").unwrap();
        assert!(store.active("at", Hint::Access).is_none());
        assert_eq!(store.lookup_access("at").unwrap_err(), AccessError::Revoked);
        assert!(store.active(&refresh, Hint::Access).is_some());
        assert!(rotate(&store, &refresh, "a").is_ok());
        // Revoking again, or a token never issued, is no error (RFC 7009 §2.2).
        assert!(store.revoke_token("at", Hint::Access, "a").is_ok());
        assert!(store.revoke_token("never", Hint::Refresh, "a").is_ok());
        time.store(2001, Ordering::SeqCst);
        store.record_access("late".into(), access("a", "g1"));
        assert!(store.active("late", Hint::Access).is_none(), "expired");
    }

    #[test]
    fn revoking_a_refresh_token_ends_its_grant() {
        let store = store_at(Arc::new(AtomicU64::new(1000)));
        let refresh = store.issue_refresh(grant("a", "g1"));
        store.record_access("at".into(), access("a", "g1"));
        store.record_access("other".into(), access("a", "g2"));
        store.revoke_token(&refresh, Hint::Refresh, "a").unwrap();
        assert!(store.active(&refresh, Hint::Refresh).is_none());
        assert!(store.active("at", Hint::Access).is_none());
        assert!(store.active("other", Hint::Access).is_some());
        assert_eq!(
            rotate(&store, &refresh, "a").unwrap_err(),
            GrantError::Revoked(REFRESH)
        );
    }

    #[test]
    fn another_clients_token_is_not_revoked() {
        let store = store_at(Arc::new(AtomicU64::new(1000)));
        let refresh = store.issue_refresh(grant("a", "g1"));
        assert!(matches!(
            store.revoke_token(&refresh, Hint::Refresh, "b"),
            Err(GrantError::OtherClient { .. })
        ));
        assert!(store.active(&refresh, Hint::Refresh).is_some());
    }

    #[test]
    fn pending_handles_are_single_use_and_expire() {
        let time = Arc::new(AtomicU64::new(1000));
        let store = store_at(time.clone());
        let req = AuthorizationRequest::sample();
        let h = store.put_pending(req.clone());
        assert!(store.take_pending(&h).is_some());
        assert!(store.take_pending(&h).is_none());
        let h = store.put_pending(req);
        time.store(1000 + PENDING_LIFETIME + 1, Ordering::SeqCst);
        assert!(store.take_pending(&h).is_none());
    }

    #[test]
    fn random_tokens_differ() {
        assert_ne!(random_token(), random_token());
        assert_eq!(random_token().len(), 43);
    }
}
