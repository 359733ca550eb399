//! A run's spans as a tree, with cost, tokens and time rolled up from the leaves.
//!
//! Pure and iterative: any depth works without recursion (no stack to overflow), and bad
//! links never loop. A span whose parent is not in the run (not reported, or cut off by the
//! span cap) and a span that names itself as parent become roots; in a cycle of parent links
//! the earliest span of the cycle becomes a root, so every span appears exactly once.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{ActivityStatus, agent_activity};
use uuid::Uuid;

/// Tokens by kind, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenSums {
    pub input: i64,
    pub output: i64,
    pub cache_read: i64,
    pub cache_write: i64,
    pub reasoning: i64,
}

impl TokenSums {
    /// One activity's tokens (unreported counts are zero here).
    pub fn of(activity: &agent_activity::Model) -> TokenSums {
        let n = |v: Option<i64>| v.unwrap_or(0);
        TokenSums {
            input: n(activity.input_tokens),
            output: n(activity.output_tokens),
            cache_read: n(activity.cache_read_tokens),
            cache_write: n(activity.cache_write_tokens),
            reasoning: n(activity.reasoning_tokens),
        }
    }

    /// Every kind together.
    pub fn total(&self) -> i64 {
        [
            self.input,
            self.output,
            self.cache_read,
            self.cache_write,
            self.reasoning,
        ]
        .into_iter()
        .fold(0, i64::saturating_add)
    }

    fn add(&mut self, other: &TokenSums) {
        self.input = self.input.saturating_add(other.input);
        self.output = self.output.saturating_add(other.output);
        self.cache_read = self.cache_read.saturating_add(other.cache_read);
        self.cache_write = self.cache_write.saturating_add(other.cache_write);
        self.reasoning = self.reasoning.saturating_add(other.reasoning);
    }
}

/// What a span and everything below it add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    /// Spans in the subtree, the span itself included.
    pub spans: u64,
    /// Spans whose status is `ERROR`.
    pub errors: u64,
    /// Exact cost of the priced spans, in nanodollars.
    pub cost_nanos: i64,
    /// Spans whose cost is unknown because no price covers them.
    pub unpriced: u64,
    /// Sum of the reported `durationMs` (time nested spans share is counted once per span).
    pub duration_ms: i64,
    pub tokens: TokenSums,
    /// Earliest start in the subtree.
    pub started_at: DateTime<Utc>,
    /// Latest end in the subtree.
    pub ended_at: DateTime<Utc>,
}

impl Totals {
    /// One span on its own. A span runs from `startedAt` to `endedAt`; either that was not
    /// reported is taken to be its `timestamp` (the run list's SQL reads times the same way).
    pub fn of(activity: &agent_activity::Model) -> Totals {
        let started_at = activity.started_at.unwrap_or(activity.timestamp);
        Totals {
            spans: 1,
            errors: u64::from(activity.status == ActivityStatus::Error),
            cost_nanos: activity.cost_usd.map_or(0, entity::Usd::nanos),
            unpriced: u64::from(activity.unpriced),
            duration_ms: activity.duration_ms.unwrap_or(0),
            tokens: TokenSums::of(activity),
            started_at,
            ended_at: activity.ended_at.unwrap_or(activity.timestamp),
        }
    }

    fn add(&mut self, other: &Totals) {
        self.spans += other.spans;
        self.errors += other.errors;
        self.cost_nanos = self.cost_nanos.saturating_add(other.cost_nanos);
        self.unpriced += other.unpriced;
        self.duration_ms = self.duration_ms.saturating_add(other.duration_ms);
        self.tokens.add(&other.tokens);
        self.started_at = self.started_at.min(other.started_at);
        self.ended_at = self.ended_at.max(other.ended_at);
    }

    /// Wall-clock time from the earliest start to the latest end.
    pub fn elapsed_ms(&self) -> i64 {
        elapsed_ms(self.started_at, self.ended_at)
    }
}

/// Milliseconds from `start` to `end`; 0 when a reported end precedes the start.
pub fn elapsed_ms(start: DateTime<Utc>, end: DateTime<Utc>) -> i64 {
    (end - start).num_milliseconds().max(0)
}

/// One span in the tree.
#[derive(Debug, Clone)]
pub struct SpanNode {
    pub activity: agent_activity::Model,
    /// Index of its parent in the tree; `None` for a root.
    pub parent: Option<usize>,
    /// Indexes of its children, earliest first.
    pub children: Vec<usize>,
    /// 0 for a root.
    pub depth: usize,
    /// The span and everything below it.
    pub totals: Totals,
}

/// A run's spans: nodes in `(timestamp, id)` order, addressed by index.
#[derive(Debug, Clone, Default)]
pub struct SpanTree {
    pub nodes: Vec<SpanNode>,
    /// The roots, earliest first.
    pub roots: Vec<usize>,
    /// Every node, depth first, each parent before its children and children earliest
    /// first: the order in which an indented listing shows the tree.
    pub preorder: Vec<usize>,
}

