//! PII redaction before anything is stored or published: emails, phone numbers, card
//! numbers (Luhn-checked), IBANs (mod-97-checked), secrets (provider API keys, bearer
//! tokens), JWTs and private keys are replaced by typed placeholders (`[REDACTED:EMAIL]`),
//! and each activity records how many values were replaced. Organizations can turn a
//! built-in rule off and add their own patterns (admins, audited).

pub mod checks;
pub mod graphql;
pub mod redactor;
pub mod rest;
pub mod rules;
pub mod service;
pub mod settings;

#[cfg(test)]
mod tests;

use entity::agent_activity;

pub use redactor::{Redactor, RuleCounts};

/// Redacts each activity in place with the rules of the organization whose settings JSON
/// is `org_settings`, and counts the replacements in `humanaios_redactions_total{rule}`
/// (the organization's own rules count as `CUSTOM`, so the label stays bounded).
pub fn redact_all(org_settings: &serde_json::Value, activities: &mut [agent_activity::Model]) {
    let redactor = Redactor::for_org(org_settings);
    let mut batch = RuleCounts::default();
    for activity in activities {
        batch.merge(&redactor.redact_activity(activity));
    }
    for (rule, count) in batch.iter() {
        let label = rules::find(rule).map_or("CUSTOM", |built_in| built_in.name);
        metrics::counter!("humanaios_redactions_total", "rule" => label)
            .increment(u64::from(count));
    }
}
