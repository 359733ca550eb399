//! What `humanaios-mcp bench` prints: the setup and the machine it ran on, then per
//! transport a table of p50/p90/p99 and calls/s for the direct and proxied paths and what
//! the proxy added, the number of recordings that arrived, and — over stdio — whether the
//! latency goal is met.

use std::time::Duration;

use super::stats::{Added, Summary};
use super::{BenchArgs, Figures, Sink};

/// The goal over stdio: at most this many µs added at p50 and at p99.
const GOAL_P50_US: f64 = 50.0;
const GOAL_P99_US: f64 = 200.0;

/// The run's setup and the machine's state as it starts.
pub(super) fn header(args: &BenchArgs, sink: &Sink) {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into());
    let target = match sink.relays() {
        true => "the HumanAIOS API given (relayed and counted)",
        false => "a local sink standing in for the API",
    };
    println!(
        "humanaios-mcp bench: sequential `tools/call echo` on server-everything, direct and \
         through `humanaios-mcp proxy` recording to {target}"
    );
    println!(
        "{} rounds × {} calls per path after {} warm-up calls, direct and proxied rounds \
         alternating; {cores} CPUs, load average {load} at start",
        args.rounds, args.calls, args.warmup
    );
}

/// One transport's table and recording count.
pub(super) fn figures(figures: &Figures, recorded: usize) {
    let direct = figures.direct.summary();
    let proxied = figures.proxied.summary();
    let added = Added::between(&direct, &proxied);
    println!();
    println!(
        "{:<6} {:<8} {:>9} {:>9} {:>9} {:>9}",
        figures.transport, "path", "p50 µs", "p90 µs", "p99 µs", "calls/s"
    );
    row("direct", &direct, figures.direct.len());
    row("proxied", &proxied, figures.proxied.len());
    println!(
        "{:<6} {:<8} {:>+9.1} {:>+9.1} {:>+9.1}",
        "", "added", added.p50, added.p90, added.p99
    );
    println!(
        "recorded: {recorded} activities for {} proxied calls (warm-up included)",
        figures.proxied_calls
    );
    if figures.transport == "stdio" {
        let met = added.p50 <= GOAL_P50_US && added.p99 <= GOAL_P99_US;
        println!(
            "goal over stdio (p50 ≤ +{GOAL_P50_US} µs, p99 ≤ +{GOAL_P99_US} µs): {}",
            if met { "met" } else { "not met" }
        );
    }
}

fn row(path: &str, summary: &Summary, calls: usize) {
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{:<6} {:<8} {:>9.1} {:>9.1} {:>9.1} {:>9.0}   ({calls} calls)",
        "",
        path,
        us(summary.p50),
        us(summary.p90),
        us(summary.p99),
        summary.per_second
    );
}
