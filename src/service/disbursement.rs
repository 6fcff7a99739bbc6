//! Disbursement (拨付) and the budget ledger: budgets per programme, year
//! and fund source; payments against an approved application in one or
//! more instalments, never above what was approved nor above the budget;
//! reversals that keep the payment; the ledger (budget, committed, paid,
//! remaining) and the finance office's XLSX sheet (奖补资金拨付表).

use chrono::{NaiveDate, NaiveDateTime};
use rust_xlsxwriter::{Color, Format, FormatAlign, Workbook, XlsxError};
use serde::Serialize;

use super::subsidies::{given, yuan, SubsidyError, SubsidySettings};
use crate::domain::SubsidyStatus;
use crate::rules::RuleBook;
use crate::storage::audit::{self, NewAuditEntry};
use crate::storage::payments::{self, Line, NewPayment, Payment};
use crate::storage::subsidies::{self, Entitlement, SubsidyApplication};
use crate::storage::{Conn, StorageError};

/// Sets a budget line; it may not go below what is committed on it.
pub fn set_budget(
    conn: &mut Conn,
    now: NaiveDateTime,
    settings: &SubsidySettings,
    book: &RuleBook,
    line: &Line,
    amount_cents: i64,
    actor: &str,
) -> Result<(), SubsidyError> {
    if amount_cents < 0 {
        return Err(SubsidyError::NotPositive);
    }
    if !settings.knows_fund(&line.fund_source) {
        return Err(SubsidyError::UnknownFund(
            line.fund_source.clone(),
            settings.fund_sources.join("、"),
        ));
    }
    if !book.subsidy_programmes().contains(&line.programme) {
        return Err(SubsidyError::UnknownProgramme(line.programme.clone()));
    }
    conn.transaction(|conn| {
        let before = payments::budget_locked(conn, line)?;
        let committed = payments::committed(conn, Some(line))?
            .get(line)
            .copied()
            .unwrap_or(0);
        if amount_cents < committed {
            return Err(SubsidyError::BelowCommitted(yuan(committed)));
        }
        payments::set_budget(conn, line, amount_cents, actor, now)?;
        audit::record(
            conn,
            NewAuditEntry::new(
                actor,
                now,
                "subsidy_budgets",
                format!("{}|{}|{}", line.programme, line.year, line.fund_source),
                "budget_set",
            )
            .values(
                before.map(|b| b.amount_cents.to_string()),
                Some(amount_cents.to_string()),
            ),
        )?;
        Ok(())
    })
}

/// A payment an official records.
pub struct Paying<'a> {
    pub application_id: i64,
    pub paid_on: NaiveDate,
    pub amount_cents: i64,
    pub voucher: &'a str,
    pub actor: &'a str,
}

