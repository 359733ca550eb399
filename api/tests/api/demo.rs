//! The demo data `serve --demo` loads on first start.

use crate::helpers::{Backend, spawn_app_with};
use humanaios::on_both_backends;

on_both_backends!(
    the_demo_admin_signs_in_and_sees_three_agents_a_week_of_activity_and_every_task_status
);

async fn the_demo_admin_signs_in_and_sees_three_agents_a_week_of_activity_and_every_task_status(
    backend: Backend,
) {
    let app = spawn_app_with(backend, |config| config.demo = true).await;
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

    // The week's metrics come from rollups written along with the demo activities.
    let stored = entity::agent_activity::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    let from = chrono::Utc::now() - chrono::Duration::days(8);
    let data = app
        .graphql_ok(
            Some(token),
            "query($w: MetricsWindowInput) { orgMetrics(window: $w) { activities errors } }",
            serde_json::json!({ "w": { "from": from.to_rfc3339() } }),
        )
        .await;
    assert_eq!(data["orgMetrics"]["activities"], stored);
    assert_eq!(data["orgMetrics"]["errors"], errors);
}
