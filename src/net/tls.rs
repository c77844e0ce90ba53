//! The certificate of an `https://` loopback callback. Some IdPs or registrations accept only
//! https redirect URIs; no public CA signs 127.0.0.1, so tokenbench makes a self-signed
//! certificate per profile, keeps it (key and certificate, 0600) in the data directory and
//! reuses it, so the person accepts the browser's warning once, not on every run.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use sha2::Digest as _;

use crate::profile::store::{create_private_dir, write_new, NewMode};

/// Written into the file above the PEM blocks, for whoever opens it.
const HEADER: &str = "# tokenbench: the https loopback callback's self-signed certificate and its key.\n# Delete this file to make a new one (the browser will then warn once more).\n";
/// Long enough to be made once: an exception the person accepted is for this certificate.
const VALID_YEARS: i32 = 10;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("no data directory to keep the callback certificate in (set XDG_DATA_HOME or HOME)")]
    NoDataDir,
    #[error("cannot make the callback certificate: {0}")]
    Generate(String),
    #[error("cannot write the callback certificate {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the callback certificate {}: {reason}; delete it to make a new one", path.display())]
    Read { path: PathBuf, reason: String },
}

/// A certificate ready to serve, and what to tell the person about it.
#[derive(Clone)]
pub struct CallbackCert {
    pub path: PathBuf,
    /// The loopback name it was made for (its subjectAltName).
    pub host: String,
    /// SHA-256 of the DER certificate, uppercase hex pairs joined by `:` (as browsers show it).
    pub fingerprint_sha256: String,
    /// Made by this run (else reused from an earlier one).
    pub created: bool,
    /// The certificate itself (DER), for a client that pins it (the in-process browser).
    pub der: Vec<u8>,
    pub config: Arc<ServerConfig>,
}

impl std::fmt::Debug for CallbackCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackCert")
            .field("path", &self.path)
            .field("host", &self.host)
            .field("fingerprint_sha256", &self.fingerprint_sha256)
            .field("created", &self.created)
            .finish_non_exhaustive()
    }
}

impl CallbackCert {
    /// The one line that explains the browser's warning.
    pub fn explanation(&self) -> String {
        format!(
            "your browser will warn once about this certificate: it was made by tokenbench for {}; fingerprint (SHA-256) {}",
            self.host, self.fingerprint_sha256
        )
    }
}

/// `<data dir>/tokenbench/tls` (on Linux `$XDG_DATA_HOME/tokenbench/tls`).
pub fn user_dir() -> Result<PathBuf, TlsError> {
    dirs::data_dir()
        .map(|d| d.join("tokenbench").join("tls"))
        .ok_or(TlsError::NoDataDir)
}

/// The file for a profile and host: both reduced to safe file-name characters, the host
/// kept so that a profile moved from 127.0.0.1 to localhost gets a certificate naming it.
pub fn path_for(dir: &Path, profile: &str, host: &str) -> PathBuf {
    let safe = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let name = safe(profile);
    let name = name.trim_start_matches('.');
    let name = if name.is_empty() { "profile" } else { name };
    dir.join(format!(
        "{name}@{}.pem",
        safe(host.trim_matches(['[', ']']))
    ))
}

/// Reuses the profile's certificate in `dir`, or makes it (0600, never through a symbolic
/// link, never over an existing file).
pub fn load_or_create(dir: &Path, profile: &str, host: &str) -> Result<CallbackCert, TlsError> {
    let path = path_for(dir, profile, host);
    let write_err = |source| TlsError::Write {
        path: path.clone(),
        source,
    };
    create_private_dir(dir).map_err(write_err)?;
    let created = match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(TlsError::Read {
                path: path.clone(),
                reason: "it is a symbolic link, and tokenbench never reads its key through one"
                    .to_owned(),
            })
        }
        Ok(meta) => {
            check_private(&path, &meta)?;
            false
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let pem = generate(host)?;
            match write_new(&path, pem.as_bytes(), NewMode::Private) {
                Ok(()) => true,
                // Another run made it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
                Err(e) => return Err(write_err(e)),
            }
        }
        Err(e) => return Err(write_err(e)),
    };
    let (cert, key) = read(&path)?;
    let fingerprint_sha256 = fingerprint(&cert);
    let der = cert.to_vec();
    let config = server_config(cert, key).map_err(|reason| TlsError::Read {
        path: path.clone(),
        reason,
    })?;
    Ok(CallbackCert {
        path,
        host: host.to_owned(),
        fingerprint_sha256,
        created,
        der,
        config,
    })
}

