//! The certificate authority of the clusters' Kubernetes endpoints and the server certificate it
//! signs (SANs `localhost`, `127.0.0.1`, `::1` and the bound address). Keys are Ed25519 derived from
//! the seed, and serials and validity are fixed, so the CA that `DescribeCluster` returns as
//! `certificateAuthority.data` is the same bytes for the same `--seed`.

use std::net::IpAddr;
use std::sync::Arc;

use base64::Engine;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber, PKCS_ED25519,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The DER prefix of a PKCS#8 v1 document holding an Ed25519 seed (RFC 8410); the 32-byte seed follows.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// The CA and the serving certificate of the Kubernetes endpoints.
#[derive(Clone)]
pub struct CertificateAuthority {
    ca_pem: String,
    ca_pem_base64: String,
    server_chain: Vec<CertificateDer<'static>>,
    server_key_pkcs8: Vec<u8>,
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateAuthority")
            .finish_non_exhaustive()
    }
}

fn ed25519_key(rng: &mut ChaCha8Rng) -> (KeyPair, Vec<u8>) {
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    let mut pkcs8 = ED25519_PKCS8_PREFIX.to_vec();
    pkcs8.extend_from_slice(&seed);
    let key = KeyPair::from_pkcs8_der_and_sign_algo(
        &PrivatePkcs8KeyDer::from(pkcs8.as_slice()),
        &PKCS_ED25519,
    )
    .expect("a 32-byte seed is always a valid Ed25519 key");
    (key, pkcs8)
}

impl CertificateAuthority {
    /// The CA of `seed`, with a server certificate valid for loopback and `extra_ip`.
    ///
    /// # Panics
    /// Never in practice: the parameters are fixed and valid.
    #[must_use]
    pub fn from_seed(seed: u64, extra_ip: Option<IpAddr>) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x006b_7562_652d_6361); // "kube-ca"
        let (ca_key, _) = ed25519_key(&mut rng);
        let mut ca_params = CertificateParams::default();
        ca_params.distinguished_name = DistinguishedName::new();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "kubernetes");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        ca_params.serial_number = Some(SerialNumber::from_slice(&seed.to_be_bytes()));
        ca_params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        ca_params.not_after = rcgen::date_time_ymd(2099, 12, 31);
        let ca_cert = ca_params.self_signed(&ca_key).expect("valid CA parameters");
        let issuer = Issuer::new(ca_params, ca_key);

        let (server_key, server_key_pkcs8) = ed25519_key(&mut rng);
        let mut server_params = CertificateParams::default();
        server_params.distinguished_name = DistinguishedName::new();
        server_params
            .distinguished_name
            .push(DnType::CommonName, "kube-apiserver");
        let mut sans = vec![
            SanType::DnsName("localhost".try_into().expect("valid DNS name")),
            SanType::IpAddress(IpAddr::from([127, 0, 0, 1])),
            SanType::IpAddress("::1".parse().expect("valid IPv6")),
        ];
        if let Some(ip) = extra_ip.filter(|ip| !ip.is_loopback() && !ip.is_unspecified()) {
            sans.push(SanType::IpAddress(ip));
        }
        server_params.subject_alt_names = sans;
        server_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        server_params.serial_number = Some(SerialNumber::from_slice(
            &seed.wrapping_add(1).to_be_bytes(),
        ));
        server_params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        server_params.not_after = rcgen::date_time_ymd(2099, 12, 31);
        let server_cert = server_params
            .signed_by(&server_key, &issuer)
            .expect("valid server parameters");

        let ca_pem = ca_cert.pem();
        Self {
            ca_pem_base64: base64::engine::general_purpose::STANDARD.encode(&ca_pem),
            ca_pem,
            server_chain: vec![server_cert.der().clone(), ca_cert.der().clone()],
            server_key_pkcs8,
        }
    }

    /// The CA certificate, PEM.
    #[must_use]
    pub fn pem(&self) -> &str {
        &self.ca_pem
    }

    /// The CA certificate as `certificateAuthority.data`: base64 of the PEM (`LS0tLS1CRUdJTi…`).
    #[must_use]
    pub fn pem_base64(&self) -> &str {
        &self.ca_pem_base64
    }

    /// A rustls server configuration serving the signed certificate (HTTP/1.1 and HTTP/2 by ALPN).
    ///
    /// # Errors
    /// If rustls refuses the key (it does not for Ed25519 with the ring provider).
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, rustls::Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key_pkcs8.clone()));
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(self.server_chain.clone(), key)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_ca_bytes() {
        let a = CertificateAuthority::from_seed(3, None);
        let b = CertificateAuthority::from_seed(3, None);
        assert_eq!(a.pem(), b.pem());
        assert_ne!(a.pem(), CertificateAuthority::from_seed(4, None).pem());
        assert!(
            a.pem_base64().starts_with("LS0tLS1CRUdJTi"),
            "base64 of a PEM"
        );
        assert!(a.server_config().is_ok());
    }
}
