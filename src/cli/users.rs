//! `user add` and `user revoke`: accounts from the command line (the first
//! admin of a fresh installation comes from here).

use anyhow::Context as _;
use clap::Subcommand;

use super::context::{word, Context};
use crate::domain::{Role, RoleName};
use crate::service::accounts;
use crate::storage::users;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; prints a one-time API token alone on the last line.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = word::<RoleName>("role"))]
        role: RoleName,
        /// The company a company user is bound to.
        #[arg(long, value_name = "CODE")]
        company: Option<String>,
        /// Read a password for web sign-in from standard input.
        #[arg(long)]
        password_stdin: bool,
        /// The contact address notifications to the user's company go to.
        #[arg(long, value_parser = email)]
        email: Option<String>,
    },
    /// Revoke a user and every token of theirs.
    Revoke { name: String },
}

pub fn user(ctx: &Context, command: UserCommand) -> anyhow::Result<()> {
    let mut conn = ctx.db()?.get()?;
    let actor = Context::actor(None);
    match command {
        UserCommand::Add {
            name,
            role,
            company,
            password_stdin,
            email,
        } => {
            let role = Role::from_parts(role, company.as_deref()).context(
                "a company user needs --company CODE, and only a company user may have one",
            )?;
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .context("cannot read the password from standard input")?;
                Some(line.trim_end_matches(['\r', '\n']).to_string())
            } else {
                None
            };
            let (user, token) = accounts::add_user(
                &mut conn,
                &name,
                &role,
                password.as_deref(),
                &actor,
                ctx.clock.now(),
            )?;
            if let Some(address) = &email {
                users::set_email(
                    &mut conn,
                    &user.name,
                    Some(address),
                    &actor,
                    ctx.clock.now(),
                )?;
            }
            println!(
                "user {} ({}) added; keep this API token, it is shown only once:",
                user.name, user.role
            );
            println!("{token}");
        }
        UserCommand::Revoke { name } => {
            users::revoke(&mut conn, &name, &actor, ctx.clock.now())?;
            println!("user {name} and all their tokens are revoked");
        }
    }
    Ok(())
}

/// An email address, checked at the edge.
fn email(text: &str) -> Result<String, String> {
    text.trim()
        .parse::<lettre::Address>()
        .map(|a| a.to_string())
        .map_err(|e| format!("'{text}' is not an email address: {e}"))
}
