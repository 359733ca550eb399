//! Applying the rules: a [`Redactor`] built from an organization's settings replaces each
//! match with `[REDACTED:<rule>]` in text, in every string value of a JSON document (keys
//! stay), and in an activity's payload, name and error message, counting what it replaced
//! per rule.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use entity::agent_activity;
use regex::Regex;
use serde_json::Value;

use super::checks::{self, Check};
use super::rules;
use super::settings::{self, RedactionSettings};

/// How many values each rule replaced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleCounts(BTreeMap<String, u32>);

impl RuleCounts {
    /// Replacements by every rule together.
    pub fn total(&self) -> u32 {
        self.0.values().sum()
    }

    /// Replacements by `rule`.
    pub fn get(&self, rule: &str) -> u32 {
        self.0.get(rule).copied().unwrap_or(0)
    }

    /// Each rule that replaced something, with its count.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u32)> {
        self.0.iter().map(|(rule, n)| (rule.as_str(), *n))
    }

    /// Adds `other`'s counts to these.
    pub fn merge(&mut self, other: &RuleCounts) {
        for (rule, n) in other.iter() {
            self.add(rule, n);
        }
    }

    fn add(&mut self, rule: &str, n: u32) {
        let count = self.0.entry(rule.to_owned()).or_default();
        *count = count.saturating_add(n);
    }
}

/// The rules of one organization, compiled.
pub struct Redactor {
    /// Whether each built-in rule applies, in [`rules::compiled`] order.
    enabled: Vec<bool>,
    /// The organization's own rules: name and regex.
    extras: Vec<(String, Regex)>,
}

/// Most organizations' redactors kept compiled; the cache is emptied when it fills.
const CACHE_CAPACITY: usize = 1_024;

static CACHE: LazyLock<Mutex<HashMap<String, Arc<Redactor>>>> = LazyLock::new(Default::default);
static DEFAULT: LazyLock<Arc<Redactor>> =
    LazyLock::new(|| Arc::new(Redactor::new(&RedactionSettings::default())));

/// A rejected candidate longer than this is skipped whole instead of searched again from
/// its next character, so hostile input cannot make a search quadratic. Only the `SECRET`
/// rule rejects long candidates, and it does so for the whole token (no digit and no
/// capital letter anywhere in it).
const MAX_RETRIED_CANDIDATE: usize = 64;

impl Redactor {
    /// The rules `settings` ask for. An extra pattern that no longer compiles (stored before
    /// validation existed) is skipped with a warning.
    pub fn new(settings: &RedactionSettings) -> Self {
        let enabled = rules::compiled()
            .rules
            .iter()
            .map(|(rule, _)| settings.is_enabled(rule.name))
            .collect();
        let extras = settings
            .extra_patterns
            .iter()
            .filter_map(|extra| match settings::compile_pattern(&extra.pattern) {
                Ok(regex) => Some((extra.name.clone(), regex)),
                Err(why) => {
                    tracing::warn!(rule = %extra.name, why, "skipping a stored redaction pattern");
                    None
                }
            })
            .collect();
        Redactor { enabled, extras }
    }

    /// The redactor for an organization's settings JSON, compiled once per distinct
    /// settings and then shared.
    pub fn for_org(org_settings: &Value) -> Arc<Redactor> {
        let Some(stored) = org_settings.get(settings::KEY) else {
            return DEFAULT.clone();
        };
        let key = stored.to_string();
        let cache = || CACHE.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = cache().get(&key) {
            return found.clone();
        }
        // Compiled outside the lock, so other organizations' ingests do not wait for it.
        let redactor = Arc::new(Redactor::new(&RedactionSettings::of_org(org_settings)));
        let mut cache = cache();
        if cache.len() >= CACHE_CAPACITY {
            cache.clear();
        }
        cache.insert(key, redactor.clone());
        redactor
    }

