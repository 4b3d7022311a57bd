//! TLS connections (feature `tls`), with rustls and its `ring` provider.
//!
//! Put `sslmode=require` in the connection string to make TLS mandatory (tokio-postgres
//! knows `disable`, `prefer`, `require`); [`TlsMode`] says how the server is checked:
//! [`TlsMode::VerifyFull`] is libpq's `verify-full` (certificate chain to the given roots, and
//! host name), [`TlsMode::Require`] is libpq's `require` (encrypted, server not verified).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let tls = quarry::tls::TlsMode::verify_full_pem(&std::fs::read("root.crt")?)?;
//! let client = quarry::Client::connect_tls("host=db.example.com sslmode=require user=app", &tls,
//!     quarry::ClientOptions::default()).await?;
//! # Ok(()) }
//! ```

use crate::error::Error;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::Arc;

pub use tokio_postgres_rustls::MakeRustlsConnect;

/// How the server's certificate is checked.
#[derive(Debug, Clone)]
pub enum TlsMode {
    /// Encrypt, but accept any certificate (libpq's `sslmode=require`): protects against
    /// eavesdropping, not against an impostor server.
    Require,
    /// Verify the certificate chain against these roots and the host name (libpq's
    /// `sslmode=verify-full`).
    VerifyFull(Arc<RootCertStore>),
}

impl TlsMode {
    /// [`TlsMode::VerifyFull`] trusting the certificates in a PEM file's contents.
    pub fn verify_full_pem(pem: &[u8]) -> Result<Self, Error> {
        let mut roots = RootCertStore::empty();
        for cert in rustls_pemfile::certs(&mut &pem[..]) {
            let cert = cert.map_err(|e| Error::io(format!("cannot read the root certificates: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| Error::io(format!("unusable root certificate: {e}")))?;
        }
        if roots.is_empty() {
            return Err(Error::io("no certificate in the root certificate PEM".into()));
        }
        Ok(TlsMode::VerifyFull(Arc::new(roots)))
    }

    /// The tokio-postgres connector for this mode.
    pub fn connector(&self) -> MakeRustlsConnect {
        MakeRustlsConnect::new(self.client_config())
    }

    /// The rustls configuration for this mode (what [`crate::wire::Connection::connect_tls`]
    /// uses).
    pub fn client_config(&self) -> rustls::ClientConfig {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions");
        match self {
            TlsMode::VerifyFull(roots) => builder.with_root_certificates(roots.clone()).with_no_client_auth(),
            TlsMode::Require => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                .with_no_client_auth(),
        }
    }
}

/// Accepts any server certificate but still checks the handshake signatures, so the session
/// is encrypted to whoever holds the certificate's key (`sslmode=require`).
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
