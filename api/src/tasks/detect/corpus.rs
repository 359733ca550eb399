//! The labelled corpus (`corpus.json`: realistic agent messages, about half needing a
//! person) and how well the rules do on it: precision and recall of "needs a human", and
//! how often the task type is right. The corpus was written before the rules were tuned.

use std::sync::LazyLock;

use chrono::{DateTime, TimeZone as _, Utc};
use entity::TaskType;
#[cfg(test)]
use entity::Usd;
use serde::Deserialize;

use super::rules::detect;

/// One labelled message.
#[derive(Debug, Deserialize)]
pub(super) struct Case {
    pub text: String,
    /// The task type a person would file, or `null` when no person is needed.
    pub expected: Option<TaskType>,
    /// The place, when the message states one (checked by the tests only).
    #[cfg(test)]
    #[serde(default)]
    pub location: Option<CaseLocation>,
    /// The budget, when the message states one (checked by the tests only).
    #[cfg(test)]
    #[serde(default)]
    pub budget: Option<Usd>,
}

/// A place as the corpus writes it: `{ "lat": …, "lng": … }` or `{ "address": "…" }`.
#[cfg(test)]
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum CaseLocation {
    Point { lat: f64, lng: f64 },
    Address { address: String },
}

static CORPUS: LazyLock<Vec<Case>> = LazyLock::new(|| {
    // Embedded at build time and checked by the tests: failing here is a bug.
    serde_json::from_str(include_str!("corpus.json")).expect("corpus.json is valid")
});

pub(super) fn cases() -> &'static [Case] {
    &CORPUS
}

/// The instant the corpus is read at (a Wednesday), so relative deadlines are stable.
pub(super) fn corpus_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

/// How the rules do on the corpus.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CorpusScore {
    /// Of the messages flagged as needing a human, the share that do.
    pub precision: f64,
    /// Of the messages that need a human, the share flagged.
    pub recall: f64,
    /// Of the messages rightly flagged, the share given the right task type.
    pub type_accuracy: f64,
    /// Messages in the corpus.
    pub n: usize,
}

/// Runs the rules over every message of the corpus and scores them.
pub fn score_corpus() -> CorpusScore {
    let now = corpus_now();
    let (mut true_pos, mut false_pos, mut false_neg, mut right_type) = (0u32, 0u32, 0u32, 0u32);
    for case in cases() {
        match (case.expected, detect(&case.text, now)) {
            (Some(expected), Some(found)) => {
                true_pos += 1;
                if found.task_type == expected {
                    right_type += 1;
                }
            }
            (None, Some(_)) => false_pos += 1,
            (Some(_), None) => false_neg += 1,
            (None, None) => {}
        }
    }
    let ratio = |a: u32, b: u32| {
        if b == 0 {
            0.0
        } else {
            f64::from(a) / f64::from(b)
        }
    };
    CorpusScore {
        precision: ratio(true_pos, true_pos + false_pos),
        recall: ratio(true_pos, true_pos + false_neg),
        type_accuracy: ratio(right_type, true_pos),
        n: cases().len(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::rules::Location;
    use super::*;

    #[test]
    fn the_corpus_is_a_realistic_mix() {
        let needing = cases().iter().filter(|c| c.expected.is_some()).count();
        assert!(cases().len() >= 60, "{} messages", cases().len());
        let share = needing as f64 / cases().len() as f64;
        assert!(
            (0.35..=0.65).contains(&share),
            "{needing} of {} need a person",
            cases().len()
        );
        // APPROVAL tasks are opened by the MCP proxy's policy, never read from text.
        for task_type in TaskType::ALL.iter().filter(|t| **t != TaskType::Approval) {
            assert!(
                cases().iter().any(|c| c.expected == Some(*task_type)),
                "no {task_type} example"
            );
        }
    }

    #[test]
    fn rules_reach_the_precision_and_recall_goal_on_the_corpus() {
        let now = corpus_now();
        for case in cases() {
            let found = detect(&case.text, now);
            match (&case.expected, &found) {
                (Some(_), None) => eprintln!("missed:        {}", case.text),
                (None, Some(f)) => eprintln!("false alarm:   {} ({})", case.text, f.task_type),
                (Some(e), Some(f)) if *e != f.task_type => {
                    eprintln!("wrong type:    {} ({} for {e})", case.text, f.task_type)
                }
                _ => {}
            }
        }
        let score = score_corpus();
        eprintln!(
            "detection corpus: n={} precision={:.3} recall={:.3} type_accuracy={:.3}",
            score.n, score.precision, score.recall, score.type_accuracy
        );
        assert!(score.precision >= 0.9, "precision {:.3}", score.precision);
        assert!(score.recall >= 0.9, "recall {:.3}", score.recall);
        assert!(
            score.type_accuracy >= 0.85,
            "type accuracy {:.3}",
            score.type_accuracy
        );
    }

    #[test]
    fn stated_budgets_and_locations_are_extracted() {
        let now = corpus_now();
        let mut checked = 0;
        for case in cases() {
            let Some(found) = detect(&case.text, now) else {
                continue;
            };
            if let Some(budget) = case.budget {
                assert_eq!(found.budget_usd, Some(budget), "budget of {:?}", case.text);
                checked += 1;
            }
            if let Some(expected) = &case.location {
                match (expected, &found.location) {
                    (CaseLocation::Address { address }, Some(Location::Address(found))) => {
                        assert_eq!(found, address, "address of {:?}", case.text)
                    }
                    (
                        CaseLocation::Point { lat, lng },
                        Some(Location::Point { lat: a, lng: b }),
                    ) => {
                        assert!(
                            (lat - a).abs() < 1e-9 && (lng - b).abs() < 1e-9,
                            "point of {:?}: {a}, {b}",
                            case.text
                        )
                    }
                    (_, other) => panic!("location of {:?}: {other:?}", case.text),
                }
                checked += 1;
            }
        }
        // Most positives state a budget or a place; a detector that extracted nothing
        // would skip them all.
        assert!(checked >= 40, "only {checked} stated details checked");
    }
}
