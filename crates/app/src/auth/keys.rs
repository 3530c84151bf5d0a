//! API keys: 256 random bits from the operating system, shown once; configuration holds only
//! each key's SHA-256 hash, its name and its scopes.
//!
//! Why SHA-256 and not a password hash: a key carries 256 bits of entropy, so nobody can guess
//! one from its hash however fast the hash is; slow, salted hashes (Argon2, scrypt, bcrypt) exist
//! to protect low-entropy secrets people choose, and would only add latency to every request.
//! The presented key's hash is compared with every configured hash in constant time (`subtle`).
//!
//! A configuration entry reads `<name>:<scopes>:sha256:<64 hex digits>`, for example
//! `billing:read,transfer:sha256:9f86…`; a list of them ([`ApiKeys::parse`]) is separated by `;`
//! or new lines, and `#` starts a comment line. Where the list comes from (a setting, a file, a
//! secret store) is the embedding binary's choice.

use std::collections::BTreeSet;
use std::fmt;

use async_trait::async_trait;
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::TryRngCore as _;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::Error;
use crate::auth::{Authenticator, Principal, Refusal, Scopes};

/// Every key starts with this, so that secret scanners and people recognise one.
pub const PREFIX: &str = "shop_";

/// Random bytes in a key: 256 bits.
pub const KEY_BYTES: usize = 32;

/// A key as the client sends it. A secret: `Debug` never shows it.
pub struct Secret(String);

impl Secret {
    /// The key text, to show once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// One configured key: its name, scopes and hash.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyEntry {
    principal: Principal,
    hash: [u8; 32],
}

impl KeyEntry {
    /// The principal a request with this key authenticates as.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// Parses one configuration entry.
    ///
    /// # Errors
    /// Says which part of the entry is wrong (never quoting the hash): [`Error::EntryShape`],
    /// [`Error::KeyScopes`], [`Error::PrincipalName`], [`Error::KeyAlgorithm`] or
    /// [`Error::KeyDigest`].
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let mut parts = raw.trim().splitn(4, ':');
        let (Some(name), Some(scopes), Some(algorithm), Some(digest)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::EntryShape);
        };
        let scopes = Scopes::parse(scopes)
            .map_err(|cause| Error::KeyScopes { name: name.to_owned(), cause: Box::new(cause) })?;
        let principal = Principal::new(name, scopes)?;
        if algorithm != "sha256" {
            return Err(Error::KeyAlgorithm { name: name.to_owned(), algorithm: algorithm.to_owned() });
        }
        let mut hash = [0u8; 32];
        hex::decode_to_slice(digest, &mut hash).map_err(|_| Error::KeyDigest { name: name.to_owned() })?;
        Ok(Self { principal, hash })
    }
}

impl fmt::Display for KeyEntry {
    /// The configuration entry, as [`KeyEntry::parse`] reads it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:sha256:{}", self.principal.name(), self.principal.scopes(), hex::encode(self.hash))
    }
}

impl fmt::Debug for KeyEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyEntry").field("principal", &self.principal).finish_non_exhaustive()
    }
}

fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// A new key for `name` with `scopes`, from the operating system's random generator, and the
/// configuration entry holding its hash.
///
/// # Errors
/// [`Error::PrincipalName`] when `name` cannot name a principal, [`Error::Random`] when the
/// generator fails.
pub fn generate(name: &str, scopes: Scopes) -> Result<(Secret, KeyEntry), Error> {
    let principal = Principal::new(name, scopes)?;
    let mut bytes = [0u8; KEY_BYTES];
    rand::rngs::OsRng.try_fill_bytes(&mut bytes).map_err(Error::Random)?;
    let secret = Secret(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)));
    let hash = digest(secret.expose());
    Ok((secret, KeyEntry { principal, hash }))
}

/// The configured keys; the built-in [`Authenticator`]: `Authorization: Bearer <key>`.
#[derive(Clone, Default, Debug)]
pub struct ApiKeys {
    entries: Vec<KeyEntry>,
}

impl ApiKeys {
    /// Parses entries separated by `;` or new lines; blank entries and lines starting with `#`
    /// are skipped.
    ///
    /// # Errors
    /// [`Error::Entry`] naming the entry (by position) that does not parse; refuses two keys
    /// with one name ([`Error::DuplicateName`]: the audit log could not tell them apart) or one
    /// hash twice ([`Error::DuplicateKey`]).
    pub fn parse(text: &str) -> Result<Self, Error> {
        let mut entries = Vec::new();
        let mut names = BTreeSet::new();
        let mut hashes = BTreeSet::new();
        let lines = text.lines().filter(|line| !line.trim_start().starts_with('#'));
        for (index, raw) in lines.flat_map(|line| line.split(';')).filter(|raw| !raw.trim().is_empty()).enumerate() {
            let position = index + 1;
            let entry = KeyEntry::parse(raw).map_err(|cause| Error::Entry { position, cause: Box::new(cause) })?;
            if !names.insert(entry.principal.name().to_owned()) {
                return Err(Error::DuplicateName { position, name: entry.principal.name().to_owned() });
            }
            if !hashes.insert(entry.hash) {
                return Err(Error::DuplicateKey { position });
            }
            entries.push(entry);
        }
        Ok(Self { entries })
    }