/// Records a payment against an approved application, from its budget line.
pub fn pay(conn: &mut Conn, now: NaiveDateTime, p: &Paying<'_>) -> Result<Payment, SubsidyError> {
    let voucher = given(p.voucher, "the voucher number")?;
    if p.amount_cents <= 0 {
        return Err(SubsidyError::NotPositive);
    }
    conn.transaction(|conn| {
        let a =
            subsidies::application_locked(conn, p.application_id)?.ok_or(SubsidyError::NotFound)?;
        let (line, approved) = approved_line(conn, &a)?;
        let e = subsidies::get(conn, a.entitlement_id)?.ok_or(SubsidyError::NotFound)?;
        let paid = payments::live_total(&payments::of_application(conn, a.id)?);
        // A later re-run may have lowered the entitlement below the approval.
        let ceiling = approved.min(e.amount_cents);
        if paid + p.amount_cents > ceiling {
            return Err(SubsidyError::AboveApproval {
                asked: yuan(p.amount_cents),
                left: yuan((ceiling - paid).max(0)),
            });
        }
        if payments::voucher_used(conn, voucher)? {
            return Err(SubsidyError::VoucherUsed(voucher.to_string()));
        }
        let budget = payments::budget_locked(conn, &line)?.ok_or_else(|| {
            SubsidyError::NoBudget(line.programme.clone(), line.year, line.fund_source.clone())
        })?;
        let line_paid = payments::paid(conn, Some(&line))?
            .get(&line)
            .copied()
            .unwrap_or(0);
        if line_paid + p.amount_cents > budget.amount_cents {
            return Err(SubsidyError::BudgetExceeded {
                programme: line.programme.clone(),
                year: line.year,
                fund: line.fund_source.clone(),
                available: yuan(budget.amount_cents - line_paid),
                asked: yuan(p.amount_cents),
            });
        }
        let payment = payments::insert(
            conn,
            &NewPayment {
                application_id: a.id,
                line: &line,
                paid_on: p.paid_on,
                amount_cents: p.amount_cents,
                voucher,
                recorded_by: p.actor,
                recorded_at: now,
            },
        )?;
        audit::record(
            conn,
            NewAuditEntry::new(
                p.actor,
                now,
                "subsidy_payments",
                payment.id.to_string(),
                "subsidy_paid",
            )
            .values(None, serde_json::to_string(&payment).ok()),
        )?;
        super::notifications::subsidy_step(
            conn,
            now,
            &e,
            a.id,
            "已拨付一笔资金",
            &format!(
                "本次拨付：{} 元（{}，凭证号 {voucher}，{}）\n累计已拨付：{} 元，核定金额 {} 元。",
                yuan(p.amount_cents),
                line.fund_source,
                p.paid_on,
                yuan(paid + p.amount_cents),
                yuan(approved)
            ),
        )?;
        Ok(payment)
    })
}

/// The budget line and amount of an approved application.
fn approved_line(conn: &mut Conn, a: &SubsidyApplication) -> Result<(Line, i64), SubsidyError> {
    if a.status != SubsidyStatus::Approved {
        return Err(SubsidyError::WrongStep {
            id: a.id,
            status: a.status,
            needed: "approved",
        });
    }
    let e = subsidies::get(conn, a.entitlement_id)?.ok_or(SubsidyError::NotFound)?;
    match (a.budget_year, a.fund_source.clone(), a.approved_cents) {
        (Some(year), Some(fund_source), Some(cents)) => Ok((
            Line {
                programme: e.programme,
                year,
                fund_source,
            },
            cents,
        )),
        _ => Err(StorageError::Corrupt(format!(
            "approved application {} has no budget line or amount",
            a.id
        ))
        .into()),
    }
}

/// Reverses a payment: kept, with who, when and why; it counts no more.
pub fn reverse(
    conn: &mut Conn,
    now: NaiveDateTime,
    payment_id: i64,
    reason: &str,
    actor: &str,
) -> Result<Payment, SubsidyError> {
    let reason = given(reason, "the reason")?;
    conn.transaction(|conn| {
        let p = payments::payment_locked(conn, payment_id)?.ok_or(SubsidyError::NotFound)?;
        if p.reversed_at.is_some() {
            return Err(SubsidyError::AlreadyReversed(p.id));
        }
        payments::reverse(conn, p.id, actor, now, reason)?;
        audit::record(
            conn,
            NewAuditEntry::new(
                actor,
                now,
                "subsidy_payments",
                p.id.to_string(),
                "subsidy_payment_reversed",
            )
            .values(
                serde_json::to_string(&p).ok(),
                Some(serde_json::json!({ "reason": reason }).to_string()),
            ),
        )?;
        payments::payment_locked(conn, p.id)?.ok_or(SubsidyError::NotFound)
    })
}

