//! The pages in a real browser: headless Chromium driven over WebDriver
//! (Debian's `chromium` and `chromium-driver`; the test command installs
//! them). Screenshots of the pages land in `target/screenshots/` for people
//! to look at. Without chromedriver these tests fail, unless
//! `PROPCREDIT_TEST_SKIP_BROWSER=1` says to skip them (CI never does).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

use crate::app::{run_async, setup};
use crate::helpers::TestDb;
use crate::on_both_backends;

/// One headless Chromium with its chromedriver, for one test.
pub struct Browser {
    pub client: Client,
    driver: Child,
    /// Screenshot names get this suffix (the backend), so runs do not overwrite each other.
    suffix: String,
}

/// Which database a test runs on: screenshots carry it in their names.
fn backend_of(t: &TestDb) -> &'static str {
    if t.url.starts_with("sqlite") {
        "sqlite"
    } else {
        "postgres"
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    /// None when the browser tests are explicitly skipped.
    pub async fn start(suffix: &str) -> Option<Browser> {
        if std::env::var("PROPCREDIT_TEST_SKIP_BROWSER").as_deref() == Ok("1")
            && std::env::var("CI").as_deref() != Ok("true")
        {
            eprintln!("PROPCREDIT_TEST_SKIP_BROWSER=1: browser test skipped");
            return None;
        }
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is not installed (Debian: apt-get install chromium chromium-driver), or set PROPCREDIT_TEST_SKIP_BROWSER=1");
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,1000",
                         "--lang=zh-CN"]
            }
        });
        let serde_json::Value::Object(caps) = caps else {
            unreachable!()
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            let attempt =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(caps.clone())
                    .connect(&format!("http://127.0.0.1:{port}"))
                    .await;
            match attempt {
                Ok(c) => break c,
                Err(e) if Instant::now() > deadline => panic!("chromedriver did not answer: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        Some(Browser {
            client,
            driver,
            suffix: suffix.to_string(),
        })
    }

    /// Saves the current page as `target/screenshots/{name}-{backend}.png`.
    pub async fn screenshot(&self, name: &str) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}-{}.png", self.suffix)), png).unwrap();
    }

    /// The text of the first element `css` selects.
    pub async fn text(&self, css: &str) -> String {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    pub async fn close(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

on_both_backends! {
    a_resident_reads_the_notice_and_the_method => super::a_resident_reads_the_notice_and_the_method;
}

fn a_resident_reads_the_notice_and_the_method(t: TestDb) {
    let backend = backend_of(&t);
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let Some(b) = Browser::start(backend).await else {
            return;
        };
        let root = api.base.trim_end_matches("/api/v1").to_string();
        b.client.goto(&format!("{root}/")).await.unwrap();
        assert_eq!(
            b.text("h1").await,
            "2025年第4季度物业服务企业信用评价红黑榜公示"
        );
        let red = b.text("h2.red").await;
        assert!(red.starts_with("红榜（"), "{red}");
        b.screenshot("home").await;
        // An earlier quarter, by its link.
        b.client
            .find(Locator::Css(r#"a[href="/periods/2025Q3"]"#))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert_eq!(
            b.text("h1").await,
            "2025年第3季度物业服务企业信用评价红黑榜公示"
        );
        // The method, from the navigation.
        b.client
            .find(Locator::LinkText("评价办法"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert_eq!(b.text("h1").await, "物业服务企业信用评价办法");
        let weights = b.text("#weights + p + .table-wrap table").await;
        assert!(weights.contains("35%"), "{weights}");
        b.screenshot("methodology").await;
        // On a phone the notice still reads; its tables scroll inside their box.
        b.client.set_window_size(390, 844).await.unwrap();
        b.client.goto(&format!("{root}/")).await.unwrap();
        let overflow: serde_json::Value = b
            .client
            .execute(
                "return document.documentElement.scrollWidth <= window.innerWidth + 1",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            overflow,
            serde_json::Value::Bool(true),
            "the page is wider than the phone"
        );
        b.screenshot("home-phone").await;
        b.close().await;
    });
}

on_both_backends! {
    users_sign_in_and_out_through_the_form => super::users_sign_in_and_out_through_the_form;
}

fn users_sign_in_and_out_through_the_form(t: TestDb) {
    let backend = backend_of(&t);
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let Some(b) = Browser::start(backend).await else {
            return;
        };
        let root = api.base.trim_end_matches("/api/v1").to_string();
        for (name, label) in [("pat", "住建局管理员"), ("lou", "检查员")] {
            b.client.goto(&format!("{root}/login")).await.unwrap();
            // A wrong password first: the form says so and keeps the name.
            b.client
                .find(Locator::Id("name"))
                .await
                .unwrap()
                .send_keys(name)
                .await
                .unwrap();
            b.client
                .find(Locator::Id("password"))
                .await
                .unwrap()
                .send_keys("not it")
                .await
                .unwrap();
            b.client
                .find(Locator::Css("form.stacked button"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            assert_eq!(b.text(".alert").await, "用户名或密码不正确。");
            if name == "pat" {
                b.screenshot("login-failed").await;
            }
            let password = b.client.find(Locator::Id("password")).await.unwrap();
            password.send_keys(crate::app::PASSWORD).await.unwrap();
            b.client
                .find(Locator::Css("form.stacked button"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            assert_eq!(b.text(".who").await, format!("{name}（{label}）"));
            if name == "pat" {
                b.screenshot("signed-in").await;
            }
            b.client
                .find(Locator::Css("form.inline button"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            assert_eq!(b.text(".account a").await, "登录");
        }
        b.close().await;
    });
}

on_both_backends! {
    an_official_and_a_company_open_the_company_page => super::an_official_and_a_company_open_the_company_page;
}

async fn sign_in(b: &Browser, root: &str, name: &str) {
    b.client.goto(&format!("{root}/login")).await.unwrap();
    b.client
        .find(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys(name)
        .await
        .unwrap();
    b.client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(crate::app::PASSWORD)
        .await
        .unwrap();
    b.client
        .find(Locator::Css("form.stacked button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(b.text(".who").await.starts_with(name));
}

fn an_official_and_a_company_open_the_company_page(t: TestDb) {
    use crate::app::{OTHER, OWN};
    let backend = backend_of(&t);
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let Some(b) = Browser::start(backend).await else {
            return;
        };
        let root = api.base.trim_end_matches("/api/v1").to_string();
        sign_in(&b, &root, "pat").await;
        b.client
            .goto(&format!("{root}/companies/{OWN}"))
            .await
            .unwrap();
        assert_eq!(b.text("#card-title").await, "2025年第4季度评价结果");
        let charts = b.client.find_all(Locator::Css("svg.chart")).await.unwrap();
        assert_eq!(charts.len(), 2);
        b.screenshot("company").await;
        b.client
            .find(Locator::Css("form.inline button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        // The company itself: its own page, and 404 for another's.
        sign_in(&b, &root, "kim").await;
        b.client
            .goto(&format!("{root}/companies/{OWN}"))
            .await
            .unwrap();
        assert!(
            !b.text(".raise").await.is_empty(),
            "what would raise the score"
        );
        b.client
            .goto(&format!("{root}/companies/{OTHER}"))
            .await
            .unwrap();
        assert_eq!(b.text("h1").await, "页面不存在");
        b.close().await;
    });
}

on_both_backends! {
    an_official_filters_the_rankings => super::an_official_filters_the_rankings;
}

fn an_official_filters_the_rankings(t: TestDb) {
    let backend = backend_of(&t);
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let Some(b) = Browser::start(backend).await else {
            return;
        };
        let root = api.base.trim_end_matches("/api/v1").to_string();
        sign_in(&b, &root, "lou").await;
        b.client
            .find(Locator::LinkText("排名"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert_eq!(b.text("h1").await, "2025年第4季度信用评价排名");
        let all = b
            .client
            .find_all(Locator::Css("table.rankings tbody tr"))
            .await
            .unwrap()
            .len();
        // Only grade A, through the form.
        let grade = b
            .client
            .find(Locator::Css("select[name=grade]"))
            .await
            .unwrap();
        grade.select_by_value("A").await.unwrap();
        b.client
            .find(Locator::Css("form.filters button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let rows = b
            .client
            .find_all(Locator::Css("table.rankings tbody tr"))
            .await
            .unwrap();
        assert!(
            !rows.is_empty() && rows.len() < all,
            "{} of {all}",
            rows.len()
        );
        for r in rows {
            let cells = r.find_all(Locator::Css("td")).await.unwrap();
            assert_eq!(cells[10].text().await.unwrap(), "A");
        }
        let url = b.client.current_url().await.unwrap();
        assert!(url.query().unwrap_or_default().contains("grade=A"), "{url}");
        b.screenshot("rankings").await;
        b.close().await;
    });
}

on_both_backends! {
    a_company_prints_its_credit_report_and_anyone_verifies_it => super::a_company_prints_its_credit_report_and_anyone_verifies_it;
}

fn a_company_prints_its_credit_report_and_anyone_verifies_it(t: TestDb) {
    use crate::app::OWN;
    let backend = backend_of(&t);
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let Some(b) = Browser::start(backend).await else {
            return;
        };
        let root = api.base.trim_end_matches("/api/v1").to_string();
        sign_in(&b, &root, "kim").await;
        b.client
            .find(Locator::LinkText("本企业"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        b.client
            .find(Locator::LinkText("信用报告（可打印、可查验）"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        b.client
            .find(Locator::Css(r#"form[action$="/report"] button"#))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let number = b.text(".meta .code").await;
        assert!(number.starts_with("XY-2025Q4-"), "{number}");
        let code = b.text(".verify-code").await;
        let total = b.text("table.facts tr:nth-child(4) td").await;
        b.screenshot("credit-report").await;
        // Printing again shows the same report.
        b.client.refresh().await.unwrap();
        assert_eq!(b.text(".verify-code").await, code);
        b.client
            .find(Locator::Css("form.inline button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        // Anyone, signed in or not, checks the code (typed in lower case).
        b.client.goto(&format!("{root}/verify")).await.unwrap();
        b.client
            .find(Locator::Id("code"))
            .await
            .unwrap()
            .send_keys(&code.to_lowercase())
            .await
            .unwrap();
        b.client
            .find(Locator::Css("form.stacked button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert_eq!(b.text(".verified h2").await, "验证码真实有效");
        let shown = b.text(".verified table").await;
        assert!(
            shown.contains(OWN) && shown.contains(&total) && shown.contains(&number),
            "{shown}"
        );
        b.screenshot("verify").await;
        b.client
            .goto(&format!("{root}/verify/AAAA-BBBB-CCCC-DDDD"))
            .await
            .unwrap();
        assert!(b.text(".alert").await.starts_with("未找到验证码"));
        b.close().await;
    });
}
