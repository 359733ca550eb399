//! Per-organization redaction settings, kept in the organization's settings JSON under
//! `redaction`:
//! `{"disabledRules": ["PHONE"], "extraPatterns": [{"name": "EMPLOYEE_ID", "pattern": "EMP-\\d{6}"}]}`.
//! Every write is validated here, whichever API it comes through.

use std::collections::HashSet;

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::rules;
use crate::error::{ApiError, ApiResult};

/// The key of the organization's settings that holds these.
pub const KEY: &str = "redaction";
/// Most extra patterns an organization may add.
pub const MAX_EXTRA_PATTERNS: usize = 20;
/// Longest extra pattern, in characters.
pub const MAX_PATTERN_LEN: usize = 500;
/// Longest extra rule name.
const MAX_NAME_LEN: usize = 32;
/// Largest compiled program (and lazy DFA cache) one extra pattern may take, so a hostile
/// pattern (`\w{500}{500}`) cannot make ingest allocate without bound.
const PATTERN_SIZE_LIMIT: usize = 256 * 1024;

/// Which built-in rules are off and which patterns are added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RedactionSettings {
    /// Built-in rules turned off (`EMAIL`, `PHONE`, …).
    #[serde(default)]
    pub disabled_rules: Vec<String>,
    /// The organization's own rules, applied after the built-in ones.
    #[serde(default)]
    pub extra_patterns: Vec<ExtraPattern>,
}

/// An organization's own rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, async_graphql::InputObject)]
#[graphql(name = "RedactionPatternInput")]
#[serde(deny_unknown_fields)]
pub struct ExtraPattern {
    /// Upper case, digits and `_`, starting with a letter, at most 32 characters, not a
    /// built-in rule's name; matches become `[REDACTED:<name>]`.
    pub name: String,
    /// A regular expression (Rust `regex` syntax, linear-time, no look-around), at most 500
    /// characters. Each match is replaced; when it has a group named `secret`, only that
    /// group is (`token=(?P<secret>\w+)`).
    pub pattern: String,
}

impl RedactionSettings {
    /// The settings stored in an organization's settings JSON: every built-in rule on when
    /// there are none. Settings that do not parse (stored before they were validated) are
    /// ignored with a warning, so redaction falls back to every built-in rule, never to none.
    pub fn of_org(org_settings: &Value) -> Self {
        let Some(stored) = org_settings.get(KEY) else {
            return Self::default();
        };
        serde_json::from_value(stored.clone()).unwrap_or_else(|err| {
            tracing::warn!(error = %err, "ignoring unreadable redaction settings");
            Self::default()
        })
    }

    /// Parses settings sent under `field` and validates them.
    pub fn parse(value: Value, field: &str) -> ApiResult<Self> {
        let settings: Self = serde_json::from_value(value)
            .map_err(|err| ApiError::invalid(field, err.to_string()))?;
        settings.validate(field)?;
        Ok(settings)
    }

    /// `BAD_USER_INPUT` naming the first offending field (below `prefix`, if any): an
    /// unknown rule, too many patterns, a bad name, or a pattern that is too long, does not
    /// compile, is too complex or matches empty text.
    pub fn validate(&self, prefix: &str) -> ApiResult<()> {
        let field = |rest: String| {
            if prefix.is_empty() {
                rest
            } else {
                format!("{prefix}.{rest}")
            }
        };
        for (i, name) in self.disabled_rules.iter().enumerate() {
            if rules::find(name).is_none() {
                let known = rules::names().collect::<Vec<_>>().join(", ");
                return Err(ApiError::invalid(
                    field(format!("disabledRules[{i}]")),
                    format!("is not a built-in rule (one of {known})"),
                ));
            }
        }
        if self.extra_patterns.len() > MAX_EXTRA_PATTERNS {
            return Err(ApiError::invalid(
                field("extraPatterns".to_owned()),
                format!("must hold at most {MAX_EXTRA_PATTERNS} patterns"),
            ));
        }
        let mut names = HashSet::new();
        for (i, extra) in self.extra_patterns.iter().enumerate() {
            if let Err(why) = check_name(&extra.name) {
                return Err(ApiError::invalid(
                    field(format!("extraPatterns[{i}].name")),
                    why,
                ));
            }
            if !names.insert(extra.name.as_str()) {
                return Err(ApiError::invalid(
                    field(format!("extraPatterns[{i}].name")),
                    "is used by another pattern",
                ));
            }
            if let Err(why) = compile_pattern(&extra.pattern) {
                return Err(ApiError::invalid(
                    field(format!("extraPatterns[{i}].pattern")),
                    why,
                ));
            }
        }
        Ok(())
    }

