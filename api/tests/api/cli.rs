//! The `humanaios` binary: help on every subcommand, `schema`, `migrate` and `demo`.

use std::process::Command;

use crate::helpers::{Backend, spawn_app_with};

fn humanaios() -> Command {
    Command::new(env!("CARGO_BIN_EXE_humanaios"))
}

#[test]
fn every_subcommand_has_help() {
    for sub in [&[][..], &["serve"], &["migrate"], &["schema"], &["demo"]] {
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

#[tokio::test]
async fn the_demo_admin_signs_in_and_sees_three_agents_a_week_of_activity_and_every_task_status() {
    let app = spawn_app_with(Backend::Sqlite, |config| config.demo = true).await;
    let data = app
        .graphql_ok(
            None,
            "mutation { logIn(input: { email: \"demo@humanaios.local\", password: \"humanaios-demo\" }) { accessToken } }",
            serde_json::json!({}),
        )
        .await;
    let token = data["logIn"]["accessToken"].as_str().unwrap();
    let data = app
        .graphql_ok(
            Some(token),
            "{ agents { nodes { type } } activities(first: 100) { nodes { type } } }",
            serde_json::json!({}),
        )
        .await;
    let mut types: Vec<&str> = data["agents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    types.sort();
    assert_eq!(types, ["CREWAI", "LANGCHAIN", "MCP"]);
    let activities = data["activities"]["nodes"].as_array().unwrap();
    assert_eq!(activities.len(), 100);

    use sea_orm::{EntityTrait as _, PaginatorTrait as _, QueryFilter as _, QuerySelect as _};
    let statuses: Vec<entity::TaskStatus> = entity::human_task::Entity::find()
        .select_only()
        .column(entity::human_task::Column::Status)
        .into_tuple()
        .all(&app.state.db)
        .await
        .unwrap();
    for status in entity::TaskStatus::ALL {
        assert!(statuses.contains(status), "no demo task is {status}");
    }
    let errors = entity::agent_activity::Entity::find()
        .filter(sea_orm::ColumnTrait::eq(
            &entity::agent_activity::Column::ActivityType,
            entity::ActivityType::Error,
        ))
        .count(&app.state.db)
        .await
        .unwrap();
    assert!(errors > 0, "the demo week has errors");
}
