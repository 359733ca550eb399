//! A task as JSON: the REST answer, the body of every callback, and what the built-in
//! clients read. The callback secret is never part of it.

use chrono::{DateTime, Utc};
use entity::{TaskSource, TaskStatus, TaskType, Usd, human_task};
use serde::Serialize;
use uuid::Uuid;

/// A human task as REST and callbacks show it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskView {
    pub id: Uuid,
    pub agent_id: Uuid,
    pub title: String,
    pub description: String,
    pub status: TaskStatus,
    #[serde(rename = "type")]
    pub task_type: TaskType,
    pub source: TaskSource,
    pub source_activity_id: Option<Uuid>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub address: Option<String>,
    pub budget_usd: Option<Usd>,
    pub deadline: Option<DateTime<Utc>>,
    pub assigned_to: Option<Uuid>,
    /// What the person found or did, once completed.
    pub result: Option<serde_json::Value>,
    pub result_note: Option<String>,
    /// Why it failed, was rejected or was cancelled.
    pub failure_reason: Option<String>,
    /// Bumped on every change; send it back as `expectedVersion`.
    pub version: i32,
    pub has_callback: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub approved_by: Option<Uuid>,
    pub approved_at: Option<DateTime<Utc>>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<human_task::Model> for TaskView {
    fn from(m: human_task::Model) -> Self {
        TaskView {
            id: m.id,
            agent_id: m.agent_id,
            title: m.title,
            description: m.description,
            status: m.status,
            task_type: m.task_type,
            source: m.source,
            source_activity_id: m.source_activity_id,
            latitude: m.latitude,
            longitude: m.longitude,
            address: m.address,
            budget_usd: m.budget_usd,
            deadline: m.deadline,
            assigned_to: m.assigned_to,
            result: m.result,
            result_note: m.result_note,
            failure_reason: m.failure_reason,
            version: m.version,
            has_callback: m.callback_url.is_some(),
            updated_at: m.updated_at.unwrap_or(m.created_at),
            created_at: m.created_at,
            approved_by: m.approved_by,
            approved_at: m.approved_at,
            assigned_at: m.assigned_at,
            started_at: m.started_at,
            completed_at: m.completed_at,
        }
    }
}
