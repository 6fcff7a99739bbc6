//! SIGTERM to the real binary in the middle of an import over HTTP: the
//! server stops accepting, lets the import finish (or, cut short, roll
//! back) and exits cleanly; the import is then committed whole or absent.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::helpers::{propcredit as cli, repo_path, TestDb};
use crate::on_both_backends;
use crate::process::{big_surveys, count, serve};

on_both_backends! {
    sigterm_during_an_import_leaves_it_committed_or_absent => super::sigterm_during_an_import_leaves_it_committed_or_absent;
}

const ROWS: usize = 400_000;

fn sigterm_during_an_import_leaves_it_committed_or_absent(t: TestDb) {
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
    let added = cli(
        &t.url,
        &rules,
        &["user", "add", "--name", "ops", "--role", "admin"],
    );
    let token = String::from_utf8(added.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = std::fs::read(big_surveys(dir.path(), ROWS)).unwrap();
    let mut server = serve(&t.url, &rules);
    let host = server.base.trim_start_matches("http://").to_string();

    // The upload, by hand: the whole body is sent, then the import runs.
    let (sent, body_sent) = std::sync::mpsc::channel();
    let uploader = std::thread::spawn(move || {
        let mut s = TcpStream::connect(&host).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        write!(
            s,
            "POST /api/v1/imports/surveys HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: text/csv\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            file.len()
        )
        .unwrap();
        s.write_all(&file).unwrap();
        sent.send(()).unwrap();
        let mut answer = String::new();
        // Cut short, the connection closes without an answer.
        let _ = s.read_to_string(&mut answer);
        answer.split(' ').nth(1).and_then(|c| c.parse::<u16>().ok())
    });
    body_sent.recv().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !uploader.is_finished(),
        "the import finished before SIGTERM: make the file larger"
    );
    let pid = rustix::process::Pid::from_raw(i32::try_from(server.child.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let stopped = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(90),
            "the server did not stop within its shutdown timeout"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "a clean exit: {status:?}");
    let answered = uploader.join().unwrap();
    let stored = count(&t, "survey_responses");
    assert!(
        stored == 0 || stored == i64::try_from(ROWS).unwrap(),
        "committed whole or absent, never {stored} rows"
    );
    // An answered import is a committed one.
    if answered == Some(200) {
        assert_eq!(stored, i64::try_from(ROWS).unwrap());
    }
    eprintln!("SIGTERM during an import: answered {answered:?}, {stored} rows stored");
}
