//! Random secrets and their stored form, shared by API keys, refresh tokens and the
//! generated signing secret.

use rand::Rng as _;
use rand::distr::Alphanumeric;
use sha2::{Digest as _, Sha256};

/// `len` random characters from `[A-Za-z0-9]` (5.95 bits each), from the OS-seeded CSPRNG.
pub fn random_alphanumeric(len: usize) -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// The stored form of a high-entropy secret: SHA-256, hex. (Argon2 would add nothing: a
/// random secret of 40+ characters cannot be guessed, however fast the hash.)
pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}
