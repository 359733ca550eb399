//! Appending to, reading, and verifying the audit chain. There is deliberately no function
//! here (or anywhere) that updates or deletes a record.

use chrono::{DateTime, Utc};
use entity::{OrgId, audit_log, user};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, Condition, DatabaseTransaction, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, QuerySelect as _, Set,
};
use serde_json::Value;
use uuid::Uuid;

use crate::auth::Principal;
use crate::auth::secrets::sha256_hex;
use crate::auth::viewer::Caller;
use crate::error::ApiResult;
use crate::pagination::{self, Page, PageRequest};
use crate::state::AppState;

/// `prev_hash` of an organization's first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Records read per round trip while verifying.
const VERIFY_BATCH: u64 = 500;

/// Where a request came from.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Longest user agent kept, in characters.
const MAX_USER_AGENT: usize = 512;

impl RequestMeta {
    /// The client address and `User-Agent` of an HTTP request.
    pub fn from_http(headers: &axum::http::HeaderMap, client: std::net::IpAddr) -> Self {
        let user_agent = headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(MAX_USER_AGENT).collect());
        RequestMeta {
            ip: Some(client.to_string()),
            user_agent,
        }
    }
}

/// Who made a change, as the log records them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub kind: &'static str,
    pub id: Option<Uuid>,
    pub label: String,
    pub meta: RequestMeta,
}

impl Actor {
    /// A member acting for themselves (also right after sign-up or log-in).
    pub fn user(user: &user::Model, meta: RequestMeta) -> Actor {
        Actor {
            kind: "user",
            id: Some(user.id),
            label: user.email.clone(),
            meta,
        }
    }

    /// The server itself acting on its own (the task classifier, …), named by `label`.
    pub fn system(label: &str) -> Actor {
        Actor {
            kind: "system",
            id: None,
            label: label.to_owned(),
            meta: RequestMeta::default(),
        }
    }

    /// The authenticated caller, as authentication found them.
    pub fn caller(caller: &Caller, meta: RequestMeta) -> Actor {
        let (kind, id) = match caller.viewer.principal {
            Principal::User { id, .. } => ("user", id.0),
            Principal::ApiKey { id, .. } => ("api_key", id.0),
        };
        Actor {
            kind,
            id: Some(id),
            label: caller.label.clone(),
            meta,
        }
    }
}

/// What changed.
pub struct Change {
    /// `agent.create`, `api_key.rotate`, …
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: Option<Uuid>,
    /// Before/after of what changed; never a secret.
    pub summary: Value,
}

