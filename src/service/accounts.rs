//! Accounts: the password policy, password hashing (argon2id) and creating
//! or revoking users. The command line and the sign-in handler both use
//! these; neither holds a rule of its own.

use chrono::NaiveDateTime;

use crate::domain::Role;
use crate::storage::users::{self, NewUser, User, UserError};
use crate::storage::Conn;

/// The fewest characters a sign-in password may have.
pub const MIN_PASSWORD_CHARS: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    #[error("no randomness for a token or salt: {0}")]
    Randomness(String),
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error(transparent)]
    User(#[from] UserError),
}

/// An argon2id hash (PHC string) of a password, with a fresh salt.
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AccountError::Randomness(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Hash(e.to_string()))?;
    Ok(argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| AccountError::Hash(e.to_string()))?
        .to_string())
}

/// Does `password` match the PHC string `hash`? A malformed hash matches nothing.
pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Creates a user with a fresh API token and, when given, a sign-in
/// password (checked against the policy, then hashed). Returns the user
/// and the token, which the caller shows once.
pub fn add_user(
    conn: &mut Conn,
    name: &str,
    role: &Role,
    password: Option<&str>,
    actor: &str,
    now: NaiveDateTime,
) -> Result<(User, String), AccountError> {
    let password_hash = match password {
        Some(p) if p.chars().count() < MIN_PASSWORD_CHARS => {
            return Err(AccountError::WeakPassword)
        }
        Some(p) => Some(hash_password(p)?),
        None => None,
    };
    let token = users::new_token().map_err(|e| AccountError::Randomness(e.to_string()))?;
    let user = users::add(
        conn,
        NewUser {
            name,
            role,
            password_hash,
            token: &token,
        },
        actor,
        now,
    )?;
    Ok((user, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse", &hash));
        assert!(!verify_password("correct horse battery", "not a hash"));
    }
}
