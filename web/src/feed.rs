//! The live-feed model: activities from the backfill query and the subscription merged into one
//! newest-first list without duplicates, at most [`MAX_ENTRIES`] long, with pause/resume and a
//! filter by agent and type (applied on reading, so changing it loses nothing).
//!
//! Pure data, no browser: the view lives in `components::live_feed`.

use crate::api::ops::{ActivityType, activity_feed, recent_activities};
use crate::format;

/// The most entries the feed keeps (older ones fall off the end).
pub const MAX_ENTRIES: usize = 200;

/// One activity as the feed shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntry {
    pub id: String,
    pub agent_id: String,
    pub kind: ActivityType,
    pub cost_usd: Option<String>,
    pub duration_ms: Option<i64>,
    /// As sent by the server (RFC 3339).
    pub timestamp: String,
    /// `timestamp` in milliseconds since the epoch, for ordering.
    pub at_ms: f64,
}

/// graphql_client generates one struct per operation, so the backfill query and the
/// subscription give two types with the same fields; one macro maps both.
macro_rules! feed_entry_from {
    ($($source:ty),+) => {$(
        impl From<$source> for FeedEntry {
            fn from(a: $source) -> Self {
                FeedEntry {
                    at_ms: format::epoch_ms(&a.timestamp),
                    id: a.id,
                    agent_id: a.agent_id,
                    kind: a.type_,
                    cost_usd: a.cost_usd,
                    duration_ms: a.duration_ms,
                    timestamp: a.timestamp,
                }
            }
        }
    )+};
}

feed_entry_from!(
    recent_activities::RecentActivitiesActivitiesNodes,
    activity_feed::ActivityFeedActivityFeed
);

/// The feed's state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Feed {
    /// What is shown, newest first.
    entries: Vec<FeedEntry>,
    /// What arrived while paused, newest first.
    held: Vec<FeedEntry>,
    paused: bool,
}

impl Feed {
    /// The entries shown, newest first.
    pub fn entries(&self) -> &[FeedEntry] {
        &self.entries
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Adds entries (live or backfilled, any order). While paused they are held back.
    pub fn add(&mut self, new: impl IntoIterator<Item = FeedEntry>) {
        let mut fresh: Vec<FeedEntry> = Vec::new();
        for entry in new {
            let known = |list: &[FeedEntry]| list.iter().any(|e| e.id == entry.id);
            if !known(&self.entries) && !known(&self.held) && !known(&fresh) {
                fresh.push(entry);
            }
        }
        if fresh.is_empty() {
            return;
        }
        let target = if self.paused {
            &mut self.held
        } else {
            &mut self.entries
        };
        target.append(&mut fresh);
        sort_and_cap(target);
    }

    /// Freezes what is shown; new entries are held.
    pub fn pause(&mut self) {
        self.paused = true;
    }

    /// Shows the held entries and follows live again.
    pub fn resume(&mut self) {
        self.paused = false;
        if !self.held.is_empty() {
            self.entries.append(&mut self.held);
            sort_and_cap(&mut self.entries);
        }
    }
}

/// Which entries the feed shows: one agent's or every agent's, one type or every type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedFilter {
    pub agent_id: Option<String>,
    pub kind: Option<ActivityType>,
}

impl FeedFilter {
    /// Whether `entry` passes.
    pub fn matches(&self, entry: &FeedEntry) -> bool {
        self.agent_id
            .as_ref()
            .is_none_or(|id| *id == entry.agent_id)
            && self.kind.is_none_or(|kind| kind == entry.kind)
    }
}

impl Feed {
    /// The entries shown that pass `filter`, newest first.
    pub fn visible(&self, filter: &FeedFilter) -> Vec<FeedEntry> {
        self.entries
            .iter()
            .filter(|e| filter.matches(e))
            .cloned()
            .collect()
    }