/// Appends `change` to `org`'s chain. Call it inside the transaction that makes the change,
/// so both commit or neither does.
pub async fn record(
    txn: &DatabaseTransaction,
    org: OrgId,
    actor: &Actor,
    change: Change,
) -> ApiResult<()> {
    // Appends to one chain must not interleave.
    crate::db::lock_org(txn, org).await?;
    let last = audit_log::Entity::find()
        .filter(audit_log::Column::OrgId.eq(org.0))
        .order_by_desc(audit_log::Column::Seq)
        .one(txn)
        .await?;
    let (seq, prev_hash) = match last {
        Some(last) => (last.seq + 1, last.hash),
        None => (1, GENESIS.to_owned()),
    };
    let mut entry = audit_log::Model {
        id: Uuid::now_v7(),
        org_id: org.0,
        seq,
        occurred_at: crate::time::now(),
        actor_type: actor.kind.to_owned(),
        actor_id: actor.id,
        actor_label: actor.label.clone(),
        action: change.action.to_owned(),
        target_type: change.target_type.to_owned(),
        target_id: change.target_id,
        summary: change.summary,
        ip: actor.meta.ip.clone(),
        user_agent: actor.meta.user_agent.clone(),
        prev_hash,
        hash: String::new(),
    };
    entry.hash = content_hash(&entry);
    audit_log::ActiveModel {
        id: Set(entry.id),
        org_id: Set(entry.org_id),
        seq: Set(entry.seq),
        occurred_at: Set(entry.occurred_at),
        actor_type: Set(entry.actor_type),
        actor_id: Set(entry.actor_id),
        actor_label: Set(entry.actor_label),
        action: Set(entry.action),
        target_type: Set(entry.target_type),
        target_id: Set(entry.target_id),
        summary: Set(entry.summary),
        ip: Set(entry.ip),
        user_agent: Set(entry.user_agent),
        prev_hash: Set(entry.prev_hash),
        hash: Set(entry.hash),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// SHA-256 over every field but `hash`, one per line, in a fixed order (JSON objects
/// serialize with sorted keys, so the summary's text is canonical).
pub fn content_hash(entry: &audit_log::Model) -> String {
    let optional = |id: Option<Uuid>| id.map(|i| i.to_string()).unwrap_or_default();
    let text = [
        entry.id.to_string(),
        entry.org_id.to_string(),
        entry.seq.to_string(),
        entry.occurred_at.timestamp_micros().to_string(),
        entry.actor_type.clone(),
        optional(entry.actor_id),
        entry.actor_label.clone(),
        entry.action.clone(),
        entry.target_type.clone(),
        optional(entry.target_id),
        entry.summary.to_string(),
        entry.ip.clone().unwrap_or_default(),
        entry.user_agent.clone().unwrap_or_default(),
        entry.prev_hash.clone(),
    ]
    .join("\n");
    sha256_hex(&text)
}

/// Which records to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Exactly this action, or every action starting with it followed by `.`
    /// (`api_key` matches `api_key.create`).
    pub action: Option<String>,
    pub actor_id: Option<Uuid>,
    pub target_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// The organization's records, newest first.
pub async fn list(
    state: &AppState,
    org: OrgId,
    filter: AuditFilter,
    page: PageRequest,
) -> ApiResult<Page<audit_log::Model>> {
    let mut select = audit_log::Entity::find().filter(audit_log::Column::OrgId.eq(org.0));
    if let Some(action) = filter.action {
        select = select.filter(
            Condition::any()
                .add(audit_log::Column::Action.eq(action.clone()))
                .add(audit_log::Column::Action.starts_with(format!("{action}."))),
        );
    }
    if let Some(actor) = filter.actor_id {
        select = select.filter(audit_log::Column::ActorId.eq(actor));
    }
    if let Some(target) = filter.target_id {
        select = select.filter(audit_log::Column::TargetId.eq(target));
    }
    if let Some(from) = filter.from {
        select = select.filter(audit_log::Column::OccurredAt.gte(crate::time::truncate(from)));
    }
    if let Some(to) = filter.to {
        select = select.filter(audit_log::Column::OccurredAt.lt(crate::time::truncate(to)));
    }
    pagination::fetch_page(
        &state.db,
        select,
        audit_log::Column::OccurredAt,
        audit_log::Column::Id,
        page,
    )
    .await
}

/// The result of walking an organization's chain.
#[derive(Debug, Clone)]
pub struct Verification {
    /// Records checked (up to and including the first broken one).
    pub checked: u64,
    /// The first record whose content, link or number does not fit the chain.
    pub first_broken: Option<audit_log::Model>,
}

/// Walks the chain from its first record, recomputing every hash and link.
pub async fn verify(state: &AppState, org: OrgId) -> ApiResult<Verification> {
    let mut expected_prev = GENESIS.to_owned();
    let mut expected_seq = 1;
    let mut checked = 0;
    loop {
        let batch = audit_log::Entity::find()
            .filter(audit_log::Column::OrgId.eq(org.0))
            .filter(audit_log::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_log::Column::Seq)
            .limit(VERIFY_BATCH)
            .all(&state.db)
            .await?;
        let done = (batch.len() as u64) < VERIFY_BATCH;
        for entry in batch {
            checked += 1;
            let intact = entry.seq == expected_seq
                && entry.prev_hash == expected_prev
                && content_hash(&entry) == entry.hash;
            if !intact {
                return Ok(Verification {
                    checked,
                    first_broken: Some(entry),
                });
            }
            expected_prev = entry.hash;
            expected_seq += 1;
        }
        if done {
            return Ok(Verification {
                checked,
                first_broken: None,
            });
        }
    }
}