impl SpanTree {
    /// Builds the tree of `spans` (in any order).
    pub fn build(mut spans: Vec<agent_activity::Model>) -> SpanTree {
        spans.sort_by_key(|s| (s.timestamp, s.id));
        let parents = tree_parents(&spans);

        let mut children = vec![Vec::new(); spans.len()];
        let mut roots = Vec::new();
        for (i, parent) in parents.iter().enumerate() {
            // Indexes ascend, so every list comes out earliest first.
            match parent {
                Some(p) => children[*p].push(i),
                None => roots.push(i),
            }
        }

        let mut depth = vec![0; spans.len()];
        let mut preorder = Vec::with_capacity(spans.len());
        for &root in &roots {
            let mut stack = vec![root];
            while let Some(i) = stack.pop() {
                preorder.push(i);
                for &child in children[i].iter().rev() {
                    depth[child] = depth[i] + 1;
                    stack.push(child);
                }
            }
        }

        // Children come after their parent in pre-order, so walking it backwards finishes
        // every subtree before its parent adds it.
        let mut totals: Vec<Totals> = spans.iter().map(Totals::of).collect();
        for &i in preorder.iter().rev() {
            if let Some(p) = parents[i] {
                let child = totals[i];
                totals[p].add(&child);
            }
        }

        let nodes = spans
            .into_iter()
            .zip(parents)
            .zip(children)
            .zip(depth.into_iter().zip(totals))
            .map(
                |(((activity, parent), children), (depth, totals))| SpanNode {
                    activity,
                    parent,
                    children,
                    depth,
                    totals,
                },
            )
            .collect();
        SpanTree {
            nodes,
            roots,
            preorder,
        }
    }
}