/// The file holds a private key: one others may read (or that is not a regular file) is
/// refused, with the command that fixes it, rather than served.
fn check_private(path: &Path, meta: &std::fs::Metadata) -> Result<(), TlsError> {
    let refuse = |reason: String| TlsError::Read {
        path: path.to_owned(),
        reason,
    };
    if !meta.is_file() {
        return Err(refuse("it is not a regular file".to_owned()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(refuse(format!(
                "it holds a private key but its mode is {mode:o} (others may read it): run chmod 600 on it"
            )));
        }
    }
    Ok(())
}

/// A self-signed certificate for `host` (an IP address or `localhost`), with its key, as PEM.
fn generate(host: &str) -> Result<String, TlsError> {
    use chrono::Datelike as _;
    let fail = |e: rcgen::Error| TlsError::Generate(e.to_string());
    let host = host.trim_matches(['[', ']']).to_owned();
    let mut params = rcgen::CertificateParams::new(vec![host.clone()]).map_err(fail)?;
    let mut name = rcgen::DistinguishedName::new();
    name.push(
        rcgen::DnType::CommonName,
        format!("tokenbench loopback callback ({host})"),
    );
    params.distinguished_name = name;
    let today = chrono::Utc::now().date_naive();
    // Day 28 at most: every month has it, in every year.
    let (month, day) = (today.month() as u8, today.day().min(28) as u8);
    params.not_before = rcgen::date_time_ymd(today.year() - 1, month, day);
    params.not_after = rcgen::date_time_ymd(today.year() + VALID_YEARS, month, day);
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(fail)?;
    let cert = params.self_signed(&key).map_err(fail)?;
    Ok(format!("{HEADER}{}{}", cert.pem(), key.serialize_pem()))
}

fn read(path: &Path) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), TlsError> {
    let fail = |reason: String| TlsError::Read {
        path: path.to_owned(),
        reason,
    };
    let text = read_no_follow(path).map_err(|e| fail(e.to_string()))?;
    let cert = CertificateDer::pem_slice_iter(&text)
        .next()
        .ok_or_else(|| fail("no certificate in it".to_owned()))?
        .map_err(|e| fail(e.to_string()))?;
    let key = PrivateKeyDer::from_pem_slice(&text).map_err(|e| fail(e.to_string()))?;
    Ok((cert, key))
}

/// The key is read with `O_NOFOLLOW`: a link planted after the check is refused too.
fn read_no_follow(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let mut text = Vec::new();
    options.open(path)?.read_to_end(&mut text)?;
    Ok(text)
}

fn server_config(
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, String> {
    // The ring provider by name: the one reqwest's rustls already uses.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .map_err(|e| e.to_string())?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// SHA-256 of a DER certificate, as `AB:CD:…`.
pub fn fingerprint(cert: &[u8]) -> String {
    sha2::Sha256::digest(cert)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_key_others_may_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let tls = dir.path().join("tls");
        let made = load_or_create(&tls, "p", "127.0.0.1").unwrap();
        let mode = std::fs::metadata(&made.path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        std::fs::set_permissions(&made.path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = load_or_create(&tls, "p", "127.0.0.1").unwrap_err();
        assert!(e.to_string().contains("chmod 600"), "{e}");
    }

    #[test]
    fn a_damaged_file_is_an_error_not_a_new_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let tls = dir.path().join("tls");
        let made = load_or_create(&tls, "p", "localhost").unwrap();
        std::fs::remove_file(&made.path).unwrap();
        write_new(&made.path, b"garbage", NewMode::Private).unwrap();
        let e = load_or_create(&tls, "p", "localhost").unwrap_err();
        assert!(e.to_string().contains("delete it to make a new one"), "{e}");
    }

    #[test]
    fn file_names_stay_in_the_directory() {
        let dir = Path::new("/d");
        assert_eq!(
            path_for(dir, "../../etc/x", "127.0.0.1"),
            Path::new("/d/_.._etc_x@127.0.0.1.pem")
        );
        assert_eq!(path_for(dir, "w", "[::1]"), Path::new("/d/w@__1.pem"));
        assert_eq!(
            path_for(dir, "", "localhost"),
            Path::new("/d/profile@localhost.pem")
        );
    }
}
