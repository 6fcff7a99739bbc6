//! Notifications to companies: each event (a result in notice, an appeal or
//! a repair decided, an exit decision published) writes its messages to the
//! outbox in the event's own transaction, rendered from the templates in
//! `mail/`; [`super::delivery`] sends them by email.

use askama::Template;
use chrono::NaiveDateTime;

use crate::domain::{labels, Decision, NotificationEvent, RunStatus};
use crate::service::appeals::Rerun;
use crate::storage::appeals::Appeal;
use crate::storage::notices::CompanyNotice;
use crate::storage::notifications::{self, NewNotification};
use crate::storage::repairs::RepairApplication;
use crate::storage::runs::{self, Run};
use crate::storage::{Conn, StorageError};

#[derive(Template)]
#[template(path = "notice.txt")]
struct NoticeMail<'a> {
    company_name: &'a str,
    period_label: String,
    starts_on: chrono::NaiveDate,
    ends_on: chrono::NaiveDate,
    total: String,
    grade: &'a str,
    list: &'static str,
    decision: &'static str,
}

#[derive(Template)]
#[template(path = "appeal.txt")]
struct AppealMail<'a> {
    id: i64,
    record_kind: &'static str,
    record_id: &'a str,
    outcome: &'static str,
    reason: &'a str,
    quarters: String,
}

#[derive(Template)]
#[template(path = "repair.txt")]
struct RepairMail<'a> {
    id: i64,
    query_code: &'a str,
    record_id: &'a str,
    outcome: &'static str,
    reason: &'a str,
    repaired_from: Option<chrono::NaiveDate>,
}

#[derive(Template)]
#[template(path = "exit.txt")]
struct ExitMail<'a> {
    company_name: &'a str,
    period_label: String,
    total: String,
    grade: &'a str,
}

#[derive(Template)]
#[template(path = "entitled.txt")]
struct EntitledMail<'a> {
    period_label: String,
    programme: &'a str,
    amount: String,
}

#[derive(Template)]
#[template(path = "subsidy.txt")]
struct SubsidyMail<'a> {
    period_label: String,
    programme: &'a str,
    id: i64,
    what: &'a str,
    detail: &'a str,
}

/// Tells a company that a publication entitled it to `cents` from `programme`.
pub fn subsidy_entitled(
    company: &str,
    period: crate::domain::Period,
    programme: &str,
    cents: i64,
    now: NaiveDateTime,
) -> Result<NewNotification, StorageError> {
    let body = render(&EntitledMail {
        period_label: labels::period(period),
        programme,
        amount: crate::domain::format_cents(cents),
    })?;
    let subject = format!("【奖补】{}奖补资金可以申报", labels::period(period));
    Ok(message(
        NotificationEvent::Subsidy,
        company,
        subject,
        body,
        now,
    ))
}

/// Tells the company of a step of its subsidy application (`what`, with
/// `detail`), in the step's transaction.
pub fn subsidy_step(
    conn: &mut Conn,
    now: NaiveDateTime,
    entitlement: &crate::storage::subsidies::Entitlement,
    id: i64,
    what: &str,
    detail: &str,
) -> Result<(), StorageError> {
    let period_label = entitlement
        .period
        .parse()
        .map_or_else(|_| entitlement.period.clone(), labels::period);
    let body = render(&SubsidyMail {
        period_label,
        programme: &entitlement.programme,
        id,
        what,
        detail,
    })?;
    let subject = format!("【奖补】申报 {id} {what}");
    notifications::enqueue(
        conn,
        &[message(
            NotificationEvent::Subsidy,
            &entitlement.company_code,
            subject,
            body,
            now,
        )],
    )
}

fn render(t: &impl Template) -> Result<String, StorageError> {
    t.render()
        .map_err(|e| StorageError::Corrupt(format!("a notification did not render: {e}")))
}

/// A decided case always has its reason; a missing one is corrupt data.
fn decided_reason<'a>(
    reason: Option<&'a str>,
    what: &str,
    id: i64,
) -> Result<&'a str, StorageError> {
    reason.ok_or_else(|| StorageError::Corrupt(format!("{what} {id} is decided without a reason")))
}

fn message(
    event: NotificationEvent,
    company: &str,
    subject: String,
    body: String,
    now: NaiveDateTime,
) -> NewNotification {
    NewNotification {
        event,
        company_code: company.to_string(),
        subject,
        body,
        created_at: now,
        attempts: 0,
        next_attempt_at: now,
    }
}

