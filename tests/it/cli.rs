//! The command line as an official uses it: exit codes and one-sentence errors.

use std::process::{Command, Output};

use crate::helpers::{propcredit, repo_path, TestDb};
use crate::on_both_backends;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The last line of stderr is one sentence starting with "error:"; no panic, no backtrace.
fn assert_clean_failure(out: &Output, words: &str) {
    assert!(
        !out.status.success(),
        "expected failure, stdout: {}",
        text(&out.stdout)
    );
    let stderr = text(&out.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: ") && last.contains(words),
        "stderr: {stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "stderr: {stderr}"
    );
}

on_both_backends! {
    import_dir_prints_counts_and_a_rejected_file_exits_1 => super::import_dir_prints_counts_and_a_rejected_file_exits_1;
    generated_city_imports_cleanly_with_the_default_rules => super::generated_city_imports_cleanly_with_the_default_rules;
}

fn import_dir_prints_counts_and_a_rejected_file_exits_1(t: TestDb) {
    let rules = repo_path("tests/data/small-city");
    let data = repo_path("tests/data/small-city/data");
    let out = propcredit(&t.url, &rules, &["import", data.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("surveys") && stdout.contains("17557 added"),
        "{stdout}"
    );
    assert!(stdout.contains("8 files, 22185 rows in "), "{stdout}");

    let again = propcredit(&t.url, &rules, &["import", data.to_str().unwrap()]);
    assert!(
        text(&again.stdout).contains("17557 unchanged"),
        "{}",
        text(&again.stdout)
    );

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("surveys.csv");
    std::fs::write(&bad, "response_id,community_code,surveyed_on,respondent,overall\nS1,C000000,2025-07-01,H1,4\nS2,C000000,2025-07-01,H1,8\nS3,NOPE,2025-07-01,H1,4\n").unwrap();
    let out = propcredit(
        &t.url,
        &rules,
        &["import", "--kind", "surveys", bad.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("row 3, column overall, value '8'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("row 4, column community_code, value 'NOPE'"),
        "{stderr}"
    );
    assert_clean_failure(&out, "was rejected: 2 bad rows; nothing of it was imported");
}

fn generated_city_imports_cleanly_with_the_default_rules(t: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_propcredit"))
        .args([
            "generate",
            "--seed",
            "3",
            "--companies",
            "12",
            "--communities",
            "60",
            "--periods",
            "2025Q3,2025Q4",
        ])
        .args([
            "--surveys-per-community",
            "20",
            "--complaints-per-community",
            "5",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = propcredit(
        &t.url,
        &repo_path("scoring-rules"),
        &["import", dir.path().to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("8 files"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn bad_invocations_end_in_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    let rules = repo_path("scoring-rules");
    let file = dir.path().join("f.csv");
    std::fs::write(&file, "a\n").unwrap();

    assert_clean_failure(
        &propcredit(
            &url,
            &rules,
            &["import", "--kind", "villas", file.to_str().unwrap()],
        ),
        "'villas' is not a kind",
    );
    assert_clean_failure(
        &propcredit(
            &url,
            &rules,
            &["import", dir.path().join("missing").to_str().unwrap()],
        ),
        "is not a directory",
    );
    assert_clean_failure(
        &propcredit("mysql://x", &rules, &["rules", "check"]),
        "database.url",
    );
    assert_clean_failure(
        &propcredit(&url, dir.path(), &["rules", "check"]),
        "no *.toml rule file",
    );
    let out = propcredit(
        &url,
        &rules,
        &["import", "--kind", "companies", file.to_str().unwrap()],
    );
    assert_clean_failure(&out, "'a' is not a column of companies files");
}

#[test]
fn rules_check_accepts_the_shipped_files_and_names_the_broken_key() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    let rules = repo_path("scoring-rules");
    let out = propcredit(&url, &rules, &["rules", "check"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("default 2026.1"),
        "{}",
        text(&out.stdout)
    );
    let example = repo_path("tests/data/small-city/rules.toml");
    assert!(
        propcredit(&url, &rules, &["rules", "check", example.to_str().unwrap()])
            .status
            .success()
    );

    let broken = dir.path().join("broken.toml");
    let text_of_example = std::fs::read_to_string(&example).unwrap();
    std::fs::write(
        &broken,
        text_of_example.replace("satisfaction = 0.30", "satisfaction = 0.40"),
    )
    .unwrap();
    let out = propcredit(&url, &rules, &["rules", "check", broken.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("broken.toml: key `weights.resettlement`: the five weights sum to"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

on_both_backends! {
    rate_publish_and_export_from_the_command_line => super::rate_publish_and_export_from_the_command_line;
}

fn rate_publish_and_export_from_the_command_line(t: TestDb) {
    let rules = repo_path("tests/data/small-city");
    let data = repo_path("tests/data/small-city/data");
    assert!(
        propcredit(&t.url, &rules, &["import", data.to_str().unwrap()])
            .status
            .success()
    );

    let out = propcredit(&t.url, &rules, &["rate", "--period", "2025Q3"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("run 1 (draft) of 2025Q3: 30 companies rated"),
        "{stdout}"
    );
    assert!(
        stdout.contains("grades: A 2, B 8, C 9, D 11")
            && stdout.contains("lists: red 1, black 11, none 18"),
        "{stdout}"
    );
    assert_clean_failure(
        &propcredit(&t.url, &rules, &["export", "--period", "2025Q3"]),
        "2025Q3 has no published run",
    );
    let draft = propcredit(
        &t.url,
        &rules,
        &["export", "--period", "2025Q3", "--run", "1"],
    );
    let expected = std::fs::read(repo_path("tests/data/small-city/expected/2025Q3.csv")).unwrap();
    assert_eq!(draft.stdout, expected);

    assert_clean_failure(
        &propcredit(&t.url, &rules, &["publish", "--run", "1"]),
        "has not been announced",
    );
    let announced = propcredit(&t.url, &rules, &["notice", "--run", "1"]);
    assert!(announced.status.success(), "{announced:?}");
    assert!(String::from_utf8_lossy(&announced.stdout).contains("is in public notice from"));
    assert_clean_failure(
        &propcredit(&t.url, &rules, &["publish", "--run", "1"]),
        "the public notice of run 1 runs until",
    );
    assert!(propcredit(
        &t.url,
        &rules,
        &["publish", "--run", "1", "--at-once", "测试：立即发布"]
    )
    .status
    .success());
    assert_eq!(
        propcredit(&t.url, &rules, &["export", "--period", "2025Q3"]).stdout,
        expected
    );
    assert_clean_failure(
        &propcredit(
            &t.url,
            &rules,
            &["publish", "--run", "1", "--at-once", "again"],
        ),
        "only a draft can be published",
    );
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("notice.xlsx");
    let out = propcredit(
        &t.url,
        &rules,
        &[
            "export",
            "--period",
            "2025Q3",
            "--format",
            "xlsx",
            "--out",
            xlsx.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::metadata(&xlsx).unwrap().len() > 1000);
    let json = propcredit(
        &t.url,
        &rules,
        &["export", "--period", "2025Q3", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["rows"][0]["total"], 87.54);
    assert_eq!(v["run"]["status"], "published");

    assert_clean_failure(
        &propcredit(&t.url, &rules, &["rate", "--period", "2024Q4"]),
        "no rule set",
    );
    assert_clean_failure(
        &propcredit(&t.url, &rules, &["rate", "--period", "2025Q9"]),
        "not a period",
    );
    assert_clean_failure(
        &propcredit(
            &t.url,
            &rules,
            &["export", "--period", "2025Q4", "--run", "1"],
        ),
        "run 1 is of 2025Q3",
    );
}

on_both_backends! {
    user_add_prints_a_working_token_and_revoke_kills_it => super::user_add_prints_a_working_token_and_revoke_kills_it;
}

fn user_add_prints_a_working_token_and_revoke_kills_it(t: TestDb) {
    use std::io::Write;
    let rules = repo_path("tests/data/small-city");
    let data = repo_path("tests/data/small-city/data");
    assert!(propcredit(
        &t.url,
        &rules,
        &[
            "import",
            "--kind",
            "companies",
            data.join("companies.csv").to_str().unwrap()
        ]
    )
    .status
    .success());
    let out = propcredit(
        &t.url,
        &rules,
        &[
            "user",
            "add",
            "--name",
            "ko",
            "--role",
            "company",
            "--company",
            "913346UW3LKQ70JX54",
            "--email",
            "ko@example.com",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut conn = t.db.get().unwrap();
    assert_eq!(
        propcredit::storage::notifications::addresses_of(&mut conn, "913346UW3LKQ70JX54").unwrap(),
        vec!["ko@example.com".to_string()],
        "the company's contact address"
    );
    drop(conn);
    assert_clean_failure(
        &propcredit(
            &t.url,
            &rules,
            &[
                "user", "add", "--name", "x", "--role", "admin", "--email", "nope",
            ],
        ),
        "is not an email address",
    );
    let stdout = text(&out.stdout);
    let token = stdout.lines().last().unwrap().to_string();
    assert!(token.starts_with("pc_") && token.len() == 67, "{stdout}");
    let user = propcredit::storage::users::by_token(&mut t.db.get().unwrap(), &token)
        .unwrap()
        .unwrap();
    assert_eq!(user.company_code.as_deref(), Some("913346UW3LKQ70JX54"));

    assert_clean_failure(
        &propcredit(
            &t.url,
            &rules,
            &["user", "add", "--name", "ko", "--role", "admin"],
        ),
        "exists already",
    );
    assert_clean_failure(
        &propcredit(
            &t.url,
            &rules,
            &["user", "add", "--name", "w", "--role", "wizard"],
        ),
        "not a role",
    );
    assert_clean_failure(
        &propcredit(
            &t.url,
            &rules,
            &["user", "add", "--name", "c", "--role", "company"],
        ),
        "needs --company",
    );
    assert_clean_failure(
        &propcredit(
            &t.url,
            &rules,
            &[
                "user",
                "add",
                "--name",
                "c",
                "--role",
                "company",
                "--company",
                "91420108B56N051JD9",
            ],
        ),
        "no company with the code",
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_propcredit"))
        .args([
            "--database-url",
            &t.url,
            "--rules-dir",
            rules.to_str().unwrap(),
            "user",
            "add",
            "--name",
            "ada",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse battery\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let admin_token = text(&out.stdout).lines().last().unwrap().to_string();
    let admin = propcredit::storage::users::by_token(&mut t.db.get().unwrap(), &admin_token)
        .unwrap()
        .unwrap();
    assert!(admin.password_hash.unwrap().starts_with("$argon2id$"));

    assert!(propcredit(&t.url, &rules, &["user", "revoke", "ko"])
        .status
        .success());
    assert!(
        propcredit::storage::users::by_token(&mut t.db.get().unwrap(), &token)
            .unwrap()
            .is_none()
    );
    assert_clean_failure(
        &propcredit(&t.url, &rules, &["user", "revoke", "ko"]),
        "no active user",
    );
}
