//! The alert rule form's logic: which kinds a person can create, which inputs each kind
//! takes, checking a draft before it is sent, and the one-line description of a rule.

use crate::api::ops::AlertKind;
use crate::decimal::{is_decimal, is_fraction};

/// The kinds a rule can have (`TOOL_CHANGED` is raised by the MCP proxy, not by a rule).
pub const RULE_KINDS: [AlertKind; 5] = [
    AlertKind::ErrorRate,
    AlertKind::DailyCost,
    AlertKind::P95Latency,
    AlertKind::ErrorPattern,
    AlertKind::AgentSilent,
];

/// How a kind reads on screen.
pub fn kind_label(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::ErrorRate => "Error rate",
        AlertKind::DailyCost => "Daily cost",
        AlertKind::P95Latency => "p95 latency",
        AlertKind::ErrorPattern => "Error message pattern",
        AlertKind::AgentSilent => "Agent silent",
        AlertKind::ToolChanged => "Tool changed",
    }
}

/// The threshold's label for `kind`, if it takes one.
pub fn threshold_label(kind: AlertKind) -> Option<&'static str> {
    match kind {
        AlertKind::ErrorRate => Some("Error rate above (0 to 1)"),
        AlertKind::DailyCost => Some("Cost today above (USD)"),
        AlertKind::P95Latency => Some("p95 above (ms)"),
        _ => None,
    }
}

/// The window's label for `kind`, if it takes one.
pub fn window_label(kind: AlertKind) -> Option<&'static str> {
    match kind {
        AlertKind::ErrorRate | AlertKind::P95Latency => Some("Window (minutes)"),
        AlertKind::AgentSilent => Some("Silent for (minutes)"),
        _ => None,
    }
}

/// Whether `kind` matches a regular expression.
pub fn takes_pattern(kind: AlertKind) -> bool {
    kind == AlertKind::ErrorPattern
}

/// What the form holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    pub threshold: String,
    pub window: String,
    pub pattern: String,
}

/// A draft's values for `kind`, ready for the API: only the inputs the kind takes.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub threshold: Option<String>,
    pub window_minutes: Option<i64>,
    pub pattern: Option<String>,
}

/// Checks `draft` for `kind`, saying what is wrong in the words of the form.
pub fn check(kind: AlertKind, draft: &Draft) -> Result<Checked, String> {
    let threshold = match threshold_label(kind) {
        None => None,
        Some(label) => {
            let t = draft.threshold.trim();
            if !is_decimal(t) {
                return Err(format!("{label}: enter a number."));
            }
            if kind == AlertKind::ErrorRate && !is_fraction(t) {
                return Err(format!("{label}: out of range."));
            }
            Some(t.to_owned())
        }
    };
    let window_minutes = match window_label(kind) {
        // Empty: the server's default.
        Some(_) if draft.window.trim().is_empty() => None,
        Some(label) => {
            let minutes: i64 = draft
                .window
                .trim()
                .parse()
                .ok()
                .filter(|m| (1..=1_440).contains(m))
                .ok_or_else(|| format!("{label}: 1 to 1440."))?;
            Some(minutes)
        }
        None => None,
    };
    let pattern = if takes_pattern(kind) {
        let p = draft.pattern.trim();
        if p.is_empty() {
            return Err("Pattern: enter a regular expression.".to_owned());
        }
        Some(p.to_owned())
    } else {
        None
    };
    Ok(Checked {
        threshold,
        window_minutes,
        pattern,
    })
}

/// "error rate > 0.2 over 5 min", "silent for 15 min", …
pub fn describe(
    kind: AlertKind,
    threshold: Option<&str>,
    window: Option<i64>,
    pattern: Option<&str>,
) -> String {
    let t = threshold.unwrap_or("?");
    let over = window.map(|w| format!(" over {w} min")).unwrap_or_default();
    match kind {
        AlertKind::ErrorRate => format!("error rate > {t}{over}"),
        AlertKind::DailyCost => format!("cost today > ${t}"),
        AlertKind::P95Latency => format!("p95 latency > {t} ms{over}"),
        AlertKind::ErrorPattern => format!("error matches /{}/", pattern.unwrap_or_default()),
        AlertKind::AgentSilent => format!("silent for {} min", window.unwrap_or(15)),
        AlertKind::ToolChanged => "an MCP tool changed its definition".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(threshold: &str, window: &str, pattern: &str) -> Draft {
        Draft {
            threshold: threshold.into(),
            window: window.into(),
            pattern: pattern.into(),
        }
    }

    #[test]
    fn a_draft_keeps_only_what_its_kind_takes() {
        assert_eq!(
            check(AlertKind::ErrorRate, &draft("0.2", "10", "ignored")),
            Ok(Checked {
                threshold: Some("0.2".into()),
                window_minutes: Some(10),
                pattern: None
            })
        );
        assert_eq!(
            check(AlertKind::ErrorPattern, &draft("", "", " timeout ")),
            Ok(Checked {
                threshold: None,
                window_minutes: None,
                pattern: Some("timeout".into())
            })
        );
        assert_eq!(
            check(AlertKind::AgentSilent, &draft("", "", ""))
                .unwrap()
                .window_minutes,
            None,
            "the server's default"
        );
    }

    #[test]
    fn a_bad_draft_says_which_input_is_wrong() {
        let err = check(AlertKind::ErrorRate, &draft("1.5", "", "")).unwrap_err();
        assert!(err.starts_with("Error rate above"), "{err}");
        assert!(check(AlertKind::DailyCost, &draft("lots", "", "")).is_err());
        assert!(check(AlertKind::P95Latency, &draft("800", "0", "")).is_err());
        assert!(check(AlertKind::ErrorPattern, &draft("", "", " ")).is_err());
    }

    #[test]
    fn rules_read_as_one_line() {
        assert_eq!(
            describe(AlertKind::ErrorRate, Some("0.2"), Some(5), None),
            "error rate > 0.2 over 5 min"
        );
        assert_eq!(
            describe(AlertKind::DailyCost, Some("10"), None, None),
            "cost today > $10"
        );
        assert_eq!(
            describe(AlertKind::ErrorPattern, None, None, Some("time ?out")),
            "error matches /time ?out/"
        );
        assert_eq!(
            describe(AlertKind::AgentSilent, None, None, None),
            "silent for 15 min"
        );
    }
}
