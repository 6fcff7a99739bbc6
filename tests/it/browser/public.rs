//! In the browser: what anyone reads, and signing in and out.

use fantoccini::Locator;

use super::open;
use crate::app::run_async;
use crate::helpers::TestDb;
use crate::on_both_backends;

on_both_backends! {
    a_resident_reads_the_notice_and_the_method => super::a_resident_reads_the_notice_and_the_method;
}

fn a_resident_reads_the_notice_and_the_method(t: TestDb) {
    run_async(async {
        let Some((b, root)) = open(&t).await else {
            return;
        };
        b.client.goto(&format!("{root}/")).await.unwrap();
        assert_eq!(
            b.text("h1").await,
            "2025年第4季度物业服务企业信用评价红黑榜公示"
        );
        let red = b.text("h2.red").await;
        assert!(red.starts_with("红榜（"), "{red}");
        b.screenshot("home").await;
        // An earlier quarter, by its link.
        b.click(Locator::Css(r#"a[href="/periods/2025Q3"]"#)).await;
        assert_eq!(
            b.text("h1").await,
            "2025年第3季度物业服务企业信用评价红黑榜公示"
        );
        // The method, from the navigation.
        b.click(Locator::LinkText("评价办法")).await;
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
    run_async(async {
        let Some((b, root)) = open(&t).await else {
            return;
        };
        for (name, label) in [("pat", "住建局管理员"), ("lou", "检查员")] {
            b.client.goto(&format!("{root}/login")).await.unwrap();
            // A wrong password first: the form says so and keeps the name.
            b.type_into(Locator::Id("name"), name).await;
            b.type_into(Locator::Id("password"), "not it").await;
            b.click(Locator::Css("form.stacked button")).await;
            assert_eq!(b.text(".alert").await, "用户名或密码不正确。");
            if name == "pat" {
                b.screenshot("login-failed").await;
            }
            let password = b.client.find(Locator::Id("password")).await.unwrap();
            password.send_keys(crate::app::PASSWORD).await.unwrap();
            b.click(Locator::Css("form.stacked button")).await;
            assert_eq!(b.text(".who").await, format!("{name}（{label}）"));
            if name == "pat" {
                b.screenshot("signed-in").await;
            }
            b.click(Locator::Css("form.inline button")).await;
            assert_eq!(b.text(".account a").await, "登录");
        }
        b.close().await;
    });
}
