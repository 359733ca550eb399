//! Token totals by kind: the one shape every report (runs, metrics, analytics) shows.

use async_graphql::SimpleObject;
use serde::Serialize;

/// Tokens by kind, summed (unreported counts add nothing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, SimpleObject, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenTotals {
    pub input: i64,
    pub output: i64,
    pub cache_read: i64,
    pub cache_write: i64,
    pub reasoning: i64,
    /// Every kind together.
    pub total: i64,
}

impl TokenTotals {
    /// Totals from the sums of each kind.
    pub fn new(input: i64, output: i64, cache_read: i64, cache_write: i64, reasoning: i64) -> Self {
        TokenTotals {
            input,
            output,
            cache_read,
            cache_write,
            reasoning,
            total: input + output + cache_read + cache_write + reasoning,
        }
    }
}
