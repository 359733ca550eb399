//! Demo data: an organization with three agents, a week of their activity (costs, errors,
//! requests for humans), and human tasks in every status, so a new user sees a lived-in
//! dashboard. Deterministic apart from being anchored at "now".

use chrono::{DateTime, Duration, Utc};
use entity::{
    ActivityStatus, ActivityType, AgentStatus, AgentType, AuthProvider, OrgId, Plan, Role,
    TaskSource, TaskStatus, TaskType, Usd, agent, agent_activity, human_task, organization, user,
};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, DatabaseConnection, EntityTrait as _,
    IntoActiveModel as _, PaginatorTrait as _, QueryFilter as _, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::password;

/// The demo admin's email.
pub const DEMO_EMAIL: &str = "demo@humanaios.local";
/// The demo admin's password (demo data only; never used for anything real).
pub const DEMO_PASSWORD: &str = "humanaios-demo";

/// Minutes between two activities of one agent in the demo week.
const ACTIVITY_EVERY_MINUTES: i64 = 20;

/// What a load did.
#[derive(Debug, PartialEq, Eq)]
pub enum DemoOutcome {
    Loaded { activities: usize, tasks: usize },
    AlreadyPresent,
}

/// Loads the demo organization unless its admin already exists.
pub async fn load(db: &DatabaseConnection) -> anyhow::Result<DemoOutcome> {
    if demo_admin_exists(db).await? {
        return Ok(DemoOutcome::AlreadyPresent);
    }
    insert(db, crate::time::now()).await
}

/// Loads the demo organization when the database has no organization at all (first start).
pub async fn load_if_empty(db: &DatabaseConnection) -> anyhow::Result<DemoOutcome> {
    if organization::Entity::find().count(db).await? > 0 {
        return Ok(DemoOutcome::AlreadyPresent);
    }
    insert(db, crate::time::now()).await
}

/// Whether the demo admin can sign in on this database.
pub async fn demo_admin_exists(db: &DatabaseConnection) -> anyhow::Result<bool> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(DEMO_EMAIL))
        .count(db)
        .await?
        > 0)
}

