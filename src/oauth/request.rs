//! HTTP requests as data: built by the core, executed by `net`, shown in records with
//! sensitive values redacted.

use serde_json::{Map, Value};

use super::secret::REDACTED;

/// One header or form field; `sensitive` values are redacted in every record.
#[derive(Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub sensitive: bool,
}

impl Field {
    pub fn plain(name: &str, value: impl Into<String>) -> Self {
        Field {
            name: name.to_owned(),
            value: value.into(),
            sensitive: false,
        }
    }
    pub fn sensitive(name: &str, value: impl Into<String>) -> Self {
        Field {
            name: name.to_owned(),
            value: value.into(),
            sensitive: true,
        }
    }

    /// The value as it may be shown.
    pub fn shown(&self) -> String {
        if !self.sensitive {
            return self.value.clone();
        }
        // Keep the scheme of an Authorization header, so the record still says how the
        // client authenticated.
        match self.value.split_once(' ') {
            Some((scheme, _)) if self.name.eq_ignore_ascii_case("authorization") => {
                format!("{scheme} {REDACTED}")
            }
            _ => REDACTED.to_owned(),
        }
    }
}

impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.name, self.shown())
    }
}

/// A POST with a form body, the only shape the token endpoint takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<Field>,
    pub form: Vec<Field>,
}

impl HttpRequest {
    /// The urlencoded body as sent.
    pub fn body(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for f in &self.form {
            s.append_pair(&f.name, &f.value);
        }
        s.finish()
    }

    /// A record safe to print: header names lower-cased, sensitive values redacted.
    pub fn redacted_json(&self) -> Value {
        let fields = |list: &[Field], lower: bool| {
            let mut m = Map::new();
            for f in list {
                let name = if lower {
                    f.name.to_ascii_lowercase()
                } else {
                    f.name.clone()
                };
                m.insert(name, Value::String(f.shown()));
            }
            Value::Object(m)
        };
        let mut record = serde_json::json!({
            "method": self.method,
            "url": self.url,
            "headers": fields(&self.headers, true),
            "form": fields(&self.form, false),
        });
        // The assertion itself is a bearer credential until it expires: redacted above, and
        // shown here decoded (header and claims, never the signature).
        let assertion = self.form.iter().find(|f| f.name == "client_assertion");
        if let (Some(f), Value::Object(map)) = (assertion, &mut record) {
            if let Some((header, claims)) = super::jose::sign::decode_parts(&f.value) {
                map.insert(
                    "client_assertion".into(),
                    serde_json::json!({ "header": header, "claims": claims }),
                );
            }
        }
        // A DPoP proof likewise (RFC 9449): shown decoded, the key never (only its public JWK).
        let proof = self
            .headers
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case("DPoP"));
        if let (Some(f), Value::Object(map)) = (proof, &mut record) {
            if let Some((header, claims)) = super::jose::sign::decode_parts(&f.value) {
                map.insert(
                    "dpop_proof".into(),
                    serde_json::json!({ "header": header, "claims": claims }),
                );
            }
        }
        record
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_hide_sensitive_values() {
        let r = HttpRequest {
            method: "POST",
            url: "https://idp/token".into(),
            headers: vec![
                Field::sensitive("Authorization", "Basic czZC"),
                Field::plain("Accept", "application/json"),
            ],
            form: vec![
                Field::plain("grant_type", "authorization_code"),
                Field::sensitive("code_verifier", "v"),
            ],
        };
        let j = r.redacted_json();
        assert_eq!(j["headers"]["authorization"], "Basic [redacted]");
        assert_eq!(j["headers"]["accept"], "application/json");
        assert_eq!(j["form"]["code_verifier"], "[redacted]");
        assert_eq!(r.body(), "grant_type=authorization_code&code_verifier=v");
        assert!(!format!("{r:?}").contains("czZC"));
    }

    #[test]
    fn records_show_the_assertion_decoded_not_its_value() {
        use crate::oauth::client_assertion::ClientAssertion;
        use crate::oauth::jose::Signer;
        use crate::oauth::token_request::{add_client_auth, ClientAuth, ClientCredentials};
        use crate::oauth::types::ClientId;
        let client = ClientCredentials {
            client_id: ClientId::new("app"),
            secret: None,
            auth: ClientAuth::ClientSecretJwt,
            assertion: Some(ClientAssertion::new(
                Signer::hmac(b"k"),
                "https://idp".into(),
                || 100,
                || "j1".into(),
            )),
        };
        let (mut headers, mut form) = (Vec::new(), Vec::new());
        add_client_auth(&client, &mut headers, &mut form);
        let r = HttpRequest {
            method: "POST",
            url: "https://idp/token".into(),
            headers,
            form,
        };
        let jwt = r
            .form
            .iter()
            .find(|f| f.name == "client_assertion")
            .unwrap()
            .value
            .clone();
        let j = r.redacted_json();
        assert_eq!(j["form"]["client_assertion"], "[redacted]");
        assert_eq!(
            j["form"]["client_assertion_type"],
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        );
        assert_eq!(j["form"]["client_id"], "app");
        assert_eq!(j["client_assertion"]["header"]["alg"], "HS256");
        assert_eq!(j["client_assertion"]["claims"]["jti"], "j1");
        assert_eq!(j["client_assertion"]["claims"]["exp"], 160);
        let signature = jwt.rsplit('.').next().unwrap();
        assert!(!j.to_string().contains(signature));
        assert!(!j.to_string().contains(&jwt));
    }
}
