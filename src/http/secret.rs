//! Secrets: random ids, keys and seeds from the operating system, their hex
//! form, SHA-256, and the one comparison used wherever a secret is checked.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub type Hash = [u8; 32];

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The OS generator only fails when the platform has none; a server
    // without one cannot hand out secrets at all.
    getrandom::fill(&mut b).expect("the operating system's random generator");
    b
}

pub fn random_u64() -> u64 {
    u64::from_le_bytes(random_bytes::<8>())
}

/// 128 random bits as 32 lower-case hex digits: attempt and browser ids.
pub fn random_id() -> String {
    hex::encode(random_bytes::<16>())
}

/// A 256-bit secret, as 64 hex digits: host keys and owner keys.
pub fn new_secret() -> String {
    hex::encode(random_bytes::<32>())
}

/// Whether `s` looks like an id from [`random_id`]; anything else is not
/// worth a database lookup.
pub fn is_id(s: &str) -> bool {
    is_hex(s, 32)
}

/// Whether `s` looks like a secret from [`new_secret`].
pub fn is_secret(s: &str) -> bool {
    is_hex(s, 64)
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub fn sha256(text: &str) -> Hash {
    Sha256::digest(text.as_bytes()).into()
}

/// Compares without an early exit, so the time taken says nothing about how
/// much of a guess was right. Inputs of different lengths are unequal.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_secrets_are_fresh_and_recognised() {
        let id = random_id();
        assert!(is_id(&id), "{id}");
        assert_ne!(id, random_id());
        assert!(!is_id("ABCDEF0123456789abcdef0123456789"));
        assert!(!is_id("../etc"));
        let s = new_secret();
        assert!(is_secret(&s) && !is_id(&s));
        assert_ne!(s, new_secret());
    }

    #[test]
    fn comparison() {
        let s = new_secret();
        assert!(ct_eq(&sha256(&s), &sha256(&s)));
        assert!(!ct_eq(&sha256(&s), &sha256("x")));
        assert!(!ct_eq(b"abc", b"abcd"));
        assert!(ct_eq(b"", b""));
    }
}