    /// Whether no key is configured.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The configured keys.
    pub fn entries(&self) -> &[KeyEntry] {
        &self.entries
    }

    /// The principal of `key`, comparing its hash with every configured hash in constant time.
    pub fn find(&self, key: &str) -> Option<&Principal> {
        let presented = digest(key);
        let mut found = None;
        // No early exit: every entry is compared whichever matches.
        for entry in &self.entries {
            if bool::from(entry.hash[..].ct_eq(&presented[..])) {
                found = Some(&entry.principal);
            }
        }
        found
    }
}

/// The credentials of a bearer `Authorization` header (RFC 6750): the scheme is case-insensitive.
pub(crate) fn bearer(request: &Parts) -> Result<&str, Refusal> {
    let value = request.headers.get(header::AUTHORIZATION).ok_or(Refusal::Missing)?;
    let text = value.to_str().map_err(|_| Refusal::Invalid)?;
    let (scheme, credentials) = text.split_once(' ').ok_or(Refusal::Invalid)?;
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !credentials.is_empty() {
        Ok(credentials)
    } else {
        Err(Refusal::Invalid)
    }
}

#[async_trait]
impl Authenticator for ApiKeys {
    async fn authenticate(&self, request: &Parts) -> Result<Principal, Refusal> {
        self.check(request)
    }

    // Hashing and comparing never wait: the router calls this in line.
    fn authenticate_now(&self, request: &Parts) -> Option<Result<Principal, Refusal>> {
        Some(self.check(request))
    }
}

impl ApiKeys {
    fn check(&self, request: &Parts) -> Result<Principal, Refusal> {
        self.find(bearer(request)?).cloned().ok_or(Refusal::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;
    use crate::auth::Scope;

    fn parts(authorization: Option<&str>) -> Parts {
        let mut builder = Request::builder();
        if let Some(value) = authorization {
            builder = builder.header(header::AUTHORIZATION, value);
        }
        builder.body(()).expect("a request").into_parts().0
    }

    #[test]
    fn a_new_key_has_256_random_bits_and_its_entry_holds_only_its_hash() {
        let (secret, entry) = generate("billing", Scopes::parse("transfer,read").expect("scopes")).expect("a key");
        let (other, _) = generate("billing", Scopes::all()).expect("a key");

        let encoded = secret.expose().strip_prefix(PREFIX).expect("the prefix");
        assert_eq!(URL_SAFE_NO_PAD.decode(encoded).expect("base64").len(), KEY_BYTES);
        assert_ne!(secret.expose(), other.expose());
        let line = entry.to_string();
        assert!(line.starts_with("billing:read,transfer:sha256:"), "{line}");
        assert!(!line.contains(encoded), "the entry holds the key itself: {line}");
        assert!(!format!("{secret:?}{entry:?}").contains(encoded));
        assert_eq!(KeyEntry::parse(&line).expect("the entry parses"), entry);
    }

    #[tokio::test]
    async fn only_a_configured_key_authenticates_as_its_principal() {
        let (billing, billing_entry) = generate("billing", Scopes::parse("transfer").expect("scopes")).expect("a key");
        let (ops, ops_entry) = generate("ops", Scopes::all()).expect("a key");
        let keys = ApiKeys::parse(&format!("# keys\n{billing_entry};{ops_entry}\n")).expect("parses");

        let principal = keys.authenticate(&parts(Some(&format!("Bearer {}", billing.expose())))).await;
        let principal = principal.expect("billing authenticates");
        assert_eq!(principal.name(), "billing");
        assert!(principal.scopes().contains(Scope::Transfer) && !principal.scopes().contains(Scope::Read));
        let lower = keys.authenticate(&parts(Some(&format!("bearer {}", ops.expose())))).await;
        assert_eq!(lower.expect("the scheme is case-insensitive").name(), "ops");
        assert_eq!(keys.authenticate(&parts(None)).await, Err(Refusal::Missing));
        for wrong in ["Bearer shop_unknown", "Basic b3BzOm9wcw==", "Bearer", "Bearer  "] {
            assert_eq!(keys.authenticate(&parts(Some(wrong))).await, Err(Refusal::Invalid), "{wrong}");
        }
    }

    #[test]
    fn broken_configuration_is_refused_naming_the_entry() {
        let (_, entry) = generate("ops", Scopes::all()).expect("a key");
        let line = entry.to_string();
        for (text, expected) in [
            ("ops:read", "entry 1"),
            ("ops:root:sha256:00", "unknown scope"),
            ("ops:read:md5:00", "sha256"),
            ("ops:read:sha256:zz", "64 hex digits"),
            ("two words:read:sha256:00", "invalid principal name"),
        ] {
            let error = ApiKeys::parse(text).expect_err(text).to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
        let twice = format!("{line}\n{line}");
        assert!(matches!(ApiKeys::parse(&twice), Err(Error::DuplicateName { position: 2, .. })));
        let (_, renamed) = generate("other", Scopes::all()).expect("a key");
        let same_key = renamed.to_string().replacen("other", "ops2", 1);
        assert!(matches!(ApiKeys::parse(&format!("{same_key};{renamed}")), Err(Error::DuplicateKey { position: 2 })));
        assert!(ApiKeys::parse("\n# nothing\n").expect("empty is valid").is_empty());
    }
}