    /// `text` with every match replaced, or `None` when nothing matched.
    pub fn redact_text(&self, text: &str, counts: &mut RuleCounts) -> Option<String> {
        let built_ins = rules::compiled();
        let may_match = built_ins.set.matches(text);
        let mut current: Option<String> = None;
        let mut apply = |name: &str, regex: &Regex, check: Check, current: &mut Option<String>| {
            let text = current.as_deref().unwrap_or(text);
            if let Some((replaced, n)) = replace_matches(name, regex, check, text) {
                counts.add(name, n);
                *current = Some(replaced);
            }
        };
        for (i, (rule, regex)) in built_ins.rules.iter().enumerate() {
            if self.enabled[i] && may_match.matched(i) {
                apply(rule.name, regex, rule.check, &mut current);
            }
        }
        for (name, regex) in &self.extras {
            apply(name, regex, checks::any, &mut current);
        }
        current
    }

    /// Redacts every string value in `value`, however deeply nested; object keys stay.
    pub fn redact_json(&self, value: &mut Value, counts: &mut RuleCounts) {
        // An explicit stack: payloads are as deep as agents make them.
        let mut pending = vec![value];
        while let Some(value) = pending.pop() {
            match value {
                Value::String(text) => {
                    if let Some(redacted) = self.redact_text(text, counts) {
                        *text = redacted;
                    }
                }
                Value::Array(items) => pending.extend(items.iter_mut()),
                Value::Object(fields) => pending.extend(fields.values_mut()),
                Value::Null | Value::Bool(_) | Value::Number(_) => {}
            }
        }
    }

    /// Redacts an activity's payload, name and error message, and records on it how many
    /// values were replaced.
    pub fn redact_activity(&self, activity: &mut agent_activity::Model) -> RuleCounts {
        let mut counts = RuleCounts::default();
        self.redact_json(&mut activity.payload, &mut counts);
        for text in [&mut activity.name, &mut activity.error_message]
            .into_iter()
            .flatten()
        {
            if let Some(redacted) = self.redact_text(text, &mut counts) {
                *text = redacted;
            }
        }
        activity.redactions = i32::try_from(counts.total()).unwrap_or(i32::MAX);
        counts
    }
}

/// `text` with each match of `regex` that `check` accepts replaced by `[REDACTED:<name>]`,
/// and how many there were; `None` when there were none.
fn replace_matches(name: &str, regex: &Regex, check: Check, text: &str) -> Option<(String, u32)> {
    // Only a rule with a `secret` group needs the slower capturing search.
    let capturing = regex.captures_len() > 1;
    let mut redacted = String::new();
    let (mut copied, mut from, mut count) = (0, 0, 0u32);
    while from <= text.len() {
        let (whole, span) = if capturing {
            let Some(caps) = regex.captures_at(text, from) else {
                break;
            };
            let whole = caps.get(0).map_or(from..from, |m| m.range());
            (
                whole.clone(),
                caps.name("secret").map_or(whole, |m| m.range()),
            )
        } else {
            let Some(found) = regex.find_at(text, from) else {
                break;
            };
            (found.range(), found.range())
        };
        let accepted = (!span.is_empty())
            .then(|| check(text, span.start, span.end))
            .flatten()
            .filter(|&end| end > span.start);
        if let Some(end) = accepted {
            redacted.push_str(&text[copied..span.start]);
            redacted.push_str("[REDACTED:");
            redacted.push_str(name);
            redacted.push(']');
            (copied, from) = (end, end);
            count += 1;
        } else if whole.len() > MAX_RETRIED_CANDIDATE {
            from = whole.end;
        } else {
            // A number inside a rejected candidate may be one on its own: look again from
            // the next character.
            from = whole.start + text[whole.start..].chars().next().map_or(1, char::len_utf8);
        }
    }
    (count > 0).then(|| {
        redacted.push_str(&text[copied..]);
        (redacted, count)
    })
}
