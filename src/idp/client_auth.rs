//! Token endpoint client authentication: `client_secret_basic`, `client_secret_post`, `none`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::clients::{self, Client};

/// `private_key_jwt` and `client_secret_jwt` (RFC 7523).
pub mod assertion;

/// What the token request carried that could identify the client.
#[derive(Clone, Copy, Debug, Default)]
pub struct Credentials<'a> {
    pub authorization: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub client_secret: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientAuthError {
    #[error("the Authorization header is not HTTP Basic; the token endpoint accepts client_secret_basic, client_secret_post or none")]
    NotBasic,
    #[error("the Basic credentials are not valid base64")]
    BasicBase64,
    #[error("the Basic credentials contain no ':' between client id and secret")]
    BasicNoColon,
    #[error("the Basic credentials are not UTF-8 after form-urldecoding (RFC 6749 §2.3.1)")]
    BasicNotUtf8,
    #[error("client credentials were sent both in the Authorization header and as client_secret in the body; use exactly one method (RFC 6749 §2.3)")]
    Both,
    #[error("client_id in the body ({body:?}) differs from the one in the Authorization header ({header:?})")]
    IdMismatch { header: String, body: String },
    #[error(
        "no client_id: a public client sends it in the body, a confidential client authenticates"
    )]
    Missing,
    #[error("unknown client {0:?}")]
    Unknown(String),
    #[error(
        "client {0:?} is confidential: authenticate with client_secret_basic or client_secret_post"
    )]
    SecretRequired(String),
    #[error("client {0:?} is a public client and has no secret; send only client_id in the body")]
    PublicWithSecret(String),
    #[error("wrong client secret for {0:?} (with Basic, id and secret are form-urlencoded before base64, RFC 6749 §2.3.1)")]
    WrongSecret(String),
    #[error("client {0:?} authenticates with private_key_jwt: send a client_assertion")]
    AssertionRequired(String),
    #[error("{0}")]
    Assertion(#[from] assertion::AssertionError),
}

/// Identifies and authenticates the client; one method only, as RFC 6749 §2.3 requires.
pub fn authenticate(creds: Credentials<'_>) -> Result<&'static Client, ClientAuthError> {
    if let Some(header) = creds.authorization {
        let (id, secret) = decode_basic(header)?;
        if creds.client_secret.is_some() {
            return Err(ClientAuthError::Both);
        }
        if let Some(body_id) = creds.client_id.filter(|body_id| *body_id != id) {
            return Err(ClientAuthError::IdMismatch {
                header: id,
                body: body_id.to_owned(),
            });
        }
        return check_secret(&id, &secret);
    }
    let id = creds.client_id.ok_or(ClientAuthError::Missing)?;
    if let Some(secret) = creds.client_secret {
        return check_secret(id, secret);
    }
    let client = clients::find(id).ok_or_else(|| ClientAuthError::Unknown(id.to_owned()))?;
    if client.jwks.is_some() {
        return Err(ClientAuthError::AssertionRequired(id.to_owned()));
    }
    match client.secret {
        None => Ok(client),
        Some(_) => Err(ClientAuthError::SecretRequired(id.to_owned())),
    }
}

fn check_secret(id: &str, presented: &str) -> Result<&'static Client, ClientAuthError> {
    let client = clients::find(id).ok_or_else(|| ClientAuthError::Unknown(id.to_owned()))?;
    let expected = client
        .secret
        .ok_or_else(|| ClientAuthError::PublicWithSecret(id.to_owned()))?;
    // Comparing digests keeps the comparison time independent of how much of the secret matched.
    if Sha256::digest(presented.as_bytes()) == Sha256::digest(expected.as_bytes()) {
        Ok(client)
    } else {
        Err(ClientAuthError::WrongSecret(id.to_owned()))
    }
}

/// `Basic base64(urlencode(id) ":" urlencode(secret))` → (id, secret), per RFC 6749 §2.3.1.
pub fn decode_basic(header: &str) -> Result<(String, String), ClientAuthError> {
    let (scheme, value) = header
        .trim()
        .split_once(' ')
        .ok_or(ClientAuthError::NotBasic)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(ClientAuthError::NotBasic);
    }
    let decoded = STANDARD
        .decode(value.trim())
        .map_err(|_| ClientAuthError::BasicBase64)?;
    // The first colon separates: an encoded id cannot contain one, a raw secret may.
    let mut halves = decoded.splitn(2, |&b| b == b':');
    let id = halves.next().unwrap_or_default();
    let secret = halves.next().ok_or(ClientAuthError::BasicNoColon)?;
    Ok((form_urldecode(id)?, form_urldecode(secret)?))
}

