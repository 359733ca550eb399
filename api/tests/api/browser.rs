//! The served dashboard in headless Chromium, and the offline GraphiQL page. Both need the
//! dashboard built into web/dist (the README's test command builds it first).

use std::ffi::OsStr;
use std::path::PathBuf;

use crate::helpers::{Backend, spawn_app_with};

/// The repository's root (web/, target/).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// Fails with what to run when web/dist has not been built.
pub fn require_dashboard_build() {
    let index = workspace_root().join("web/dist/index.html");
    assert!(
        index.exists(),
        "{} is missing: build the dashboard first (scripts/build-web.sh, part of scripts/test.sh)",
        index.display()
    );
}

/// One browser at a time: the machine's cores go to the page under test, not to a
/// neighbouring test's Chromium (the feed test measures time).
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs `node web/e2e/<script> <args…>` (a playwright-core script) and returns what it
/// printed; fails the test with the script's own account if it failed.
pub async fn run_browser_script(script: &str, args: &[&OsStr]) -> String {
    require_dashboard_build();
    let _one_at_a_time = ONE_BROWSER.lock().await;
    let output = tokio::process::Command::new("node")
        .arg(workspace_root().join("web/e2e").join(script))
        .args(args)
        .output()
        .await
        .expect("node runs (installed by scripts/setup.sh)");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the browser script {script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_admin_signs_in_and_sees_the_agent_list_in_chromium() {
    require_dashboard_build();
    // With Redis on, as in production: the live feed the dashboard shows crosses Redis.
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.demo = true;
        config.redis_url = Some(crate::helpers::test_redis_url());
    })
    .await;
    let screenshots = workspace_root().join("target/screenshots");
    std::fs::create_dir_all(&screenshots).unwrap();
    let shot = screenshots.join("dashboard-agents.png");
    let _ = std::fs::remove_file(&shot);

    let url = app.url("");
    let stdout = run_browser_script(
        "smoke.mjs",
        &[
            url.as_ref(),
            humanaios::demo::DEMO_EMAIL.as_ref(),
            humanaios::demo::DEMO_PASSWORD.as_ref(),
            screenshots.as_os_str(),
            "--expect-feed".as_ref(),
        ],
    )
    .await;
    for agent in ["support-triage", "research-assistant", "field-dispatcher"] {
        assert!(stdout.contains(agent), "{agent} not shown: {stdout}");
    }
    assert!(shot.exists(), "screenshot saved at {}", shot.display());
}

#[tokio::test]
async fn graphiql_is_served_with_its_assets_and_no_cdn() {
    require_dashboard_build();
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    let page = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("https://"),
        "GraphiQL must not load anything from the internet"
    );
    for asset in [
        "/graphiql/graphiql.min.js",
        "/graphiql/graphiql.min.css",
        "/graphiql/react.production.min.js",
        "/graphiql/react-dom.production.min.js",
        "/graphiql/graphql-ws.min.js",
    ] {
        assert!(html.contains(asset));
        let response = app.client.get(app.url(asset)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{asset}");
        assert!(
            response.bytes().await.unwrap().len() > 1_000,
            "{asset} has content"
        );
    }
    // Client-side routes fall back to the dashboard's index.html.
    let page = app
        .client
        .get(app.url("/agents/some/deep/link"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<html"));
}