/// One line of the ledger, in cents.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LedgerLine {
    #[serde(flatten)]
    pub line: Line,
    /// None: no budget was set, yet something is recorded against the line.
    pub budget_cents: Option<i64>,
    /// Approved applications' amounts.
    pub committed_cents: i64,
    /// Payments not reversed.
    pub paid_cents: i64,
    /// Committed but not yet paid.
    pub unpaid_cents: i64,
    /// Budget less committed.
    pub remaining_cents: i64,
}

/// The ledger: every line with a budget or anything recorded against it.
pub fn ledger(conn: &mut Conn) -> Result<Vec<LedgerLine>, StorageError> {
    let budgets = payments::budgets(conn)?;
    let committed = payments::committed(conn, None)?;
    let paid = payments::paid(conn, None)?;
    let mut lines: Vec<Line> = budgets
        .iter()
        .map(|b| Line {
            programme: b.programme.clone(),
            year: b.year,
            fund_source: b.fund_source.clone(),
        })
        .chain(committed.keys().cloned())
        .chain(paid.keys().cloned())
        .collect();
    lines.sort_by(|a, b| {
        (b.year, &a.programme, &a.fund_source).cmp(&(a.year, &b.programme, &b.fund_source))
    });
    lines.dedup();
    Ok(lines
        .into_iter()
        .map(|line| {
            let budget = budgets
                .iter()
                .find(|b| {
                    b.programme == line.programme
                        && b.year == line.year
                        && b.fund_source == line.fund_source
                })
                .map(|b| b.amount_cents);
            let c = committed.get(&line).copied().unwrap_or(0);
            let p = paid.get(&line).copied().unwrap_or(0);
            LedgerLine {
                budget_cents: budget,
                committed_cents: c,
                paid_cents: p,
                unpaid_cents: c - p,
                remaining_cents: budget.unwrap_or(0) - c,
                line,
            }
        })
        .collect())
}

/// A payment with what the finance office needs beside it.
pub struct SheetRow {
    pub payment: Payment,
    pub application: SubsidyApplication,
    pub entitlement: Entitlement,
    pub company_name: String,
}

/// Every payment, oldest first, with its application, entitlement and company.
pub fn sheet_rows(conn: &mut Conn) -> Result<Vec<SheetRow>, StorageError> {
    let mut all = payments::list(conn, None)?;
    all.reverse();
    let mut rows = Vec::with_capacity(all.len());
    for payment in all {
        let application =
            subsidies::application(conn, payment.application_id)?.ok_or_else(|| {
                StorageError::Corrupt(format!("payment {} lost its application", payment.id))
            })?;
        let entitlement = subsidies::get(conn, application.entitlement_id)?.ok_or_else(|| {
            StorageError::Corrupt(format!(
                "application {} lost its entitlement",
                application.id
            ))
        })?;
        rows.push((payment, application, entitlement));
    }
    let codes: Vec<&str> = rows
        .iter()
        .map(|(_, a, _)| a.company_code.as_str())
        .collect();
    let names = payments::company_names(conn, &codes)?;
    rows.into_iter()
        .map(|(payment, application, entitlement)| {
            let company_name = names
                .get(&application.company_code)
                .cloned()
                .ok_or_else(|| {
                    StorageError::Corrupt(format!("company {} is gone", application.company_code))
                })?;
            Ok(SheetRow {
                payment,
                application,
                entitlement,
                company_name,
            })
        })
        .collect()
}

