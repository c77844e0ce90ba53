//! Newtypes for values that must never be printed by accident.

/// Declares a string newtype whose `Debug` is redacted and whose value is reached only
/// through `.secret()`, so every place that can leak it is greppable.
macro_rules! secret_string {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                $name(value.into())
            }

            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}([redacted])", stringify!($name))
            }
        }
    };
}

secret_string!(
    /// A client secret (RFC 6749 §2.3.1).
    ClientSecret
);
secret_string!(
    /// An authorization code: single use, but still a bearer credential until redeemed.
    AuthorizationCode
);
secret_string!(
    /// An access, refresh or ID token.
    TokenValue
);

secret_string!(
    /// A copy of the code verifier a run used, for the person who asks to see it.
    UsedVerifier
);

/// What redacted values are replaced with in records and on screen.
pub const REDACTED: &str = "[redacted]";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = ClientSecret::new("hunter2");
        assert_eq!(format!("{s:?}"), "ClientSecret([redacted])");
        assert_eq!(s.secret(), "hunter2");
        assert!(!format!("{:?}", AuthorizationCode::new("abc")).contains("abc"));
    }
}
