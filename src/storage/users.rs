//! Users, their roles and their API tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, NewAuditEntry};
use super::schema::{api_tokens, sessions, users};
use super::{DbConn, StorageError};
use crate::with_conn;

/// What a user may do (issue #4's access rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "role", rename_all = "lowercase")]
pub enum Role {
    /// The housing bureau: everything.
    Admin,
    /// Street offices and district inspectors: import field data, read everything.
    Inspector,
    /// A property company: its own profile, results, file and appeals.
    Company { company_code: String },
}

impl Role {
    pub fn name(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Inspector => "inspector",
            Role::Company { .. } => "company",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub company_code: Option<String>,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

impl User {
    pub fn role(&self) -> Option<Role> {
        match (self.role.as_str(), &self.company_code) {
            ("admin", None) => Some(Role::Admin),
            ("inspector", None) => Some(Role::Inspector),
            ("company", Some(code)) => Some(Role::Company {
                company_code: code.clone(),
            }),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("a user named '{0}' exists already")]
    Exists(String),
    #[error("there is no active user named '{0}'")]
    NotFound(String),
    #[error("'{0}' is not a role; the roles are admin, inspector and company")]
    BadRole(String),
    #[error("a company user needs --company CODE, and only a company user may have one")]
    CompanyMismatch,
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

/// Creates a user with one API token; returns the user. The caller shows the token once.
pub fn add(
    conn: &mut DbConn,
    name: &str,
    role: &str,
    company: Option<&str>,
    password_hash: Option<String>,
    token: &str,
    actor: &str,
) -> Result<User, UserError> {
    if !["admin", "inspector", "company"].contains(&role) {
        return Err(UserError::BadRole(role.into()));
    }
    if (role == "company") != company.is_some() {
        return Err(UserError::CompanyMismatch);
    }
    let now = chrono::Local::now().naive_local();
    conn.transaction(|conn| {
        let exists: i64 = with_conn!(conn, |c| users::table
            .filter(users::name.eq(name))
            .count()
            .get_result(c))?;
        if exists > 0 {
            return Err(UserError::Exists(name.into()));
        }
        if let Some(code) = company {
            let found: i64 = with_conn!(conn, |c| super::schema::companies::table
                .filter(super::schema::companies::company_code.eq(code))
                .count()
                .get_result(c))?;
            if found == 0 {
                return Err(UserError::UnknownCompany(code.into()));
            }
        }
        let id: i64 = with_conn!(conn, |c| diesel::insert_into(users::table)
            .values((
                users::name.eq(name),
                users::role.eq(role),
                users::company_code.eq(company),
                users::password_hash.eq(&password_hash),
                users::created_at.eq(now),
            ))
            .returning(users::id)
            .get_result(c))?;
        with_conn!(conn, |c| diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::user_id.eq(id),
                api_tokens::token_sha256.eq(token_digest(token)),
                api_tokens::created_at.eq(now)
            ))
            .execute(c))?;
        audit::record(
            conn,
            NewAuditEntry::new(actor, now, "users", name, "user_add").values(
                None,
                Some(serde_json::json!({ "role": role, "company_code": company }).to_string()),
            ),
        )?;
        let user: User = with_conn!(conn, |c| users::table
            .find(id)
            .select(User::as_select())
            .first(c))?;
        Ok(user)
    })
}

/// Revokes a user and every token of theirs.
pub fn revoke(conn: &mut DbConn, name: &str, actor: &str) -> Result<(), UserError> {
    let now = chrono::Local::now().naive_local();
    conn.transaction(|conn| {
        let user: Option<User> = with_conn!(conn, |c| users::table
            .filter(users::name.eq(name))
            .filter(users::revoked_at.is_null())
            .select(User::as_select())
            .first(c)
            .optional())?;
        let user = user.ok_or_else(|| UserError::NotFound(name.into()))?;
        with_conn!(conn, |c| diesel::update(users::table.find(user.id))
            .set(users::revoked_at.eq(Some(now)))
            .execute(c))?;
        with_conn!(conn, |c| diesel::update(
            api_tokens::table.filter(api_tokens::user_id.eq(user.id))
        )
        .filter(api_tokens::revoked_at.is_null())
        .set(api_tokens::revoked_at.eq(Some(now)))
        .execute(c))?;
        audit::record(
            conn,
            NewAuditEntry::new(actor, now, "users", name, "user_revoke"),
        )?;
        Ok(())
    })
}

/// The active user a token belongs to, if the token is valid and not revoked.
pub fn by_token(conn: &mut DbConn, token: &str) -> Result<Option<User>, StorageError> {
    let digest = token_digest(token);
    Ok(with_conn!(conn, |c| api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_sha256.eq(digest))
        .filter(api_tokens::revoked_at.is_null())
        .filter(users::revoked_at.is_null())
        .select(User::as_select())
        .first(c)
        .optional())?)
}

/// An active user by name (for sign-in).
pub fn active_by_name(conn: &mut DbConn, name: &str) -> Result<Option<User>, StorageError> {
    Ok(with_conn!(conn, |c| users::table
        .filter(users::name.eq(name))
        .filter(users::revoked_at.is_null())
        .select(User::as_select())
        .first(c)
        .optional())?)
}

pub fn start_session(
    conn: &mut DbConn,
    user_id: i64,
    token: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<(), StorageError> {
    with_conn!(conn, |c| diesel::insert_into(sessions::table)
        .values((
            sessions::user_id.eq(user_id),
            sessions::token_sha256.eq(token_digest(token)),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(c))?;
    Ok(())
}

pub fn end_session(conn: &mut DbConn, token: &str, now: NaiveDateTime) -> Result<(), StorageError> {
    with_conn!(conn, |c| diesel::update(
        sessions::table.filter(sessions::token_sha256.eq(token_digest(token)))
    )
    .set(sessions::ended_at.eq(Some(now)))
    .execute(c))?;
    Ok(())
}

/// The active user of a live session.
pub fn by_session(
    conn: &mut DbConn,
    token: &str,
    now: NaiveDateTime,
) -> Result<Option<User>, StorageError> {
    let digest = token_digest(token);
    Ok(with_conn!(conn, |c| sessions::table
        .inner_join(users::table)
        .filter(sessions::token_sha256.eq(digest))
        .filter(sessions::ended_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(users::revoked_at.is_null())
        .select(User::as_select())
        .first(c)
        .optional())?)
}
