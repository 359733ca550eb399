//! Full-text search over activities, one query on both backends: PostgreSQL's `tsvector`
//! and SQLite's FTS5 index the same text (name, error message, and the string and number
//! values of the payload; see migration `m20261125_000012`).
//!
//! A query is a list of words, separated by spaces; an activity matches when it contains
//! every word (any case). Results come newest first, like every other list, so paging is
//! stable and both backends answer alike (their relevance scores differ). User text never
//! reaches either search syntax as syntax: each word becomes a quoted phrase, so `"`,
//! `AND (`, `-x` or `NEAR` are only words, never operators. A word with punctuation
//! (`foo-bar`, `3.14`) matches its parts in sequence.

use entity::{OrgId, agent_activity};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait as _, DbBackend, QueryFilter as _};

use crate::activities::service::{ActivityFilter, matching};
use crate::error::{ApiError, ApiResult};
use crate::pagination::{self, Page, PageRequest};
use crate::state::AppState;

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// Most words in one query.
pub const MAX_TERMS: usize = 16;

/// The organization's activities that contain every word of `text` and pass `filter`,
/// newest first.
pub async fn search(
    state: &AppState,
    org: OrgId,
    text: &str,
    filter: ActivityFilter,
    page: PageRequest,
) -> ApiResult<Page<agent_activity::Model>> {
    let terms = terms(text)?;
    // What was acknowledged before this search must be found, indexed or not yet.
    state.search_index.catch_up(org).await?;
    let condition = match state.db.get_database_backend() {
        DbBackend::Postgres => Expr::cust_with_values(
            r#""agent_activities"."search_document" @@ websearch_to_tsquery('simple', $1)"#,
            [postgres_query(&terms)],
        ),
        DbBackend::Sqlite => agent_activity::Column::Id.in_subquery(
            Query::select()
                .expr(Expr::cust(r#""activity_id""#))
                .from(sea_orm::sea_query::Alias::new("activity_fts"))
                .and_where(Expr::cust_with_values(
                    r#""activity_fts" MATCH ?"#,
                    [fts5_query(&terms)],
                ))
                .to_owned(),
        ),
        other => {
            return Err(ApiError::internal(anyhow::anyhow!(
                "no full-text search on {other:?}"
            )));
        }
    };
    pagination::fetch_page(
        &state.db,
        matching(org, filter).filter(condition),
        agent_activity::Column::Timestamp,
        agent_activity::Column::Id,
        page,
    )
    .await
}

/// The words of a query: split at white space, with double quotes and control characters
/// dropped (neither can be part of a quoted phrase) and words without a letter or digit
/// skipped (no backend indexes them). `BAD_USER_INPUT` when nothing is left or too much.
pub fn terms(text: &str) -> ApiResult<Vec<String>> {
    let invalid = |message: String| ApiError::invalid("query", message);
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(invalid(format!(
            "must be at most {MAX_QUERY_CHARS} characters"
        )));
    }
    let terms: Vec<String> = text
        .split_whitespace()
        .map(|word| {
            word.chars()
                .filter(|c| *c != '"' && !c.is_control())
                .collect::<String>()
        })
        .filter(|word| word.chars().any(char::is_alphanumeric))
        .collect();
    if terms.is_empty() {
        return Err(invalid("must contain a word".to_owned()));
    }
    if terms.len() > MAX_TERMS {
        return Err(invalid(format!("must have at most {MAX_TERMS} words")));
    }
    Ok(terms)
}

/// `websearch_to_tsquery` input: each word a quoted phrase, all of them required.
fn postgres_query(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

/// An FTS5 query: each word a quoted phrase in the `content` column, all of them required.
fn fts5_query(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("content : \"{t}\""))
        .collect::<Vec<_>>()
        .join(" AND ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_and_syntax_is_only_text() {
        let words = terms("  Timeout  AND (  \"quoted\" -neg NEAR(x) foo-bar ").unwrap();
        assert_eq!(
            words,
            ["Timeout", "AND", "quoted", "-neg", "NEAR(x)", "foo-bar"]
        );
        assert_eq!(
            fts5_query(&words[..2]),
            r#"content : "Timeout" AND content : "AND""#
        );
        assert_eq!(postgres_query(&words[..2]), r#""Timeout" "AND""#);
    }

    #[test]
    fn nothing_searchable_or_too_much_is_bad_input() {
        for text in ["", "   ", "\"", "( ) * -", "\"\"\" \u{0}"] {
            let err = terms(text).unwrap_err();
            assert_eq!(err.code(), "BAD_USER_INPUT", "{text:?}");
        }
        assert!(terms(&"a ".repeat(MAX_TERMS)).is_ok());
        assert!(terms(&"a ".repeat(MAX_TERMS + 1)).is_err());
        assert!(terms(&"x".repeat(MAX_QUERY_CHARS + 1)).is_err());
        // NUL would make PostgreSQL fail the query; it is dropped like any control character.
        assert_eq!(terms("we\u{0}ather").unwrap(), ["weather"]);
    }
}
