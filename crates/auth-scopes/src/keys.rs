use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

pub const PERSONAL_KEY_PREFIX: &str = "phx_";
pub const PROJECT_TOKEN_PREFIX: &str = "phc_";

/// What a bearer value claims to be, judged by its shape alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    PersonalKey,
    ProjectToken,
    /// Anything with the three dot-separated parts of a JWT.
    Session,
    Unknown,
}

pub fn classify(value: &str) -> CredentialKind {
    if value.starts_with(PERSONAL_KEY_PREFIX) {
        CredentialKind::PersonalKey
    } else if value.starts_with(PROJECT_TOKEN_PREFIX) {
        CredentialKind::ProjectToken
    } else if value.split('.').count() == 3 {
        CredentialKind::Session
    } else {
        CredentialKind::Unknown
    }
}

fn random_base62(len: usize) -> String {
    rand::rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

/// `phx_` and 47 base-62 characters (≈279 bits), the length PostHog's 35-byte keys have.
pub fn generate_personal_key() -> String {
    format!("{PERSONAL_KEY_PREFIX}{}", random_base62(47))
}

/// `phc_` and 43 base-62 characters: the project's public ingestion token.
pub fn generate_project_token() -> String {
    format!("{PROJECT_TOKEN_PREFIX}{}", random_base62(43))
}

/// The id under which a key is listed (not a secret).
pub fn generate_key_id() -> String {
    random_base62(32)
}

/// How a key is stored: unsalted SHA-256, so lookup is one indexed equality. The key has
/// ~279 random bits, so a salt adds nothing.
pub fn secure_value(key: &str) -> String {
    format!("sha256${}", hex::encode(Sha256::digest(key.as_bytes()).as_slice()))
}

/// First and last four characters, e.g. `phx_...a1B2`.
pub fn mask_value(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() < 8 {
        return "...".to_string();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}...{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_their_prefix_length_and_alphabet() {
        let k = generate_personal_key();
        assert!(k.starts_with("phx_"));
        assert_eq!(k.len(), 51);
        assert!(k[4..].chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(k, generate_personal_key());
        let t = generate_project_token();
        assert!(t.starts_with("phc_") && t.len() == 47);
    }

    #[test]
    fn secure_value_is_sha256_hex() {
        // sha256("abc")
        assert_eq!(
            secure_value("abc"),
            "sha256$ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn mask_keeps_four_and_four() {
        assert_eq!(mask_value("phx_abcdefghWXYZ"), "phx_...WXYZ");
        assert!(mask_value("phx_abcdefghWXYZ").len() <= 11);
        assert_eq!(mask_value("short"), "...");
    }

    #[test]
    fn classify_by_shape() {
        assert_eq!(classify("phx_x"), CredentialKind::PersonalKey);
        assert_eq!(classify("phc_x"), CredentialKind::ProjectToken);
        assert_eq!(classify("a.b.c"), CredentialKind::Session);
        assert_eq!(classify("nonsense"), CredentialKind::Unknown);
    }
}
