//! The `humanaios` binary: help on every subcommand, `schema`, `migrate` and `demo`.

use std::process::Command;

fn humanaios() -> Command {
    Command::new(env!("CARGO_BIN_EXE_humanaios"))
}

#[test]
fn every_subcommand_has_help() {
    for sub in [
        &[][..],
        &["serve"],
        &["migrate"],
        &["schema"],
        &["demo"],
        &["bench"],
        &["bench", "ingest"],
        &["bench", "feed"],
        &["bench", "analytics"],
    ] {
        let output = humanaios().args(sub).arg("--help").output().unwrap();
        assert!(output.status.success(), "{sub:?} --help failed");
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(text.contains("Usage: humanaios"), "{sub:?}: {text}");
    }
    let text = String::from_utf8(
        humanaios()
            .args(["serve", "--help"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(text.contains("--bind <ADDR>") && text.contains("--demo"));
}

#[test]
fn the_schema_subcommand_prints_the_committed_schema() {
    let output = humanaios().arg("schema").output().unwrap();
    assert!(output.status.success());
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql")).unwrap();
    assert!(
        String::from_utf8(output.stdout).unwrap() == committed,
        "schema.graphql is stale: run `cargo run -p humanaios -- schema > schema.graphql`"
    );
}

#[test]
fn migrate_then_demo_on_a_fresh_sqlite_file_then_demo_again_is_harmless() {
    let dir = std::env::temp_dir().join(format!("humanaios-cli-{}", uuid::Uuid::now_v7().simple()));
    let run = |sub: &str| {
        let output = humanaios()
            .arg(sub)
            .env("HUMANAIOS_DATA_DIR", &dir)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{sub}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    assert!(run("migrate").contains("up to date"));
    assert!(dir.join("humanaios.db").exists());
    let first = run("demo");
    assert!(first.contains("loaded the demo organization"), "{first}");
    assert!(run("demo").contains("already loaded"));
    std::fs::remove_dir_all(dir).unwrap();
}

/// The benchmarks (ingest, feed, analytics) run end to end (tiny sizes here; BENCHMARKS.md has the real figures) and
/// print a table whose rows hold numbers.
#[test]
fn every_benchmark_runs_against_a_real_server() {
    for args in [
        &[
            "bench",
            "ingest",
            "--on",
            "sqlite",
            "--events",
            "400",
            "--batch",
            "50",
            "--concurrency",
            "4",
        ][..],
        &[
            "bench",
            "feed",
            "--on",
            "sqlite",
            "--subscribers",
            "5",
            "--events",
            "5",
            "--interval-ms",
            "1",
        ],
    ] {
        let output = humanaios().args(args).output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{args:?}: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let row = text.lines().last().unwrap_or_default();
        assert!(row.starts_with("| SQLite |"), "{args:?}: {text}");
        let figures: Vec<f64> = row
            .split('|')
            .filter_map(|cell| cell.trim().trim_end_matches('×').parse().ok())
            .collect();
        // Latencies measured from the acknowledgement may be negative (a subscriber can
        // have the event before the ingest client has its answer); all must be numbers.
        assert!(
            figures.len() >= 2 && figures.iter().all(|f| f.is_finite()),
            "{args:?}: {row}"
        );
        if args[1] == "feed" {
            let deliveries = row.split('|').nth(4).map(str::trim);
            assert_eq!(deliveries, Some("25"), "5 subscribers × 5 events: {row}");
        }
    }
}
