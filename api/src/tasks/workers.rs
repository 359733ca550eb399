//! The people who do tasks: where a member says they are and whether they take tasks now,
//! and who to suggest for a task — the nearest available members when the task has a
//! place, otherwise the available members with the fewest open tasks.

use std::collections::HashMap;

use entity::{OrgId, TaskId, TaskStatus, UserId, human_task, user};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _, QuerySelect as _,
    Set,
};
use uuid::Uuid;

use super::geo::{Point, distance_km};
use crate::error::ApiResult;
use crate::state::AppState;

/// Most suggestions returned.
pub const MAX_SUGGESTIONS: usize = 50;

/// A member who could take a task.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub member: user::Model,
    /// From the task's place to the member's, when both are known.
    pub distance_km: Option<f64>,
    /// Tasks assigned to them and not finished.
    pub open_tasks: u64,
}

/// Records where the calling member is and whether they take tasks now. Coordinates go
/// together; leaving both out keeps the last known place.
pub async fn update_location(
    state: &AppState,
    org: OrgId,
    member: UserId,
    latitude: Option<f64>,
    longitude: Option<f64>,
    available: bool,
) -> ApiResult<user::Model> {
    let place = Point::optional(latitude, longitude, "location")?;
    let current = crate::orgs::members::find_member(&state.db, org, member).await?;
    let mut change: user::ActiveModel = current.into();
    change.available = Set(available);
    if let Some(place) = place {
        change.latitude = Set(Some(place.lat));
        change.longitude = Set(Some(place.lng));
        change.located_at = Set(Some(crate::time::now()));
    }
    Ok(change.update(&state.db).await?)
}

/// Who to assign `task` to: available members, nearest first when the task has a place
/// (members with no known place last), then by fewest open tasks.
pub async fn suggest(
    state: &AppState,
    org: OrgId,
    task: TaskId,
    limit: usize,
) -> ApiResult<Vec<Suggestion>> {
    let task = super::service::get(state, org, task).await?;
    let members = user::Entity::find()
        .filter(user::Column::OrgId.eq(org.0))
        .filter(user::Column::Available.eq(true))
        .all(&state.db)
        .await?;
    let open: Vec<(Option<Uuid>, i64)> = human_task::Entity::find()
        .select_only()
        .column(human_task::Column::AssignedTo)
        .column_as(human_task::Column::Id.count(), "open")
        .filter(human_task::Column::OrgId.eq(org.0))
        .filter(human_task::Column::Status.is_in([TaskStatus::Assigned, TaskStatus::InProgress]))
        .group_by(human_task::Column::AssignedTo)
        .into_tuple()
        .all(&state.db)
        .await?;
    let open: HashMap<Uuid, u64> = open
        .into_iter()
        .filter_map(|(id, n)| Some((id?, u64::try_from(n).unwrap_or(0))))
        .collect();
    let here = task
        .latitude
        .zip(task.longitude)
        .map(|(lat, lng)| Point { lat, lng });
    let mut found: Vec<Suggestion> = members
        .into_iter()
        .map(|member| {
            let there = member
                .latitude
                .zip(member.longitude)
                .map(|(lat, lng)| Point { lat, lng });
            Suggestion {
                distance_km: here.zip(there).map(|(a, b)| distance_km(a, b)),
                open_tasks: open.get(&member.id).copied().unwrap_or(0),
                member,
            }
        })
        .collect();
    found.sort_by(|a, b| {
        let by_distance = match (a.distance_km, b.distance_km) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_distance
            .then(a.open_tasks.cmp(&b.open_tasks))
            .then(a.member.email.cmp(&b.member.email))
    });
    found.truncate(limit.min(MAX_SUGGESTIONS));
    Ok(found)
}
