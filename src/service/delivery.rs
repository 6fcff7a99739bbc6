//! Delivering the notification outbox by email over SMTP (lettre): each
//! pass claims the due notifications (so replicas never send one twice at
//! once), sends each to its company's contact addresses, and marks it sent,
//! or retries it later with a doubling back-off until `max_attempts`.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use serde::Deserialize;

use crate::clock::Clock;
use crate::storage::notifications::{self, Notification};
use crate::storage::{Database, StorageError};

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tls {
    /// Plain SMTP: only to a relay on the same host or a trusted network.
    None,
    /// Plain connection upgraded with STARTTLS (usually port 587).
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationSettings {
    /// Send the outbox by email. Off, notifications are still written (and
    /// listed to admins), and sent once it is turned on.
    pub enabled: bool,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub tls: Tls,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender, e.g. `住房保障局 <credit@example.gov.cn>`.
    pub from: String,
    /// Attempts before a notification is given up on (and shown as such).
    pub max_attempts: u32,
    /// The first retry's delay; each further one doubles it (at most 6 hours).
    pub retry_base_seconds: u64,
    /// How often the outbox is looked at.
    pub poll_seconds: u64,
    /// How long one SMTP conversation may take.
    pub timeout_seconds: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("notifications: {0}")]
    Settings(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub retrying: usize,
    pub gave_up: usize,
}

/// How long a pass holds its claim on a notification it is sending.
const LEASE_MINUTES: i64 = 10;
/// Notifications one pass claims.
const BATCH: i64 = 50;
const MAX_RETRY_DELAY_SECONDS: u64 = 6 * 3600;

fn transport(s: &NotificationSettings) -> Result<SmtpTransport, DeliveryError> {
    let tls_error = |e: lettre::transport::smtp::Error| {
        DeliveryError::Settings(format!("no TLS connection to {}: {e}", s.smtp_host))
    };
    let builder = match s.tls {
        Tls::None => SmtpTransport::builder_dangerous(&s.smtp_host),
        Tls::Starttls => SmtpTransport::starttls_relay(&s.smtp_host).map_err(tls_error)?,
        Tls::Tls => SmtpTransport::relay(&s.smtp_host).map_err(tls_error)?,
    };
    let mut builder = builder
        .port(s.smtp_port)
        .timeout(Some(Duration::from_secs(s.timeout_seconds.max(1))));
    if let (Some(user), Some(password)) = (&s.username, &s.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

/// The sender, checked.
pub fn sender(s: &NotificationSettings) -> Result<Mailbox, DeliveryError> {
    s.from.parse().map_err(|e| {
        DeliveryError::Settings(format!(
            "notifications.from '{}' is not an email address: {e}",
            s.from
        ))
    })
}

/// Why one notification was not sent; `final` ones are not retried.
struct Failure {
    message: String,
    last: bool,
}

fn send(
    transport: &SmtpTransport,
    from: &Mailbox,
    to: &[String],
    n: &Notification,
) -> Result<(), Failure> {
    let mut builder = Message::builder()
        .from(from.clone())
        .subject(n.subject.clone())
        .header(ContentType::TEXT_PLAIN);
    for address in to {
        let mailbox: Mailbox = address.parse().map_err(|e| Failure {
            message: format!("'{address}' is not an email address: {e}"),
            last: true,
        })?;
        builder = builder.to(mailbox);
    }
    let message = builder.body(n.body.clone()).map_err(|e| Failure {
        message: format!("the message cannot be built: {e}"),
        last: true,
    })?;
    transport.send(&message).map(|_| ()).map_err(|e| Failure {
        message: format!("SMTP: {e}"),
        last: e.is_permanent(),
    })
}

/// One pass over the outbox: sends what is due at the clock's time.
pub fn deliver_due(
    db: &Database,
    clock: &Clock,
    settings: &NotificationSettings,
) -> Result<Delivered, DeliveryError> {
    let from = sender(settings)?;
    let transport = transport(settings)?;
    let mut conn = db.get()?;
    let now = clock.now();
    let lease = now + chrono::Duration::minutes(LEASE_MINUTES);
    let mut report = Delivered::default();
    for n in notifications::claim_due(&mut conn, now, lease, BATCH)? {
        let to = notifications::addresses_of(&mut conn, &n.company_code)?;
        let outcome = if to.is_empty() {
            // Retried: the company may yet give a contact address.
            Err(Failure {
                message: format!(
                    "company {} has no user with a contact address",
                    n.company_code
                ),
                last: false,
            })
        } else {
            send(&transport, &from, &to, &n)
        };
        let at = clock.now();
        match outcome {
            Ok(()) => {
                notifications::mark_sent(&mut conn, n.id, at, &to)?;
                report.sent += 1;
            }
            Err(f) => {
                let attempts = u32::try_from(n.attempts).unwrap_or(u32::MAX);
                let retry = (!f.last && attempts < settings.max_attempts).then(|| {
                    let delay = settings
                        .retry_base_seconds
                        .max(1)
                        .saturating_mul(1 << attempts.saturating_sub(1).min(20))
                        .min(MAX_RETRY_DELAY_SECONDS);
                    at + chrono::Duration::seconds(i64::try_from(delay).unwrap_or(i64::MAX))
                });
                tracing::warn!(id = n.id, company = %n.company_code, attempts, error = %f.message, retry = ?retry, "a notification was not sent");
                notifications::mark_failed(&mut conn, n.id, at, &f.message, retry)?;
                if retry.is_some() {
                    report.retrying += 1;
                } else {
                    report.gave_up += 1;
                }
            }
        }
    }
    Ok(report)
}

/// Runs forever on the actix runtime: a pass every `poll_seconds`.
pub async fn run(db: Database, clock: Clock, settings: NotificationSettings) {
    if !settings.enabled {
        tracing::info!("email notifications are off (notifications.enabled); the outbox is kept");
        return;
    }
    if let Err(e) = sender(&settings) {
        tracing::error!(error = %e, "email notifications cannot start");
        return;
    }
    loop {
        let (db2, clock2, s) = (db.clone(), clock.clone(), settings.clone());
        match actix_web::rt::task::spawn_blocking(move || deliver_due(&db2, &clock2, &s)).await {
            Ok(Ok(d)) if d == Delivered::default() => {}
            Ok(Ok(d)) => {
                tracing::info!(
                    sent = d.sent,
                    retrying = d.retrying,
                    gave_up = d.gave_up,
                    "notifications delivered"
                )
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "delivering notifications failed; will retry")
            }
            Err(e) => tracing::error!(error = %e, "the notification task failed; will retry"),
        }
        actix_web::rt::time::sleep(Duration::from_secs(settings.poll_seconds.max(1))).await;
    }
}
