//! The real binary, as an operator runs it: a server that hostile uploads
//! and anonymous floods do not take down or bloat, and imports and rating
//! runs killed with SIGKILL half-way that leave nothing partial behind.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{propcredit as cli, propcredit_command as bin, repo_path, TestDb};
use crate::on_both_backends;

fn corpus(file: &str) -> PathBuf {
    repo_path(&format!("tests/bad-input/files/{file}"))
}

/// Peak resident memory of a process, in KiB (VmHWM).
fn peak_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn serve(url: &str, rules: &Path) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = bin()
        .arg("--database-url")
        .arg(url)
        .arg("--rules-dir")
        .arg(rules)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("PROPCREDIT_SCHEDULER__ENABLED", "false")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while poll::status(&format!("{base}/health")) != Some(200) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Server { child, base }
}

/// A minimal blocking GET for polling a server from a plain thread: the
/// status, or None while nothing answers.
mod poll {
    pub fn status(url: &str) -> Option<u16> {
        use std::io::{Read, Write};
        let rest = url.strip_prefix("http://")?;
        let (host, path) = rest.split_once('/')?;
        let mut s = std::net::TcpStream::connect(host).ok()?;
        s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .ok()?;
        write!(
            s,
            "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut answer = String::new();
        s.read_to_string(&mut answer).ok()?;
        answer.split(' ').nth(1)?.parse().ok()
    }
}

on_both_backends! {
    hostile_uploads_and_floods_leave_the_server_answering => super::hostile_uploads_and_floods_leave_the_server_answering;
    a_killed_import_leaves_nothing_and_runs_again => super::a_killed_import_leaves_nothing_and_runs_again;
}

fn hostile_uploads_and_floods_leave_the_server_answering(t: TestDb) {
    let rules = repo_path("tests/data/small-city");
    let city = repo_path("tests/data/small-city/data");
    for kind in ["companies", "communities", "contracts"] {
        let out = cli(
            &t.url,
            &rules,
            &[
                "import",
                "--kind",
                kind,
                city.join(format!("{kind}.csv")).to_str().unwrap(),
            ],
        );
        assert!(out.status.success());
    }
    // The command line refuses the far-cell sheet and the zip bomb in a sentence.
    for (file, words) in [
        ("surveys/far-cell.xlsx", "column XFD"),
        ("surveys/zip-bomb.xlsx", "ZIP bomb"),
    ] {
        let out = cli(
            &t.url,
            &rules,
            &[
                "import",
                "--kind",
                "surveys",
                corpus(file).to_str().unwrap(),
            ],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{file}: {stderr}");
        assert!(stderr.contains(words), "{file}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let out = cli(
        &t.url,
        &rules,
        &["user", "add", "--name", "ina", "--role", "inspector"],
    );
    let token = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap()
        .to_string();
    let server = serve(&t.url, &rules);
    let pid = server.child.id();
    actix_web::rt::System::new().block_on(async {
        let client = reqwest::Client::new();
        let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        for (file, status, words) in [
            ("surveys/far-cell.xlsx", 422, "XFD"),
            ("surveys/zip-bomb.xlsx", 400, "ZIP bomb"),
            ("surveys/zip-bomb-lying.xlsx", 400, "declared"),
        ] {
            let res = client
                .post(format!("{}/api/v1/imports/surveys", server.base))
                .bearer_auth(&token)
                .header("content-type", xlsx)
                .body(std::fs::read(corpus(file)).unwrap())
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), status, "{file}");
            let text = res.text().await.unwrap();
            assert!(text.contains(words), "{file}: {text}");
        }
        // Three anonymous 150 MB bodies: refused before they are read.
        let before = peak_kib(pid);
        let body = vec![b'#'; 150 * 1024 * 1024];
        for _ in 0..3 {
            let res = client
                .post(format!("{}/api/v1/rule-sets/validate", server.base))
                .header("content-type", "application/toml")
                .body(body.clone())
                .send()
                .await;
            // The server may answer 401 and close before the client has sent it all.
            if let Ok(res) = res {
                assert_eq!(res.status().as_u16(), 401);
            }
        }
        let grown_mib = (peak_kib(pid) - before) / 1024;
        assert!(grown_mib < 100, "peak memory grew by {grown_mib} MiB");
        let health = client
            .get(format!("{}/health", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status().as_u16(), 200);
    });
}

/// A surveys file large enough that importing it takes a while.
pub fn big_surveys(dir: &Path, rows: usize) -> PathBuf {
    let path = dir.join("surveys.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(
        f,
        "response_id,community_code,surveyed_on,respondent,overall"
    )
    .unwrap();
    for i in 0..rows {
        // Communities and days in arbitrary order, as survey platforms export them.
        let community = (i * 7919) % 200;
        let day = 1 + (i * 31) % 28;
        writeln!(
            f,
            "K{i:08},C{community:06},2025-08-{day:02},H{:05},{}",
            i % 997,
            1 + i % 5
        )
        .unwrap();
    }
    path
}

/// Rows in `table` (a fixed name of this file's, never user input).
pub fn count(t: &TestDb, table: &str) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let query = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"));
    let mut conn = t.db.get().unwrap();
    let rows: Vec<Count> = query.load(&mut *conn).unwrap();
    rows[0].n
}

fn a_killed_import_leaves_nothing_and_runs_again(t: TestDb) {
    let rules = repo_path("tests/data/small-city");
    let city = repo_path("tests/data/small-city/data");
    for kind in ["companies", "communities", "contracts"] {
        let path = city.join(format!("{kind}.csv"));
        assert!(cli(
            &t.url,
            &rules,
            &["import", "--kind", kind, path.to_str().unwrap()]
        )
        .status
        .success());
    }
    let dir = tempfile::tempdir().unwrap();
    let file = big_surveys(dir.path(), 300_000);
    let batches_before = count(&t, "import_batches");
    let mut child = bin()
        .arg("--database-url")
        .arg(&t.url)
        .arg("--rules-dir")
        .arg(&rules)
        .args(["import", "--kind", "surveys", file.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the import finished before it could be killed: make the file larger"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(
        count(&t, "survey_responses"),
        0,
        "nothing partial is visible"
    );
    assert_eq!(count(&t, "import_batches"), batches_before);
    let out = cli(
        &t.url,
        &rules,
        &["import", "--kind", "surveys", file.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(count(&t, "survey_responses"), 300_000);
}

on_both_backends! {
    a_killed_rating_run_leaves_no_partial_run => super::a_killed_rating_run_leaves_no_partial_run;
}

fn a_killed_rating_run_leaves_no_partial_run(t: TestDb) {
    let rules = repo_path("scoring-rules");
    let dir = tempfile::tempdir().unwrap();
    let city = dir.path().join("city");
    let generated = cli(
        &t.url,
        &rules,
        &[
            "generate",
            "--seed",
            "3",
            "--companies",
            "400",
            "--communities",
            "4000",
            "--periods",
            "2025Q3",
            "--out",
            city.to_str().unwrap(),
        ],
    );
    assert!(generated.status.success());
    assert!(cli(&t.url, &rules, &["import", city.to_str().unwrap()])
        .status
        .success());
    let rate = || {
        bin()
            .arg("--database-url")
            .arg(&t.url)
            .arg("--rules-dir")
            .arg(&rules)
            .args(["rate", "--period", "2025Q3"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // A first run shows how long one takes.
    let started = Instant::now();
    assert!(rate().wait().unwrap().success());
    let took = started.elapsed();
    let stored = (count(&t, "rating_runs"), count(&t, "run_results"));
    assert_eq!(stored.0, 1);
    // Killed at different points of its work (loading, computing, storing):
    // every run that is visible has all its results; none is half-written.
    for share in [0.5, 0.7, 0.85] {
        let mut child = rate();
        std::thread::sleep(took.mul_f64(share));
        child.kill().unwrap();
        child.wait().unwrap();
        let (runs, results) = (count(&t, "rating_runs"), count(&t, "run_results"));
        assert_eq!(
            results,
            runs * stored.1,
            "killed at {share}: {runs} runs with {results} results"
        );
    }
    let runs = count(&t, "rating_runs");
    assert!(rate().wait().unwrap().success());
    assert_eq!(count(&t, "rating_runs"), runs + 1);
}
