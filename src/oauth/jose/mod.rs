//! JOSE for verifying signed JWTs (RFC 7515, 7517, 7518, 8037): the algorithms tokenbench
//! accepts, public keys from a JWKS, and signature verification with `ring`. Pure: the keys
//! are fetched elsewhere (`net::jwks`).
pub mod alg;
pub mod jwk;
pub mod kid;
pub mod verify;

pub use alg::{Alg, AlgError};
pub use jwk::{parse_jwks, Jwk, Jwks, JwksError, PublicKey};
pub use kid::shown_kid;
pub use verify::{read_header, verify_jws, JwsHeader, SignatureError, Verified};
pub mod sign;

pub use sign::{SignAlg, SignError, Signer};