/// application/x-www-form-urlencoded decoding of one component: `+` is a space, `%XX` a byte.
/// Malformed escapes are kept literally, as the WHATWG URL standard does.
fn form_urldecode(input: &[u8]) -> Result<String, ClientAuthError> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = input
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| ClientAuthError::BasicNotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idp::{DEMO_CLIENT_ID, DEMO_CONFIDENTIAL_CLIENT_ID, DEMO_CONFIDENTIAL_SECRET};

    fn basic(id: &str, secret: &str) -> String {
        let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
        )
    }

    #[test]
    fn protocol_md_known_answers_decode() {
        assert_eq!(
            decode_basic("Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW").unwrap(),
            ("s6BhdRkqt3".into(), "gX1fBat3bV".into())
        );
        assert_eq!(
            decode_basic("Basic bXkrY2xpZW50OnAlNDBzcyUzQXclMkZyZA==").unwrap(),
            ("my client".into(), "p@ss:w/rd".into())
        );
        assert_eq!(
            decode_basic("Basic MVBwRyUyRlErMTp6JTJGdFo5VndGWnFBcG1JUSUyQlpIMUk1cExrJTJGdUI0dWQlM0FYMiUyRjhiTCUyQndmRlR0MXJGdyUzRA==").unwrap(),
            ("1PpG/Q 1".into(), "z/tZ9VwFZqApmIQ+ZH1I5pLk/uB4ud:X2/8bL+wfFTt1rFw=".into())
        );
    }

    #[test]
    fn malformed_basic() {
        assert_eq!(decode_basic("Bearer abc"), Err(ClientAuthError::NotBasic));
        assert_eq!(decode_basic("Basic"), Err(ClientAuthError::NotBasic));
        assert_eq!(decode_basic("Basic !!!"), Err(ClientAuthError::BasicBase64));
        assert_eq!(
            decode_basic("Basic bm9jb2xvbg=="),
            Err(ClientAuthError::BasicNoColon)
        );
        assert_eq!(
            decode_basic("basic YTpi").unwrap(),
            ("a".into(), "b".into())
        );
        // %FF alone is not UTF-8.
        let bad = format!("Basic {}", STANDARD.encode("a:%FF"));
        assert_eq!(decode_basic(&bad), Err(ClientAuthError::BasicNotUtf8));
        // A stray % survives literally.
        let stray = format!("Basic {}", STANDARD.encode("a:50%"));
        assert_eq!(decode_basic(&stray).unwrap().1, "50%");
    }

    #[test]
    fn confidential_client_basic_and_post() {
        let header = basic(DEMO_CONFIDENTIAL_CLIENT_ID, DEMO_CONFIDENTIAL_SECRET);
        let via_basic = Credentials {
            authorization: Some(&header),
            ..Default::default()
        };
        assert_eq!(
            authenticate(via_basic).unwrap().id,
            DEMO_CONFIDENTIAL_CLIENT_ID
        );
        let same_id_in_body = Credentials {
            authorization: Some(&header),
            client_id: Some(DEMO_CONFIDENTIAL_CLIENT_ID),
            ..Default::default()
        };
        assert!(authenticate(same_id_in_body).is_ok());
        let via_post = Credentials {
            authorization: None,
            client_id: Some(DEMO_CONFIDENTIAL_CLIENT_ID),
            client_secret: Some(DEMO_CONFIDENTIAL_SECRET),
        };
        assert!(authenticate(via_post).is_ok());
    }

    #[test]
    fn confidential_client_failures() {
        let header = basic(DEMO_CONFIDENTIAL_CLIENT_ID, DEMO_CONFIDENTIAL_SECRET);
        let both = Credentials {
            authorization: Some(&header),
            client_id: None,
            client_secret: Some(DEMO_CONFIDENTIAL_SECRET),
        };
        assert_eq!(authenticate(both), Err(ClientAuthError::Both));
        let neither = Credentials {
            client_id: Some(DEMO_CONFIDENTIAL_CLIENT_ID),
            ..Default::default()
        };
        assert!(matches!(
            authenticate(neither),
            Err(ClientAuthError::SecretRequired(_))
        ));
        let wrong = basic(DEMO_CONFIDENTIAL_CLIENT_ID, "nope");
        let wrong = Credentials {
            authorization: Some(&wrong),
            ..Default::default()
        };
        assert!(matches!(
            authenticate(wrong),
            Err(ClientAuthError::WrongSecret(_))
        ));
        let mismatch = Credentials {
            authorization: Some(&header),
            client_id: Some(DEMO_CLIENT_ID),
            client_secret: None,
        };
        assert!(matches!(
            authenticate(mismatch),
            Err(ClientAuthError::IdMismatch { .. })
        ));
    }

    #[test]
    fn public_client() {
        let ok = Credentials {
            client_id: Some(DEMO_CLIENT_ID),
            ..Default::default()
        };
        assert_eq!(authenticate(ok).unwrap().id, DEMO_CLIENT_ID);
        let with_secret = Credentials {
            client_id: Some(DEMO_CLIENT_ID),
            client_secret: Some("x"),
            ..Default::default()
        };
        assert!(matches!(
            authenticate(with_secret),
            Err(ClientAuthError::PublicWithSecret(_))
        ));
        let header = basic(DEMO_CLIENT_ID, "");
        let via_basic = Credentials {
            authorization: Some(&header),
            ..Default::default()
        };
        assert!(matches!(
            authenticate(via_basic),
            Err(ClientAuthError::PublicWithSecret(_))
        ));
        assert_eq!(
            authenticate(Credentials::default()),
            Err(ClientAuthError::Missing)
        );
        let unknown = Credentials {
            client_id: Some("who"),
            ..Default::default()
        };
        assert_eq!(
            authenticate(unknown),
            Err(ClientAuthError::Unknown("who".into()))
        );
    }
}