/// Each span's parent in the tree (an index into `spans`), with the links that cannot be
/// followed cut: to a missing span, to itself, and one link per cycle.
fn tree_parents(spans: &[agent_activity::Model]) -> Vec<Option<usize>> {
    let index: HashMap<Uuid, usize> = spans.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    let mut parents: Vec<Option<usize>> = spans
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.parent_id
                .and_then(|p| index.get(&p).copied())
                .filter(|&p| p != i)
        })
        .collect();
    let mut children = vec![Vec::new(); spans.len()];
    for (i, parent) in parents.iter().enumerate() {
        if let Some(p) = parent {
            children[*p].push(i);
        }
    }

    // Everything reachable from a root is settled. What is left hangs in, or below, a cycle:
    // the earliest such span becomes a root, which settles its part, until nothing is left.
    let mut reached = vec![false; spans.len()];
    let starts: Vec<usize> = (0..spans.len()).filter(|&i| parents[i].is_none()).collect();
    let reach_from = |start: usize, reached: &mut Vec<bool>| {
        reached[start] = true;
        let mut stack = vec![start];
        while let Some(i) = stack.pop() {
            for &child in &children[i] {
                if !reached[child] {
                    reached[child] = true;
                    stack.push(child);
                }
            }
        }
    };
    for start in starts {
        reach_from(start, &mut reached);
    }
    for i in 0..spans.len() {
        if !reached[i] {
            parents[i] = None;
            reach_from(i, &mut reached);
        }
    }
    parents
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone as _};
    use entity::{ActivityType, Usd};

    fn at(second: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_764_000_000, 0).unwrap() + Duration::seconds(second)
    }

    /// A span at `second`, with a cost in nanodollars (`None`: unpriced).
    fn span(
        id: u128,
        parent: Option<u128>,
        second: i64,
        cost: Option<i64>,
    ) -> agent_activity::Model {
        agent_activity::Model {
            id: Uuid::from_u128(id),
            org_id: Uuid::nil(),
            agent_id: Uuid::nil(),
            activity_type: ActivityType::ToolCall,
            payload: serde_json::json!({}),
            cost_usd: cost.map(Usd::from_nanos),
            duration_ms: Some(1_000),
            timestamp: at(second),
            received_at: at(second),
            run_id: Some(Uuid::nil()),
            parent_id: parent.map(Uuid::from_u128),
            name: None,
            model: None,
            input_tokens: Some(10),
            output_tokens: Some(5),
            cache_read_tokens: None,
            cache_write_tokens: None,
            reasoning_tokens: Some(1),
            status: ActivityStatus::Ok,
            error_message: None,
            started_at: None,
            ended_at: None,
            unpriced: cost.is_none(),
            feed_seq: 0,
            redactions: 0,
        }
    }

    fn ids(tree: &SpanTree, indexes: &[usize]) -> Vec<u128> {
        indexes
            .iter()
            .map(|&i| tree.nodes[i].activity.id.as_u128())
            .collect()
    }

    fn node(tree: &SpanTree, id: u128) -> &SpanNode {
        tree.nodes
            .iter()
            .find(|n| n.activity.id.as_u128() == id)
            .unwrap()
    }

    #[test]
    fn nests_children_in_time_order_and_rolls_totals_up() {
        // root(1) ─ llm(2) ─ tool(3)
        //         └ failing sibling(4), reported before the llm call finished
        let mut failing = span(4, Some(1), 2, None);
        failing.status = ActivityStatus::Error;
        let mut llm = span(2, Some(1), 3, Some(700));
        llm.started_at = Some(at(1));
        llm.ended_at = Some(at(9));
        let tree = SpanTree::build(vec![
            span(3, Some(2), 5, Some(20)),
            failing,
            llm,
            span(1, None, 0, Some(3)),
        ]);

        assert_eq!(ids(&tree, &tree.roots), [1]);
        assert_eq!(ids(&tree, &node(&tree, 1).children), [4, 2]);
        assert_eq!(ids(&tree, &tree.preorder), [1, 4, 2, 3]);
        let depths: Vec<usize> = tree.preorder.iter().map(|&i| tree.nodes[i].depth).collect();
        assert_eq!(depths, [0, 1, 1, 2]);

        let root = node(&tree, 1).totals;
        assert_eq!((root.spans, root.errors, root.unpriced), (4, 1, 1));
        assert_eq!(root.cost_nanos, 723);
        assert_eq!(root.duration_ms, 4_000);
        assert_eq!(root.tokens.total(), 4 * 16);
        // From the root's start (0 s) to the llm call's end (9 s).
        assert_eq!(root.elapsed_ms(), 9_000);
        let llm = node(&tree, 2).totals;
        assert_eq!((llm.spans, llm.cost_nanos, llm.unpriced), (2, 720, 0));
        assert_eq!(llm.elapsed_ms(), 8_000);
    }

    #[test]
    fn orphans_and_self_parents_become_roots() {
        let tree = SpanTree::build(vec![
            span(1, Some(99), 0, Some(1)),
            span(2, Some(2), 1, Some(1)),
            span(3, Some(1), 2, Some(1)),
        ]);
        assert_eq!(ids(&tree, &tree.roots), [1, 2]);
        assert_eq!(node(&tree, 1).totals.spans, 2);
        assert_eq!(node(&tree, 3).parent, Some(0));
    }

    #[test]
    fn cycles_are_cut_and_every_span_appears_once() {
        // 1 → 2 → 3 → 1 is a cycle; 4 hangs below it; 5 is an ordinary root.
        let tree = SpanTree::build(vec![
            span(1, Some(3), 0, Some(1)),
            span(2, Some(1), 1, Some(1)),
            span(3, Some(2), 2, Some(1)),
            span(4, Some(3), 3, Some(1)),
            span(5, None, 4, Some(1)),
        ]);
        assert_eq!(ids(&tree, &tree.roots), [1, 5]);
        let mut seen = ids(&tree, &tree.preorder);
        seen.sort_unstable();
        assert_eq!(seen, [1, 2, 3, 4, 5]);
        assert_eq!(node(&tree, 1).totals.spans, 4);
        assert_eq!(node(&tree, 4).depth, 3);
    }

    #[test]
    fn a_very_deep_chain_builds_without_recursion() {
        let n: u128 = 200_000;
        let spans = (1..=n)
            .map(|i| span(i, (i > 1).then(|| i - 1), i as i64, Some(1)))
            .collect();
        let tree = SpanTree::build(spans);
        assert_eq!(tree.roots.len(), 1);
        assert_eq!(node(&tree, n).depth, (n - 1) as usize);
        assert_eq!(node(&tree, 1).totals.spans, n as u64);
        assert_eq!(node(&tree, 1).totals.cost_nanos, n as i64);
    }

    #[test]
    fn totals_equal_brute_force_sums_over_random_trees() {
        // A small linear congruential generator: reproducible without a dependency.
        let mut seed: u64 = 42;
        let mut next = |bound: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) % bound
        };
        for _ in 0..20 {
            let n = 1 + next(60) as u128;
            let spans: Vec<_> = (1..=n)
                .map(|i| {
                    // Any span (so cycles happen), none, or one that does not exist.
                    let parent = match next(10) {
                        0 => None,
                        1 => Some(1_000 + i),
                        _ => Some(1 + u128::from(next(n as u64))),
                    }
                    .filter(|&p| p != i);
                    let cost = (next(4) > 0).then(|| next(1_000) as i64);
                    span(i, parent, next(100) as i64, cost)
                })
                .collect();
            let tree = SpanTree::build(spans.clone());
            for (i, node) in tree.nodes.iter().enumerate() {
                // Brute force: a span is below `node` when `node` is on its chain of parents.
                let below: Vec<&SpanNode> = tree
                    .nodes
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| {
                        let mut at = Some(j);
                        while let Some(k) = at {
                            if k == i {
                                return true;
                            }
                            at = tree.nodes[k].parent;
                        }
                        false
                    })
                    .map(|(_, n)| n)
                    .collect();
                let t = node.totals;
                assert_eq!(t.spans, below.len() as u64);
                assert_eq!(
                    t.cost_nanos,
                    below
                        .iter()
                        .filter_map(|n| n.activity.cost_usd.map(Usd::nanos))
                        .sum::<i64>()
                );
                assert_eq!(
                    t.unpriced,
                    below.iter().filter(|n| n.activity.unpriced).count() as u64
                );
                assert_eq!(
                    t.ended_at,
                    below.iter().map(|n| n.activity.timestamp).max().unwrap()
                );
            }
            assert_eq!(tree.preorder.len(), spans.len());
        }
    }
}