    /// How many held entries pass `filter` (what "Resume" will add to the view).
    pub fn held_matching(&self, filter: &FeedFilter) -> usize {
        self.held.iter().filter(|e| filter.matches(e)).count()
    }
}

/// Newest first (ties broken by id, so the order is stable), then cut to [`MAX_ENTRIES`].
fn sort_and_cap(entries: &mut Vec<FeedEntry>) {
    entries.sort_by(|a, b| b.at_ms.total_cmp(&a.at_ms).then_with(|| b.id.cmp(&a.id)));
    entries.truncate(MAX_ENTRIES);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, at_ms: f64) -> FeedEntry {
        entry_of(id, at_ms, "agent", ActivityType::ToolCall)
    }

    fn entry_of(id: &str, at_ms: f64, agent: &str, kind: ActivityType) -> FeedEntry {
        FeedEntry {
            id: id.to_owned(),
            agent_id: agent.to_owned(),
            kind,
            cost_usd: None,
            duration_ms: None,
            timestamp: String::new(),
            at_ms,
        }
    }

    fn ids(entries: &[FeedEntry]) -> Vec<&str> {
        entries.iter().map(|e| e.id.as_str()).collect()
    }

    #[test]
    fn newest_first_without_duplicates() {
        let mut feed = Feed::default();
        feed.add([entry("a", 1.0), entry("c", 3.0), entry("b", 2.0)]);
        feed.add([entry("b", 2.0), entry("d", 4.0)]);
        assert_eq!(ids(feed.entries()), ["d", "c", "b", "a"]);
    }

    #[test]
    fn keeps_at_most_the_cap() {
        let mut feed = Feed::default();
        feed.add((0..MAX_ENTRIES + 50).map(|i| entry(&format!("{i:04}"), i as f64)));
        assert_eq!(feed.entries().len(), MAX_ENTRIES);
        assert_eq!(feed.entries()[0].id, format!("{:04}", MAX_ENTRIES + 49));
    }

    #[test]
    fn pause_holds_new_entries_until_resume() {
        let mut feed = Feed::default();
        feed.add([entry("a", 1.0)]);
        feed.pause();
        feed.add([entry("b", 2.0), entry("a", 1.0)]);
        feed.add([entry("b", 2.0)]);
        assert_eq!(ids(feed.entries()), ["a"]);
        assert_eq!(feed.held_matching(&FeedFilter::default()), 1);
        feed.resume();
        assert_eq!(ids(feed.entries()), ["b", "a"]);
        assert_eq!(feed.held_matching(&FeedFilter::default()), 0);
    }

    #[test]
    fn the_filter_picks_an_agent_and_a_type_and_counts_what_waits() {
        let mut feed = Feed::default();
        feed.add([
            entry_of("a", 1.0, "x", ActivityType::ToolCall),
            entry_of("b", 2.0, "y", ActivityType::Error),
            entry_of("c", 3.0, "x", ActivityType::Error),
        ]);
        let only_x = FeedFilter {
            agent_id: Some("x".to_owned()),
            kind: None,
        };
        assert_eq!(ids(&feed.visible(&only_x)), ["c", "a"]);
        let x_errors = FeedFilter {
            kind: Some(ActivityType::Error),
            ..only_x.clone()
        };
        assert_eq!(ids(&feed.visible(&x_errors)), ["c"]);
        assert_eq!(feed.visible(&FeedFilter::default()).len(), 3);

        // Paused: what waits is counted through the filter, and resuming shows it.
        feed.pause();
        feed.add([
            entry_of("d", 4.0, "y", ActivityType::ToolCall),
            entry_of("e", 5.0, "x", ActivityType::ToolCall),
        ]);
        assert_eq!(feed.held_matching(&only_x), 1);
        assert_eq!(feed.held_matching(&FeedFilter::default()), 2);
        assert_eq!(ids(&feed.visible(&only_x)), ["c", "a"]);
        feed.resume();
        assert_eq!(ids(&feed.visible(&only_x)), ["e", "c", "a"]);
    }
}
