//! Certificate credentials for Azure AD: a client assertion (an RS256-signed JWT whose
//! header names the certificate by its SHA-1 thumbprint, `x5t`), as Azure AD's client
//! credentials flow accepts instead of a client secret.
//!
//! The certificate and its RSA private key are read from PEM text (one file holding
//! `CERTIFICATE` and `PRIVATE KEY` or `RSA PRIVATE KEY` blocks, or two files).
//! PKCS#12 (`.pfx`) files are not read: convert one with
//! `openssl pkcs12 -in app.pfx -out app.pem -nodes`.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};

/// An application's certificate and private key, for signing client assertions.
pub struct ClientCertificate {
    key: RsaKeyPair,
    /// `x5t`: base64url of the SHA-1 digest of the certificate's DER bytes.
    x5t: String,
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("x5t", &self.x5t)
            .finish_non_exhaustive()
    }
}

/// The base64 bodies of the PEM blocks labelled `label`.
fn pem_blocks(text: &str, label: &str) -> Vec<Result<Vec<u8>, String>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&begin) {
        let after = &rest[start + begin.len()..];
        let Some(stop) = after.find(&end) else {
            out.push(Err(format!("a {label} block without its END line")));
            break;
        };
        let b64: String = after[..stop]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        out.push(
            STANDARD
                .decode(b64.as_bytes())
                .map_err(|e| format!("the {label} block is not valid base64: {e}")),
        );
        rest = &after[stop + end.len()..];
    }
    out
}

impl ClientCertificate {
    /// Reads the certificate and key from PEM text (both may be in one text: pass it
    /// twice).
    ///
    /// # Errors
    /// A message saying which block is missing or unreadable (never key material).
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<ClientCertificate, String> {
        let cert = pem_blocks(cert_pem, "CERTIFICATE")
            .into_iter()
            .next()
            .ok_or_else(|| "no CERTIFICATE block in the certificate file".to_owned())??;
        let key = if let Some(pkcs8) = pem_blocks(key_pem, "PRIVATE KEY").into_iter().next() {
            RsaKeyPair::from_pkcs8(&pkcs8?)
                .map_err(|e| format!("the PRIVATE KEY is not a usable RSA key: {e}"))?
        } else if let Some(pkcs1) = pem_blocks(key_pem, "RSA PRIVATE KEY").into_iter().next() {
            RsaKeyPair::from_der(&pkcs1?)
                .map_err(|e| format!("the RSA PRIVATE KEY is not usable: {e}"))?
        } else if key_pem.contains("ENCRYPTED PRIVATE KEY") {
            return Err(
                "the private key is encrypted; export it without a password \
                        (openssl pkcs8 -in key.pem -out plain.pem)"
                    .into(),
            );
        } else {
            return Err("no PRIVATE KEY or RSA PRIVATE KEY block in the key file".into());
        };
        let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &cert);
        Ok(ClientCertificate {
            key,
            x5t: URL_SAFE_NO_PAD.encode(digest.as_ref()),
        })
    }

    /// Reads a PEM file holding the certificate and, unless `key_path` is given, the
    /// key.
    ///
    /// # Errors
    /// The file that cannot be read, or what is wrong in it.
    pub fn from_files(
        cert_path: &std::path::Path,
        key_path: Option<&std::path::Path>,
    ) -> Result<ClientCertificate, String> {
        let read = |p: &std::path::Path| {
            std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))
        };
        let cert = read(cert_path)?;
        let key = match key_path {
            Some(k) => read(k)?,
            None => cert.clone(),
        };
        Self::from_pem(&cert, &key).map_err(|e| format!("{}: {e}", cert_path.display()))
    }

    /// The certificate's `x5t` thumbprint (base64url SHA-1).
    pub fn x5t(&self) -> &str {
        &self.x5t
    }

    /// A client assertion for the token endpoint `audience`, valid for ten minutes.
    ///
    /// # Errors
    /// When the system random source or the signature fails.
    pub fn assertion(&self, audience: &str, client_id: &str) -> Result<String, String> {
        let rng = SystemRandom::new();
        let mut jti = [0u8; 16];
        rng.fill(&mut jti)
            .map_err(|_| "no random source for the assertion id".to_owned())?;
        let now = chrono::Utc::now().timestamp();
        let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "x5t": self.x5t});
        let claims = serde_json::json!({
            "aud": audience,
            "iss": client_id,
            "sub": client_id,
            "jti": jti.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            "nbf": now - 60,
            "iat": now,
            "exp": now + 600,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &rng,
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| "signing the client assertion failed".to_owned())?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }

    /// The public key (DER `RSAPublicKey`), to verify assertions with.
    pub fn public_key_der(&self) -> Vec<u8> {
        self.key.public().as_ref().to_vec()
    }
}
