//! The official MCP conformance suite (`@modelcontextprotocol/conformance`) in server mode
//! against server-everything over Streamable HTTP, directly and through the HTTP proxy
//! (recording to a real API): every scenario the server passes directly, it passes through
//! the proxy, and a scenario it fails fails the same way — the proxy adds and loses nothing
//! the suite can see.

mod common;

use common::{http_proxy, recording_api, server_everything_http};
use humanaios::on_both_backends;
use humanaios::testing::Backend;
use humanaios::testing::conformance::run;

/// Fewest scenarios server-everything (2026.8.31) passes directly; fewer means the suite or
/// the server changed under the test and the comparison says little.
const AT_LEAST_PASSED: usize = 10;

async fn the_proxy_passes_every_scenario_the_server_passes(backend: Backend) {
    let (database, api, recording) = recording_api(backend).await;
    let everything = server_everything_http().await;
    let direct = run(&everything.url).await.expect("the suite runs");
    let proxy = http_proxy(
        api.addr,
        &recording,
        &database.dir.join("proxy.spool"),
        &everything.url,
    )
    .await;
    let proxied = run(&proxy.url).await.expect("the suite runs");

    let passed: Vec<&String> = direct
        .iter()
        .filter(|(_, outcome)| outcome.passed)
        .map(|(name, _)| name)
        .collect();
    assert!(
        passed.len() >= AT_LEAST_PASSED,
        "server-everything passes only {passed:?} directly"
    );
    assert_eq!(
        direct.keys().collect::<Vec<_>>(),
        proxied.keys().collect::<Vec<_>>(),
        "the same scenarios ran"
    );
    for (scenario, outcome) in &direct {
        let through = &proxied[scenario];
        assert_eq!(
            through.passed, outcome.passed,
            "{scenario}: direct {outcome:?}, through the proxy {through:?}"
        );
    }
}

on_both_backends!(the_proxy_passes_every_scenario_the_server_passes);