async fn insert(db: &DatabaseConnection, now: DateTime<Utc>) -> anyhow::Result<DemoOutcome> {
    let mut rng = StdRng::seed_from_u64(0x4855_4d41_4e41_494f);
    let hash = password::hash(DEMO_PASSWORD.to_owned())
        .await
        .map_err(|err| anyhow::anyhow!("hashing the demo password: {}", err.message()))?;
    let txn = crate::db::begin_write(db).await?;

    let org_id = Uuid::now_v7();
    organization::Entity::insert(organization::ActiveModel {
        id: Set(org_id),
        name: Set("Acme Field Operations".to_owned()),
        plan: Set(Plan::Pro),
        settings: Set(json!({
            "timezone": "America/Los_Angeles",
            "tasks": { "budgetLimitUsd": "100" },
        })),
        created_at: Set(now - Duration::days(30)),
    })
    .exec(&txn)
    .await?;

    // The operator and the field worker take tasks; where they are drives suggestions.
    let members = [
        (DEMO_EMAIL, Role::Admin, Some(hash.clone()), None),
        (
            "ops@humanaios.local",
            Role::Operator,
            Some(hash.clone()),
            Some((37.7858, -122.4064)),
        ),
        (
            "viewer@humanaios.local",
            Role::Viewer,
            Some(hash),
            Some((37.7609, -122.4350)),
        ),
    ];
    let mut member_ids = Vec::new();
    for (email, role, password_hash, place) in members {
        let id = Uuid::now_v7();
        member_ids.push(id);
        user::Entity::insert(user::ActiveModel {
            id: Set(id),
            org_id: Set(org_id),
            email: Set(email.to_owned()),
            password_hash: Set(password_hash),
            role: Set(role),
            auth_provider: Set(AuthProvider::Email),
            created_at: Set(now - Duration::days(30)),
            latitude: Set(place.map(|(lat, _)| lat)),
            longitude: Set(place.map(|(_, lng)| lng)),
            available: Set(place.is_some()),
            located_at: Set(place.map(|_| now - Duration::hours(1))),
        })
        .exec(&txn)
        .await?;
    }

    let agents = [
        (
            "support-triage",
            AgentType::Mcp,
            "claude-sonnet-4-5",
            &["search_tickets", "reply_to_customer", "refund_order"][..],
        ),
        (
            "research-assistant",
            AgentType::Langchain,
            "gpt-4.1",
            &["web_search", "read_pdf", "summarize"][..],
        ),
        (
            "field-dispatcher",
            AgentType::Crewai,
            "gemini-2.5-pro",
            &["route_planner", "check_inventory", "schedule_visit"][..],
        ),
    ];
    let mut agent_ids = Vec::new();
    for (i, (name, agent_type, model, _)) in agents.iter().enumerate() {
        let id = Uuid::now_v7();
        agent_ids.push(id);
        agent::Entity::insert(agent::ActiveModel {
            id: Set(id),
            org_id: Set(org_id),
            name: Set((*name).to_owned()),
            agent_type: Set(*agent_type),
            config: Set(json!({ "model": model })),
            status: Set(if i == 2 {
                AgentStatus::Paused
            } else {
                AgentStatus::Active
            }),
            created_at: Set(now - Duration::days(14) + Duration::minutes(i as i64)),
        })
        .exec(&txn)
        .await?;
    }

    let mut activities = Vec::new();
    let start = now - Duration::days(7);
    for (agent_index, (_, _, model, tools)) in agents.iter().enumerate() {
        let mut at = start + Duration::minutes(agent_index as i64 * 7);
        while at < now {
            let roll: f64 = rng.random();
            let tool = tools[rng.random_range(0..tools.len())];
            let (activity_type, payload) = if roll < 0.04 {
                (
                    ActivityType::Error,
                    json!({ "tool": tool, "message": "upstream timed out after 30s", "model": model }),
                )
            } else if roll < 0.06 {
                (
                    ActivityType::HumanRequest,
                    json!({ "reason": "needs a person on site", "tool": tool, "model": model }),
                )
            } else if roll < 0.30 {
                (
                    ActivityType::Decision,
                    json!({ "choice": format!("use {tool}"), "model": model, "confidence": rng.random_range(0.55..0.99) }),
                )
            } else {
                (
                    ActivityType::ToolCall,
                    json!({ "tool": tool, "model": model, "input_tokens": rng.random_range(200..6000), "output_tokens": rng.random_range(50..1500) }),
                )
            };
            let cost = Usd::from_nanos(rng.random_range(20_000..40_000_000));
            let duration = rng.random_range(40..4_000);
            let started = crate::time::truncate(at);
            let failed = activity_type == ActivityType::Error;
            let activity = agent_activity::Model {
                id: Uuid::now_v7(),
                org_id,
                agent_id: agent_ids[agent_index],
                activity_type,
                payload,
                cost_usd: Some(cost),
                duration_ms: Some(duration),
                timestamp: started,
                received_at: crate::time::truncate(at + Duration::milliseconds(120)),
                run_id: None,
                parent_id: None,
                name: Some(tool.to_owned()),
                model: Some((*model).to_owned()),
                input_tokens: Some(rng.random_range(200..6_000)),
                output_tokens: Some(rng.random_range(50..1_500)),
                cache_read_tokens: Some(rng.random_range(0..4_000)),
                cache_write_tokens: None,
                reasoning_tokens: None,
                status: if failed {
                    ActivityStatus::Error
                } else {
                    ActivityStatus::Ok
                },
                error_message: failed.then(|| "upstream timed out after 30s".to_owned()),
                started_at: Some(started),
                ended_at: Some(started + Duration::milliseconds(duration)),
                unpriced: false,
                feed_seq: 0,
                redactions: 0,
            };
            activities.push(activity);
            at += Duration::minutes(ACTIVITY_EVERY_MINUTES);
        }
    }
    // The live feed numbers activities in the order they were stored.
    activities.sort_by_key(|a| (a.received_at, a.id));
    let first =
        crate::activities::sequence::reserve(&txn, OrgId(org_id), activities.len() as u64).await?;
    let activities: Vec<_> = activities
        .into_iter()
        .zip(first..)
        .map(|(activity, feed_seq)| agent_activity::Model {
            feed_seq,
            ..activity
        })
        .collect();
    let activity_count = activities.len();
    for chunk in activities.chunks(500) {
        let rows = chunk
            .iter()
            .map(|a| a.clone().into_active_model().reset_all());
        agent_activity::Entity::insert_many(rows).exec(&txn).await?;
    }
    // The rollups, as ingest would have written them.
    crate::activities::group_commit::add_to_rollups(&txn, &activities).await?;

    // The inbox in every status, in and around San Francisco, with addresses, budgets (one
    // above the organization's $100 per-task limit) and deadlines.
    let tasks = [
        (
            "Verify storefront is open",
            TaskType::Verification,
            TaskStatus::Pending,
            (37.7793, -122.4193),
            "1 Dr Carlton B Goodlett Pl, San Francisco, CA",
            "25",
        ),
        (
            "Pick up signed contract",
            TaskType::Pickup,
            TaskStatus::Approved,
            (37.7890, -122.4010),
            "101 Market St, San Francisco, CA",
            "40",
        ),
        (
            "Inspect delivery van damage",
            TaskType::Inspection,
            TaskStatus::Assigned,
            (37.7599, -122.4148),
            "2100 Mission St, San Francisco, CA",
            "60",
        ),
        (
            "Attend supplier meeting",
            TaskType::Attendance,
            TaskStatus::InProgress,
            (37.8044, -122.2712),
            "1 Frank H Ogawa Plaza, Oakland, CA",
            "120",
        ),
        (
            "Photograph shelf layout",
            TaskType::Verification,
            TaskStatus::Completed,
            (37.7680, -122.4300),
            "2200 Market St, San Francisco, CA",
            "15",
        ),
        (
            "Collect returned hardware",
            TaskType::Pickup,
            TaskStatus::Failed,
            (37.7510, -122.4470),
            "400 Clipper St, San Francisco, CA",
            "35",
        ),
        (
            "Confirm customer identity in person",
            TaskType::Verification,
            TaskStatus::Pending,
            (37.7749, -122.4194),
            "1 Van Ness Ave, San Francisco, CA",
            "150",
        ),
        (
            "Inspect warehouse roof after storm",
            TaskType::Inspection,
            TaskStatus::Rejected,
            (37.7420, -122.3870),
            "1500 Evans Ave, San Francisco, CA",
            "300",
        ),
        (
            "Drop off replacement badge",
            TaskType::Pickup,
            TaskStatus::Cancelled,
            (37.7955, -122.3937),
            "1 Ferry Building, San Francisco, CA",
            "20",
        ),
    ];
    let task_count = tasks.len();
    for (i, (title, task_type, status, (lat, lng), address, budget)) in
        tasks.into_iter().enumerate()
    {
        let created_at = crate::time::truncate(now - Duration::hours(6 * (i as i64 + 1)));
        let at = |hours: i64| Some(created_at + Duration::minutes(30 * hours));
        // How far each task got: rejected and cancelled ones were turned down while pending.
        let (approved, assigned, started) = match status {
            TaskStatus::Pending | TaskStatus::Rejected | TaskStatus::Cancelled => {
                (false, false, false)
            }
            TaskStatus::Approved => (true, false, false),
            TaskStatus::Assigned => (true, true, false),
            TaskStatus::InProgress | TaskStatus::Completed | TaskStatus::Failed => {
                (true, true, true)
            }
        };
        let finished = !crate::tasks::lifecycle::is_open(status);
        let steps = 1
            + i32::from(approved)
            + i32::from(assigned)
            + i32::from(started)
            + i32::from(finished);
        human_task::Entity::insert(human_task::ActiveModel {
            id: Set(Uuid::now_v7()),
            org_id: Set(org_id),
            agent_id: Set(agent_ids[i % agent_ids.len()]),
            title: Set(title.to_owned()),
            description: Set(format!("{title}. Requested by the agent during a run.")),
            status: Set(status),
            task_type: Set(task_type),
            latitude: Set(Some(lat)),
            longitude: Set(Some(lng)),
            budget_usd: Set(Some(budget.parse()?)),
            assigned_to: Set(assigned.then_some(member_ids[2])),
            result: Set((status == TaskStatus::Completed)
                .then(|| json!({ "photos": 3, "shelvesMatchPlanogram": true }))),
            result_note: Set(
                (status == TaskStatus::Completed).then(|| "Done, photos attached".to_owned())
            ),
            failure_reason: Set(match status {
                TaskStatus::Failed => Some("Nobody at the address".to_owned()),
                TaskStatus::Rejected => Some("Roofing contractor already booked".to_owned()),
                TaskStatus::Cancelled => Some("The agent no longer needs it".to_owned()),
                _ => None,
            }),
            version: Set(steps),
            created_at: Set(created_at),
            completed_at: Set(finished.then(|| at(4)).flatten()),
            source: Set(TaskSource::Request),
            address: Set(Some(address.to_owned())),
            deadline: Set(Some(created_at + Duration::days(2))),
            approved_by: Set(approved.then_some(member_ids[0])),
            approved_at: Set(approved.then(|| at(1)).flatten()),
            assigned_at: Set(assigned.then(|| at(2)).flatten()),
            started_at: Set(started.then(|| at(3)).flatten()),
            updated_at: Set(Some(
                created_at + Duration::minutes(30 * i64::from(steps - 1)),
            )),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
    }

    txn.commit().await?;
    Ok(DemoOutcome::Loaded {
        activities: activity_count,
        tasks: task_count,
    })
}
