//! HTTPS for a class on a real network: WebCrypto runs only in a secure context, and off
//! loopback that means TLS. The certificate is made at start-up for the address students
//! type (rcgen, ECDSA P-256), self-signed: no authority vouches for it, so students
//! compare its fingerprint on the projector with the one their browser shows before they
//! accept the warning. It is kept in the class's folder (`tls/`, the key mode 0600), so a
//! restarted class shows the same fingerprint.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

use crate::error::{Error, InputError, Result};
use crate::fsutil;

/// The folder, inside the class's, that keeps the certificate.
pub const TLS_DIR: &str = "tls";

/// A TLS acceptor for `hosts` and its certificate's SHA-256 (uppercase hex, colons).
pub fn acceptor(
    class_root: &Path,
    hosts: &[String],
) -> Result<(tokio_rustls::TlsAcceptor, String)> {
    let (cert, key) = certificate(class_root, hosts)?;
    let fingerprint = fingerprint(&cert);
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| {
            b.with_no_client_auth()
                .with_single_cert(vec![cert], PrivateKeyDer::Pkcs8(key))
        })
        .map_err(|e| Error::Internal(format!("TLS configuration: {e}")))?;
    // HTTP/1.1 only: the WebSocket upgrade is an HTTP/1.1 mechanism.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((
        tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        fingerprint,
    ))
}

/// SHA-256 of a certificate's DER, as browsers show it: `AB:CD:...`.
pub fn fingerprint(cert: &CertificateDer<'_>) -> String {
    Sha256::digest(cert.as_ref())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The class's certificate for `hosts`: the one kept from an earlier start for the same
/// hosts, or a new one.
fn certificate(
    class_root: &Path,
    hosts: &[String],
) -> Result<(CertificateDer<'static>, PrivatePkcs8KeyDer<'static>)> {
    let dir = class_root.join(TLS_DIR);
    let (cert_path, key_path, hosts_path) = (
        dir.join("cert.der"),
        dir.join("key.der"),
        dir.join("hosts.txt"),
    );
    let wanted = hosts.join("\n");
    if fs::read_to_string(&hosts_path).is_ok_and(|kept| kept == wanted) {
        let cert = fs::read(&cert_path).map_err(|e| Error::io(&cert_path, e))?;
        let key = fs::read(&key_path).map_err(|e| Error::io(&key_path, e))?;
        return Ok((CertificateDer::from(cert), PrivatePkcs8KeyDer::from(key)));
    }
    let mut params = rcgen::CertificateParams::new(hosts.to_vec()).map_err(|e| {
        InputError::new(format!(
            "cannot make a certificate for {} ({e})",
            hosts.join(", ")
        ))
        .field("--host")
    })?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "doormat classroom");
    let key_pair = rcgen::KeyPair::generate()
        .map_err(|e| Error::Internal(format!("TLS key generation: {e}")))?;
    let cert = params
        .self_signed(&key_pair)
        .map_err(|e| Error::Internal(format!("TLS certificate: {e}")))?;
    if !dir.is_dir() {
        crate::fsutil::create_private_dir(&dir)?;
    }
    for path in [&cert_path, &key_path, &hosts_path] {
        let _ = fs::remove_file(path);
    }
    fsutil::write_new(&key_path, &key_pair.serialize_der(), true)?;
    fsutil::write_new(&cert_path, cert.der(), false)?;
    fsutil::write_new(&hosts_path, wanted.as_bytes(), false)?;
    Ok((
        cert.der().clone(),
        PrivatePkcs8KeyDer::from(key_pair.serialize_der()),
    ))
}
