//! Cursor pagination for every list, newest first, keyed on `(time, id)` so that a page
//! boundary is stable while rows are added. Cursors are opaque to clients.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, IntoColumnRef, ValueType};
use sea_orm::{
    ColumnTrait, EntityTrait, ModelTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
    Select,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// Page size when `first` is not given.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// Largest `first` accepted.
pub const MAX_PAGE_SIZE: u64 = 100;

/// A position in a list: the `(time, id)` of the last row seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub time: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    /// The opaque text form.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}|{}", self.time.timestamp_micros(), self.id))
    }

    /// Reads a cursor produced by [`Cursor::encode`].
    pub fn decode(text: &str) -> ApiResult<Cursor> {
        let invalid = || ApiError::invalid("after", "is not a cursor from this API");
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
        let text = std::str::from_utf8(&bytes).map_err(|_| invalid())?;
        let (micros, id) = text.split_once('|').ok_or_else(invalid)?;
        let time = micros
            .parse::<i64>()
            .ok()
            .and_then(DateTime::<Utc>::from_timestamp_micros)
            .ok_or_else(invalid)?;
        let id = Uuid::parse_str(id).map_err(|_| invalid())?;
        Ok(Cursor { time, id })
    }
}

/// What the client asked for: up to `first` rows after `after`.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub first: u64,
    pub after: Option<Cursor>,
}

impl PageRequest {
    /// Checks `first` (1 to [`MAX_PAGE_SIZE`]) and decodes `after`.
    pub fn new(first: Option<i64>, after: Option<&str>) -> ApiResult<PageRequest> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if (1..=MAX_PAGE_SIZE as i64).contains(&n) => n as u64,
            Some(_) => {
                return Err(ApiError::invalid(
                    "first",
                    format!("must be between 1 and {MAX_PAGE_SIZE}"),
                ));
            }
        };
        let after = after.map(Cursor::decode).transpose()?;
        Ok(PageRequest { first, after })
    }
}

/// One page of rows, each with its cursor.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<(Cursor, T)>,
    pub has_next_page: bool,
}

impl<T> Page<T> {
    /// The same page with every row mapped.
    pub fn map<U>(self, f: impl Fn(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(|(c, t)| (c, f(t))).collect(),
            has_next_page: self.has_next_page,
        }
    }
}

/// Runs `select` newest first from the request's position, fetching one extra row to learn
/// whether another page follows. Each row's cursor is read from the same two columns.
pub async fn fetch_page<E, C>(
    db: &C,
    select: Select<E>,
    time_col: E::Column,
    id_col: E::Column,
    request: PageRequest,
) -> ApiResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Column: ColumnTrait + IntoColumnRef + Copy,
    C: sea_orm::ConnectionTrait,
{
    let mut select = select;
    if let Some(after) = request.after {
        select = select.filter(
            Condition::any().add(time_col.lt(after.time)).add(
                Condition::all()
                    .add(time_col.eq(after.time))
                    .add(id_col.lt(after.id)),
            ),
        );
    }
    let mut rows = select
        .order_by_desc(time_col)
        .order_by_desc(id_col)
        .limit(request.first + 1)
        .all(db)
        .await?;
    let has_next_page = rows.len() as u64 > request.first;
    rows.truncate(request.first as usize);
    let items = rows
        .into_iter()
        .map(|row| {
            let time = <DateTime<Utc> as ValueType>::try_from(row.get(time_col));
            let id = <Uuid as ValueType>::try_from(row.get(id_col));
            match (time, id) {
                (Ok(time), Ok(id)) => Ok((Cursor { time, id }, row)),
                _ => Err(ApiError::internal(anyhow::anyhow!(
                    "paging columns are not a timestamp and an id"
                ))),
            }
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Page {
        items,
        has_next_page,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_a_clear_error() {
        let cursor = Cursor {
            time: DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap(),
            id: Uuid::now_v7(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        let err = Cursor::decode("not-a-cursor").unwrap_err();
        assert_eq!(err.message(), "after: is not a cursor from this API");
    }

    #[test]
    fn first_is_capped() {
        assert_eq!(
            PageRequest::new(None, None).unwrap().first,
            DEFAULT_PAGE_SIZE
        );
        assert_eq!(PageRequest::new(Some(100), None).unwrap().first, 100);
        assert!(PageRequest::new(Some(101), None).is_err());
        assert!(PageRequest::new(Some(0), None).is_err());
    }
}
