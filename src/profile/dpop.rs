//! `dpop` and `dpop_key` (RFC 9449): validated when the profile loads; the key itself read
//! only when a request needs it, behind the same trust gate as `client_key`.

use std::ffi::OsString;

use crate::oauth::jose::Signer;

use super::model::{Profile, RawProfile, SecretError, SecretSource};

/// `dpop_key` as written; errors name the key at fault.
pub fn parse(raw: &RawProfile) -> Result<Option<SecretSource>, (&'static str, String)> {
    let key = raw
        .dpop_key
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .and_then(SecretSource::parse);
    match (&key, raw.dpop.unwrap_or(false)) {
        (Some(_), false) => Err(("dpop_key", "is used only with dpop = true".to_owned())),
        (Some(SecretSource::Cmd(argv)), _) if argv.is_empty() => Err((
            "dpop_key",
            "`cmd:` needs a command after the colon".to_owned(),
        )),
        (Some(SecretSource::Env(name)), _) if name.is_empty() => Err((
            "dpop_key",
            "`env:` needs the name of an environment variable".to_owned(),
        )),
        _ => Ok(key),
    }
}

impl Profile {
    /// The profile's own DPoP key (`dpop_key`), read now; None when it names none (the key
    /// kept in the data directory is then used).
    pub fn dpop_key_signer(
        &self,
        env: &dyn Fn(&str) -> Option<OsString>,
    ) -> Result<Option<Signer>, SecretError> {
        let Some(source) = &self.dpop_key else {
            return Ok(None);
        };
        let error = |reason: String| SecretError::Key {
            key: "dpop_key",
            reason,
        };
        let value = source.resolve_as("dpop_key", env, &self.source)?;
        let text =
            super::key_auth::key_text(value.secret(), self.key_base(source)).map_err(error)?;
        Signer::from_key_text(&text, None)
            .map(Some)
            .map_err(|e| error(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(dpop: Option<bool>, key: Option<&str>) -> RawProfile {
        RawProfile {
            dpop,
            dpop_key: key.map(str::to_owned),
            ..RawProfile::default()
        }
    }

    #[test]
    fn dpop_key_needs_dpop_and_a_usable_source() {
        assert_eq!(parse(&raw(Some(true), None)), Ok(None));
        assert!(matches!(
            parse(&raw(Some(true), Some("env:K"))),
            Ok(Some(SecretSource::Env(_)))
        ));
        assert_eq!(parse(&raw(None, Some("k.pem"))).unwrap_err().0, "dpop_key");
        assert_eq!(
            parse(&raw(Some(true), Some("env:"))).unwrap_err().0,
            "dpop_key"
        );
        assert_eq!(
            parse(&raw(Some(true), Some("cmd:"))).unwrap_err().0,
            "dpop_key"
        );
    }

    fn profile(extra: &str) -> Profile {
        let text = format!(
            "auth_url = \"https://idp.example/auth\"\ntoken_url = \"https://idp.example/token\"\ncallback_url = \"http://127.0.0.1:8765/cb\"\nclient_id = \"c\"\n{extra}"
        );
        let file = std::path::Path::new("p.toml");
        let raw = super::super::load::parse_raw(file, &text).unwrap();
        super::super::load::validate_text(file, "p", &text, &raw).unwrap()
    }

    #[test]
    fn the_key_comes_from_dpop_key_and_a_cmd_needs_trust() {
        use crate::oauth::jose::sign::{generate_pkcs8, pkcs8_pem};
        use crate::oauth::jose::SignAlg;
        let pem = pkcs8_pem(&generate_pkcs8(SignAlg::ES256).unwrap());
        let p = profile("dpop = true\ndpop_key = \"env:TB_DPOP_KEY\"\n");
        assert!(p.dpop);
        let env = |name: &str| (name == "TB_DPOP_KEY").then(|| pem.clone().into());
        let signer = p.dpop_key_signer(&env).unwrap().unwrap();
        assert_eq!(signer.alg(), SignAlg::ES256);
        assert!(profile("dpop = true\n")
            .dpop_key_signer(&env)
            .unwrap()
            .is_none());
        // A profile file nobody trusted may not run its helper.
        let p = profile("dpop = true\ndpop_key = \"cmd:cat key.pem\"\n");
        assert!(p.dpop_key_signer(&env).is_err());
    }
}
