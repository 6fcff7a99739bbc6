//! The database going away under a running service: requests answer 503
//! within about a second (never hang, never 500), and the service recovers
//! by itself when the database is back. PostgreSQL is taken away by a TCP
//! proxy between the service and the server that stops forwarding; SQLite
//! by another process holding an exclusive lock (what a maintenance tool does).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::Connection;
use propcredit::configuration::{Overrides, Settings};
use propcredit::startup::Application;
use propcredit::storage::Database;

use crate::helpers::{default_rules, Backend, TestDb};

/// Forwards connections to `target` while up; while down, drops every
/// connection, open or new, as a stopped server would.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (up2, open2) = (up.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !up2.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&target) else {
                    continue;
                };
                let mut list = open2.lock().unwrap();
                list.push(client.try_clone().unwrap());
                list.push(server.try_clone().unwrap());
                drop(list);
                pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                pipe(server, client);
            }
        });
        Self { port, up, open }
    }

    fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        for s in self.open.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    fn back(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 || to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}

/// The service over `db`, with the default (short) waits of the server.
async fn spawn(url: &str, db: Database) -> String {
    let overrides = Overrides {
        database_url: Some(url.to_string()),
        bind: Some("127.0.0.1:0".into()),
        ..Default::default()
    };
    let mut settings = Settings::load_from(None, &overrides, Vec::new()).unwrap();
    settings.scheduler.enabled = false;
    let app = Application::build_with(
        &settings,
        db,
        default_rules(),
        crate::helpers::SYSTEM.clone(),
    )
    .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    base
}

/// An inspector's API token on `t`.
fn add_inspector(t: &TestDb) -> &'static str {
    let token = "pc_outage_inspector";
    crate::helpers::add_user(
        &mut t.db.get().unwrap(),
        "ina",
        "inspector",
        None,
        None,
        token,
    );
    token
}

/// Status and seconds of one request.
async fn timed(request: reqwest::RequestBuilder) -> (u16, f64, String) {
    let started = Instant::now();
    let res = request.send().await.unwrap();
    let status = res.status().as_u16();
    let body = res.text().await.unwrap();
    (status, started.elapsed().as_secs_f64(), body)
}

/// A read that needs the database (the list of runs: the read cache keeps
/// only the published ones, and answers from memory for a second at most).
async fn read_probe(base: &str, token: &str) -> (u16, f64, String) {
    timed(
        reqwest::Client::new()
            .get(format!("{base}/api/v1/runs"))
            .bearer_auth(token),
    )
    .await
}

/// Down: 503 in the JSON format within the limit; back: 2xx/404 again by itself.
async fn outage_and_recovery(
    probe: impl AsyncFn() -> (u16, f64, String),
    take_away: impl FnOnce(),
    bring_back: impl FnOnce(),
) {
    let (status, _, body) = probe().await;
    assert_ne!(status / 100, 5, "before: {body}");
    take_away();
    for _ in 0..3 {
        let (status, seconds, body) = probe().await;
        assert_eq!(status, 503, "{body}");
        assert!(body.contains("service_unavailable"), "{body}");
        // 750 ms by default; CI machines are busy, so allow some slack.
        assert!(seconds < 1.5, "503 took {seconds:.2} s");
    }
    bring_back();
    let started = Instant::now();
    loop {
        let (status, _, body) = probe().await;
        if status / 100 != 5 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no recovery: {status} {body}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
}

#[test]
fn postgres_away_answers_503_fast_and_recovers() {
    let Some(t) = TestDb::new(Backend::Postgres) else {
        return;
    };
    let rest = t.url.strip_prefix("postgres://").unwrap();
    let (userinfo, hostpath) = rest.split_once('@').unwrap();
    let (hostport, dbname) = hostpath.split_once('/').unwrap();
    let proxy = Proxy::start(hostport.to_string());
    let url = format!("postgres://{userinfo}@127.0.0.1:{}/{dbname}", proxy.port);
    let token = add_inspector(&t);
    let settings = Settings::load_from(None, &Overrides::default(), Vec::new()).unwrap();
    let db = Database::connect_with(&url, 4, settings.database.server_pool()).unwrap();
    actix_web::rt::System::new().block_on(async {
        let base = spawn(&url, db).await;
        outage_and_recovery(
            async || read_probe(&base, token).await,
            || proxy.down(),
            || proxy.back(),
        )
        .await;
        // The load balancer's readiness check follows the database too.
        let ready = async || timed(reqwest::Client::new().get(format!("{base}/ready"))).await;
        assert_eq!(ready().await.0, 200);
        outage_and_recovery(ready, || proxy.down(), || proxy.back()).await;
        assert_eq!(ready().await.0, 200, "ready again");
    });
}

/// SQLite readers never wait (WAL), so "away" for the embedded database is
/// another process holding the write lock for long (an import from the command
/// line, a restore): the service's writes answer 503 within the busy timeout
/// instead of hanging, and go through again once the lock is gone.
#[test]
fn sqlite_held_by_another_process_answers_503_fast_and_recovers() {
    let Some(t) = TestDb::new(Backend::Sqlite) else {
        return;
    };
    let path = t.url.strip_prefix("sqlite://").unwrap().to_string();
    let token = add_inspector(&t);
    let settings = Settings::load_from(None, &Overrides::default(), Vec::new()).unwrap();
    let db = Database::connect_with(&t.url, 4, settings.database.server_pool()).unwrap();
    let locker: Arc<Mutex<Option<diesel::SqliteConnection>>> = Arc::default();
    actix_web::rt::System::new().block_on(async {
        let base = spawn(&t.url, db).await;
        let (take, give) = (locker.clone(), locker.clone());
        let import = async || {
            timed(
                reqwest::Client::new()
                    .post(format!("{base}/api/v1/imports/surveys"))
                    .bearer_auth(token)
                    .header("content-type", "text/csv")
                    .body("response_id,community_code,surveyed_on,respondent,overall\n"),
            )
            .await
        };
        outage_and_recovery(
            import,
            move || {
                let mut c = diesel::SqliteConnection::establish(&path).unwrap();
                c.batch_execute(
                    "PRAGMA busy_timeout = 5000; BEGIN IMMEDIATE; \
                     CREATE TABLE maintenance (x INTEGER); INSERT INTO maintenance VALUES (1);",
                )
                .unwrap();
                *take.lock().unwrap() = Some(c);
            },
            move || {
                let mut c = give.lock().unwrap().take().unwrap();
                c.batch_execute("ROLLBACK;").unwrap();
            },
        )
        .await;
    });
}