/// The disbursement sheet (奖补资金拨付表): every payment, reversed ones
/// marked and not totalled, then the ledger.
pub fn sheet(rows: &[SheetRow], ledger: &[LedgerLine]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let title = Format::new().set_bold().set_font_size(14);
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xD9E1F2))
        .set_align(FormatAlign::Center);
    let money = Format::new().set_num_format("#,##0.00");
    let sheet = book.add_worksheet();
    sheet.set_name("奖补资金拨付表")?;
    sheet.write_string_with_format(0, 0, "物业服务企业奖补资金拨付表", &title)?;
    let headers = [
        "序号",
        "拨付日期",
        "凭证号",
        "统一社会信用代码",
        "企业名称",
        "奖补项目",
        "考核周期",
        "申报编号",
        "应补金额（元）",
        "核定金额（元）",
        "拨付金额（元）",
        "资金来源",
        "预算年度",
        "经办人",
        "状态",
    ];
    for (col, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(1, u16::try_from(col).unwrap_or(0), *h, &header)?;
    }
    let mut total = 0_i64;
    let mut r = 2_u32;
    for (i, row) in rows.iter().enumerate() {
        let p = &row.payment;
        let reversed = p.reversed_at.is_some();
        if !reversed {
            total += p.amount_cents;
        }
        sheet.write_number(r, 0, f64::from(u32::try_from(i + 1).unwrap_or(u32::MAX)))?;
        sheet.write_string(r, 1, p.paid_on.to_string())?;
        sheet.write_string(r, 2, &p.voucher)?;
        sheet.write_string(r, 3, &row.application.company_code)?;
        sheet.write_string(r, 4, &row.company_name)?;
        sheet.write_string(r, 5, &p.programme)?;
        sheet.write_string(r, 6, &row.entitlement.period)?;
        sheet.write_number(r, 7, cents_number(row.application.id))?;
        sheet.write_number_with_format(
            r,
            8,
            cents_number(row.entitlement.amount_cents) / 100.0,
            &money,
        )?;
        sheet.write_number_with_format(
            r,
            9,
            cents_number(row.application.approved_cents.unwrap_or_default()) / 100.0,
            &money,
        )?;
        sheet.write_number_with_format(r, 10, cents_number(p.amount_cents) / 100.0, &money)?;
        sheet.write_string(r, 11, &p.fund_source)?;
        sheet.write_number(r, 12, f64::from(p.budget_year))?;
        sheet.write_string(r, 13, &p.recorded_by)?;
        let state = match (&p.reversed_at, &p.reverse_reason) {
            (Some(at), reason) => format!(
                "已冲销（{}：{}）",
                at.date(),
                reason.as_deref().unwrap_or_default()
            ),
            (None, _) => "已拨付".to_string(),
        };
        sheet.write_string(r, 14, state)?;
        r += 1;
    }
    sheet.write_string_with_format(r, 9, "合计（不含已冲销）", &header)?;
    sheet.write_number_with_format(r, 10, cents_number(total) / 100.0, &money)?;
    sheet.set_freeze_panes(2, 0)?;
    sheet.autofit();
    let summary = book.add_worksheet();
    summary.set_name("预算执行情况")?;
    let heads = [
        "奖补项目",
        "预算年度",
        "资金来源",
        "预算（元）",
        "已核定（元）",
        "已拨付（元）",
        "待拨付（元）",
        "预算结余（元）",
    ];
    for (col, h) in heads.iter().enumerate() {
        summary.write_string_with_format(0, u16::try_from(col).unwrap_or(0), *h, &header)?;
    }
    for (i, l) in ledger.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        summary.write_string(r, 0, &l.line.programme)?;
        summary.write_number(r, 1, f64::from(l.line.year))?;
        summary.write_string(r, 2, &l.line.fund_source)?;
        match l.budget_cents {
            Some(b) => summary.write_number_with_format(r, 3, cents_number(b) / 100.0, &money)?,
            None => summary.write_string(r, 3, "未设预算")?,
        };
        for (col, v) in [
            (4, l.committed_cents),
            (5, l.paid_cents),
            (6, l.unpaid_cents),
            (7, l.remaining_cents),
        ] {
            summary.write_number_with_format(r, col, cents_number(v) / 100.0, &money)?;
        }
    }
    summary.autofit();
    book.save_to_buffer()
}

/// Cents (or an id) as a spreadsheet number: exact below 2^53.
fn cents_number(v: i64) -> f64 {
    crate::domain::i64_to_f64(v).unwrap_or(f64::NAN)
}
