//! `humanaios-mcp bench` end to end with tiny numbers, so it cannot rot: it measures
//! against the real server-everything (from npm, installed by the test command), its
//! proxied calls are all recorded — in its own sink, or in a real HumanAIOS API on SQLite
//! and PostgreSQL — and bad options are refused with a clear message. No timing is
//! asserted: the figures depend on the machine.

mod common;

use std::process::Output;

use common::{Recording, activities, recording_api, server_everything, summary};
use humanaios::on_both_backends;
use humanaios::testing::Backend;

/// Tiny numbers: 2 warm-up calls and 2 rounds of 5 on each path.
const TINY: [&str; 6] = ["--calls", "5", "--rounds", "2", "--warmup", "2"];

/// Runs `humanaios-mcp bench ARGS` and waits for it.
async fn bench(args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_humanaios-mcp"))
        .arg("bench")
        // `node SCRIPT stdio`: the bench takes the script and runs its modes itself.
        .args(["--server-everything", &server_everything()[1]])
        .args(args)
        .output()
        .await
        .unwrap()
}

fn stdout(output: &Output) -> String {
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the bench failed: {text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    text
}

#[tokio::test]
async fn the_bench_measures_both_transports_and_records_every_proxied_call() {
    let report = stdout(&bench(&TINY).await);
    for row in [
        "stdio ", "http ", "direct", "proxied", "added", "p50 µs", "p99 µs", "calls/s",
    ] {
        assert!(report.contains(row), "no `{row}` in:\n{report}");
    }
    assert_eq!(
        report
            .matches("recorded: 12 activities for 12 proxied calls")
            .count(),
        2,
        "each transport's calls are all recorded:\n{report}"
    );
    assert_eq!(report.matches("(10 calls)").count(), 4, "{report}");
    assert!(report.contains("goal over stdio"), "{report}");
}

#[tokio::test]
async fn bad_options_are_refused_with_a_reason() {
    let output = bench(&["--calls", "0"]).await;
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("--calls and --rounds must be at least 1"),
        "{said}"
    );

    let output = bench(&["--api-url", "http://127.0.0.1:9"]).await;
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("--api-key"), "{said}");
}

async fn with_an_api_every_proxied_call_lands_there(backend: Backend) {
    let (_database, api, Recording { token, agent, key }) = recording_api(backend).await;
    let url = format!("http://{}", api.addr);
    let report = stdout(
        &bench(
            &[
                &TINY[..],
                &[
                    "--transport",
                    "stdio",
                    "--api-url",
                    &url,
                    "--api-key",
                    &key,
                    "--agent-id",
                    &agent,
                ],
            ]
            .concat(),
        )
        .await,
    );
    assert!(report.contains("the HumanAIOS API given"), "{report}");
    assert!(
        report.contains("recorded: 12 activities for 12 proxied calls"),
        "{report}"
    );
    let recorded = activities(api.addr, &token, &agent, 12).await;
    assert_eq!(recorded.len(), 12);
    assert!(
        summary(&recorded)
            .iter()
            .all(|a| *a == ("TOOL_CALL", "echo", "OK")),
        "{recorded:?}"
    );
}

on_both_backends!(with_an_api_every_proxied_call_lands_there);