/// Tells each company in `notices` that its result of `run` is in notice.
pub fn results_in_notice(
    conn: &mut Conn,
    now: NaiveDateTime,
    run: &Run,
    notices: &[CompanyNotice],
) -> Result<(), StorageError> {
    if notices.is_empty() {
        return Ok(());
    }
    let period = run.period()?;
    let rows = runs::results(conn, run)?;
    let by_code: std::collections::HashMap<&str, &crate::scoring::ResultRow> =
        rows.iter().map(|r| (r.company_code.as_str(), r)).collect();
    let mut out = Vec::with_capacity(notices.len());
    for n in notices {
        let Some(row) = by_code.get(n.company_code.as_str()) else {
            continue;
        };
        let body = render(&NoticeMail {
            company_name: &row.company_name,
            period_label: labels::period(period),
            starts_on: n.starts_on,
            ends_on: n.ends_on,
            total: row.total.to_string(),
            grade: &row.grade,
            list: labels::list(row.list),
            decision: labels::decision(row.decision),
        })?;
        let subject = format!(
            "【信用评价】{}评价结果公示（{} 至 {}）",
            labels::period(period),
            n.starts_on,
            n.ends_on
        );
        out.push(message(
            NotificationEvent::Notice,
            &n.company_code,
            subject,
            body,
            now,
        ));
    }
    notifications::enqueue(conn, &out)
}

/// Tells the appellant company how its appeal was decided.
pub fn appeal_decided(
    conn: &mut Conn,
    now: NaiveDateTime,
    appeal: &Appeal,
    reruns: &[Rerun],
) -> Result<(), StorageError> {
    let upheld = appeal.status == crate::domain::AppealStatus::Upheld;
    let outcome = if upheld {
        "申诉成立"
    } else {
        "申诉不成立"
    };
    let body = render(&AppealMail {
        id: appeal.id,
        record_kind: labels::record_kind(appeal.record_kind),
        record_id: &appeal.record_id,
        outcome,
        reason: decided_reason(appeal.decision_reason.as_deref(), "appeal", appeal.id)?,
        quarters: reruns
            .iter()
            .map(|r| labels::period(r.period))
            .collect::<Vec<_>>()
            .join("、"),
    })?;
    let subject = format!("【信用评价】申诉 {} 处理结果：{outcome}", appeal.id);
    notifications::enqueue(
        conn,
        &[message(
            NotificationEvent::Appeal,
            &appeal.company_code,
            subject,
            body,
            now,
        )],
    )
}

/// Tells the applicant company how its repair application was decided.
pub fn repair_decided(
    conn: &mut Conn,
    now: NaiveDateTime,
    application: &RepairApplication,
) -> Result<(), StorageError> {
    let outcome = labels::repair_status(application.status);
    let body = render(&RepairMail {
        id: application.id,
        query_code: &application.query_code,
        record_id: &application.record_id,
        outcome,
        reason: decided_reason(
            application.decision_reason.as_deref(),
            "repair application",
            application.id,
        )?,
        repaired_from: application.repaired_from,
    })?;
    let subject = format!(
        "【信用评价】信用修复申请 {} 处理结果：{outcome}",
        application.id
    );
    notifications::enqueue(
        conn,
        &[message(
            NotificationEvent::Repair,
            &application.company_code,
            subject,
            body,
            now,
        )],
    )
}

/// Tells each company that a just-published run (and the rest of its
/// chain) decided to exit from the market.
pub fn exit_decisions(
    conn: &mut Conn,
    now: NaiveDateTime,
    published: &Run,
) -> Result<(), StorageError> {
    let members = match published.chain_of {
        Some(head) => crate::storage::chains::members(conn, head)?,
        None => vec![published.clone()],
    };
    let mut out = Vec::new();
    for run in members.iter().filter(|r| r.status == RunStatus::Published) {
        let period = run.period()?;
        for row in &runs::results_deciding(conn, run, Decision::Exit)? {
            let body = render(&ExitMail {
                company_name: &row.company_name,
                period_label: labels::period(period),
                total: row.total.to_string(),
                grade: &row.grade,
            })?;
            let subject = format!("【信用评价】{}市场退出决定", labels::period(period));
            out.push(message(
                NotificationEvent::Exit,
                &row.company_code,
                subject,
                body,
                now,
            ));
        }
    }
    notifications::enqueue(conn, &out)
}