    /// Whether the built-in rule `name` applies.
    pub fn is_enabled(&self, name: &str) -> bool {
        !self.disabled_rules.iter().any(|disabled| disabled == name)
    }
}

/// Validates the `redaction` key of organization settings written as a whole (through
/// `updateOrganization`), so that path cannot store what `updateRedactionSettings` refuses.
pub fn check_org_settings(org_settings: &Value) -> ApiResult<()> {
    match org_settings.get(KEY) {
        Some(value) => {
            RedactionSettings::parse(value.clone(), &format!("settings.{KEY}")).map(drop)
        }
        None => Ok(()),
    }
}

/// Compiles an extra pattern under the size limits, or says why it cannot be used.
pub fn compile_pattern(pattern: &str) -> Result<Regex, String> {
    if pattern.is_empty() {
        return Err("must not be empty".to_owned());
    }
    if pattern.chars().count() > MAX_PATTERN_LEN {
        return Err(format!("must be at most {MAX_PATTERN_LEN} characters"));
    }
    let regex = RegexBuilder::new(pattern)
        .size_limit(PATTERN_SIZE_LIMIT)
        .dfa_size_limit(PATTERN_SIZE_LIMIT)
        .build()
        .map_err(|err| match err {
            regex::Error::CompiledTooBig(_) => {
                "is too complex: simplify it (fewer or smaller repetitions)".to_owned()
            }
            other => format!("is not a valid regular expression: {other}"),
        })?;
    if regex.is_match("") {
        return Err("must not match empty text".to_owned());
    }
    Ok(regex)
}

fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let well_formed = chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= MAX_NAME_LEN;
    if !well_formed {
        return Err(format!(
            "must be 1 to {MAX_NAME_LEN} upper-case letters, digits or _, starting with a letter"
        ));
    }
    if rules::find(name).is_some() {
        return Err("is the name of a built-in rule".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field_of(result: ApiResult<RedactionSettings>) -> String {
        match result {
            Err(ApiError::InvalidInput { field, .. }) => field,
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
    }

    fn with_pattern(name: &str, pattern: &str) -> Value {
        json!({ "extraPatterns": [{ "name": name, "pattern": pattern }] })
    }

    #[test]
    fn every_bad_setting_is_refused_naming_its_field() {
        let parse = |value| RedactionSettings::parse(value, "");
        assert_eq!(
            field_of(parse(json!({ "disabledRules": ["EMAIL", "FAX"] }))),
            "disabledRules[1]"
        );
        assert_eq!(
            field_of(parse(with_pattern("EMPLOYEE_ID", "EMP-(\\d{6}"))),
            "extraPatterns[0].pattern"
        );
        assert_eq!(
            field_of(parse(with_pattern("employee", "EMP"))),
            "extraPatterns[0].name"
        );
        assert_eq!(
            field_of(parse(with_pattern("EMAIL", "x"))),
            "extraPatterns[0].name",
            "built-in names are taken"
        );
        assert_eq!(
            field_of(parse(with_pattern("X", &"a".repeat(501)))),
            "extraPatterns[0].pattern"
        );
        assert_eq!(
            field_of(parse(with_pattern("X", "a*"))),
            "extraPatterns[0].pattern",
            "matches empty text"
        );
        let many: Vec<Value> = (0..21)
            .map(|i| json!({ "name": format!("P{i}"), "pattern": "x" }))
            .collect();
        assert_eq!(
            field_of(parse(json!({ "extraPatterns": many }))),
            "extraPatterns"
        );
        assert_eq!(
            field_of(RedactionSettings::parse(
                json!({ "disabled": [] }),
                "settings.redaction"
            )),
            "settings.redaction"
        );
    }

    #[test]
    fn a_pattern_too_big_to_compile_is_refused_before_it_allocates() {
        let err = compile_pattern(r"\w{100}{100}").unwrap_err();
        assert!(err.contains("too complex"), "{err}");
    }

    #[test]
    fn unreadable_stored_settings_keep_every_rule_on() {
        let stored = json!({ "redaction": { "disabledRules": "PHONE" } });
        assert_eq!(
            RedactionSettings::of_org(&stored),
            RedactionSettings::default()
        );
        let stored = json!({ "redaction": { "disabledRules": ["PHONE"] } });
        assert!(!RedactionSettings::of_org(&stored).is_enabled("PHONE"));
    }
}
