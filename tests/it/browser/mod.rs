//! The pages in a real browser: headless Chromium driven over WebDriver
//! (Debian's `chromium` and `chromium-driver`; the test command installs
//! them). Screenshots of the pages land in `target/screenshots/` for people
//! to look at. Without chromedriver these tests fail, unless
//! `PROPCREDIT_TEST_SKIP_BROWSER=1` says to skip them (CI never does).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

use crate::app::setup;
use crate::helpers::TestDb;

mod companies;
mod officials;
mod public;
mod subsidies;

/// One headless Chromium with its chromedriver, for one test.
pub struct Browser {
    pub client: Client,
    driver: Child,
    /// Screenshot names get this suffix (the backend), so runs do not overwrite each other.
    suffix: String,
}

/// The small city's app running and a browser on it, with the pages' root
/// URL; None when browser tests are skipped.
pub async fn open(t: &TestDb) -> Option<(Browser, String)> {
    let api = setup(t, |_| {}).await;
    let browser = Browser::start(backend_of(t)).await?;
    Some((browser, api.base.trim_end_matches("/api/v1").to_string()))
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

    /// Saves the current page as `<target dir>/screenshots/{name}-{backend}.png`.
    pub async fn screenshot(&self, name: &str) {
        // Beside the test binary (target/debug/deps/it-…): the target directory
        // of this build, wherever CARGO_TARGET_DIR puts it.
        let exe = std::env::current_exe().unwrap();
        let target = exe.ancestors().nth(3).map(PathBuf::from).unwrap();
        let dir = target.join("screenshots");
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

    /// Clicks what `locator` finds and waits until the page it leads to has
    /// replaced this one (so nothing is read off the page being left).
    pub async fn click(&self, locator: Locator<'_>) {
        let element = self.client.find(locator).await.unwrap();
        self.click_element(element).await;
    }

    pub async fn click_element(&self, element: fantoccini::elements::Element) {
        let old = self.client.find(Locator::Css("html")).await.unwrap();
        element.click().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while old.tag_name().await.is_ok() {
            assert!(Instant::now() < deadline, "the click led to no new page");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Types `text` into what `locator` finds.
    pub async fn type_into(&self, locator: Locator<'_>, text: &str) {
        let field = self.client.find(locator).await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Chooses the option with `value` in the select `locator` finds.
    pub async fn choose(&self, locator: Locator<'_>, value: &str) {
        let select = self.client.find(locator).await.unwrap();
        select.select_by_value(value).await.unwrap();
    }

    pub async fn close(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Signs `name` in through the login form.
pub async fn sign_in(b: &Browser, root: &str, name: &str) {
    b.client.goto(&format!("{root}/login")).await.unwrap();
    b.type_into(Locator::Id("name"), name).await;
    b.type_into(Locator::Id("password"), crate::app::PASSWORD)
        .await;
    b.click(Locator::Css("form.stacked button")).await;
    assert!(b.text(".who").await.starts_with(name));
}

/// Signs out through the navigation's form and waits until the page says so.
pub async fn sign_out(b: &Browser) {
    b.click(Locator::Css("form.inline button")).await;
    assert_eq!(b.text(".account a").await, "登录");
}
