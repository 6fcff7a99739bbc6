//! Users, their roles and their API tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, NewAuditEntry};
use super::schema::{api_tokens, sessions, users};
use super::{Conn, StorageError};
use crate::domain::{Role, RoleName};

#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: RoleName,
    pub company_code: Option<String>,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    /// Where notifications to the user's company go.
    pub email: Option<String>,
}

impl User {
    /// The user's role with the company it is bound to; stored parts that do
    /// not fit together are an error, never a guess.
    pub fn role(&self) -> Result<Role, StorageError> {
        Role::from_parts(self.role, self.company_code.as_deref()).ok_or_else(|| {
            StorageError::Corrupt(format!(
                "user {} is a {} with company {:?}",
                self.name, self.role, self.company_code
            ))
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("a user named '{0}' exists already")]
    Exists(String),
    #[error("there is no active user named '{0}'")]
    NotFound(String),
    #[error("no company with the code {0} exists (import companies first)")]
    UnknownCompany(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<diesel::result::Error> for UserError {
    fn from(e: diesel::result::Error) -> Self {
        UserError::Storage(e.into())
    }
}

/// A fresh random API token: 256 bits, hex.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("pc_{}", hex::encode(bytes)))
}

pub fn token_digest(token: &str) -> String {
    crate::rules::sha256_hex(token.as_bytes())
}

/// A user to create: name, role (with its company) and how they sign in.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub name: &'a str,
    pub role: &'a Role,
    pub password_hash: Option<String>,
    /// The API token, shown once by the caller; only its digest is kept.
    pub token: &'a str,
}

/// Creates a user with one API token; returns the user.
pub fn add(
    conn: &mut Conn,
    new: NewUser<'_>,
    actor: &str,
    now: NaiveDateTime,
) -> Result<User, UserError> {
    let NewUser {
        name,
        role,
        password_hash,
        token,
    } = new;
    let company = match role {
        Role::Company { company_code } => Some(company_code.as_str()),
        Role::Admin | Role::Inspector => None,
    };
    let role = role.name();
    conn.transaction(|conn| {
        let exists: i64 = users::table
            .filter(users::name.eq(name))
            .count()
            .get_result(conn)?;
        if exists > 0 {
            return Err(UserError::Exists(name.into()));
        }
        if let Some(code) = company {
            let found: i64 = super::schema::companies::table
                .filter(super::schema::companies::company_code.eq(code))
                .count()
                .get_result(conn)?;
            if found == 0 {
                return Err(UserError::UnknownCompany(code.into()));
            }
        }
        let id: i64 = diesel::insert_into(users::table)
            .values((
                users::name.eq(name),
                users::role.eq(role),
                users::company_code.eq(company),
                users::password_hash.eq(&password_hash),
                users::created_at.eq(now),
            ))
            .returning(users::id)
            .get_result(conn)?;
        diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::user_id.eq(id),
                api_tokens::token_sha256.eq(token_digest(token)),
                api_tokens::created_at.eq(now),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            NewAuditEntry::new(actor, now, "users", name, "user_add").values(
                None,
                Some(serde_json::json!({ "role": role, "company_code": company }).to_string()),
            ),
        )?;
        let user: User = users::table
            .find(id)
            .select(User::as_select())
            .first(conn)?;
        Ok(user)
    })
}

/// Sets (or, None, removes) the contact address of active user `name`, audited.
pub fn set_email(
    conn: &mut Conn,
    name: &str,
    email: Option<&str>,
    actor: &str,
    now: NaiveDateTime,
) -> Result<(), UserError> {
    conn.transaction(|conn| {
        let user = active_by_name(conn, name)?.ok_or_else(|| UserError::NotFound(name.into()))?;
        diesel::update(users::table.find(user.id))
            .set(users::email.eq(email))
            .execute(conn)?;
        audit::record(
            conn,
            NewAuditEntry::new(actor, now, "users", name, "user_email").values(
                Some(serde_json::json!({ "email": user.email }).to_string()),
                Some(serde_json::json!({ "email": email }).to_string()),
            ),
        )?;
        Ok(())
    })
}

/// Revokes a user and every token of theirs.
pub fn revoke(
    conn: &mut Conn,
    name: &str,
    actor: &str,
    now: NaiveDateTime,
) -> Result<(), UserError> {
    conn.transaction(|conn| {
        let user = active_by_name(conn, name)?.ok_or_else(|| UserError::NotFound(name.into()))?;
        diesel::update(users::table.find(user.id))
            .set(users::revoked_at.eq(Some(now)))
            .execute(conn)?;
        diesel::update(api_tokens::table.filter(api_tokens::user_id.eq(user.id)))
            .filter(api_tokens::revoked_at.is_null())
            .set(api_tokens::revoked_at.eq(Some(now)))
            .execute(conn)?;
        audit::record(
            conn,
            NewAuditEntry::new(actor, now, "users", name, "user_revoke"),
        )?;
        Ok(())
    })
}

/// The active user a token belongs to, if the token is valid and not revoked.
pub fn by_token(conn: &mut Conn, token: &str) -> Result<Option<User>, StorageError> {
    let digest = token_digest(token);
    Ok(api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_sha256.eq(digest))
        .filter(api_tokens::revoked_at.is_null())
        .filter(users::revoked_at.is_null())
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// An active user by name (for sign-in).
pub fn active_by_name(conn: &mut Conn, name: &str) -> Result<Option<User>, StorageError> {
    Ok(users::table
        .filter(users::name.eq(name))
        .filter(users::revoked_at.is_null())
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn start_session(
    conn: &mut Conn,
    user_id: i64,
    token: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<(), StorageError> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::user_id.eq(user_id),
            sessions::token_sha256.eq(token_digest(token)),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn end_session(conn: &mut Conn, token: &str, now: NaiveDateTime) -> Result<(), StorageError> {
    diesel::update(sessions::table.filter(sessions::token_sha256.eq(token_digest(token))))
        .set(sessions::ended_at.eq(Some(now)))
        .execute(conn)?;
    Ok(())
}

/// The active user of a live session.
pub fn by_session(
    conn: &mut Conn,
    token: &str,
    now: NaiveDateTime,
) -> Result<Option<User>, StorageError> {
    let digest = token_digest(token);
    Ok(sessions::table
        .inner_join(users::table)
        .filter(sessions::token_sha256.eq(digest))
        .filter(sessions::ended_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(users::revoked_at.is_null())
        .select(User::as_select())
        .first(conn)
        .optional()?)
}
