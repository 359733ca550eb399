//! The proxy's policy file (TOML): per tool-name pattern `allow`, `deny` or `approve`, the
//! first matching rule winning, a default for the rest, how long a held call waits for a
//! human, the budget guard and what tool pinning does with a changed tool.
//!
//! ```toml
//! default = "allow"                # allow | deny | approve, for tools no rule names
//!
//! [approval]
//! timeout_seconds = 600            # a held call not approved by then is answered with an error
//! progress_every_seconds = 5       # progress notifications while held (if the client asked)
//!
//! [budget]
//! enforce = true                   # refuse calls once the agent's daily budget is spent
//!
//! [pinning]
//! changed = "hide"                 # "alert" (default) or "hide" until an admin accepts
//!
//! [[rules]]
//! tools = ["delete_*", "write_file"]
//! action = "approve"
//! reason = "changes files"
//!
//! [[rules]]
//! tools = "shell_*"
//! action = "deny"
//! reason = "no shell access from agents"
//! ```

use std::path::Path;
use std::time::Duration;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

/// What happens to a call of a tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Forward it.
    Allow,
    /// Answer it with an error result saying why; the server never sees it.
    Deny,
    /// Hold it until a human approves it through HumanAIOS.
    Approve,
}

/// What tool pinning does with a tool whose definition changed since it was pinned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnChange {
    /// Raise the alert, keep offering the tool.
    #[default]
    Alert,
    /// Raise the alert and hide the tool (and refuse its calls) until an admin accepts.
    Hide,
}

/// The decision for one tool name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub action: Action,
    /// The rule's reason, if it gave one.
    pub reason: Option<String>,
}

/// A parsed policy.
#[derive(Debug)]
pub struct Policy {
    default: Action,
    rules: Vec<Rule>,
    matchers: Vec<GlobSet>,
    /// How long a held call waits for a human.
    pub approval_timeout: Duration,
    /// How often a held call tells the client it is still waiting.
    pub progress_every: Duration,
    /// Whether calls are refused once the agent's daily budget is spent.
    pub enforce_budget: bool,
    pub on_change: OnChange,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default = "allow")]
    default: Action,
    #[serde(default)]
    approval: Approval,
    #[serde(default)]
    budget: Budget,
    #[serde(default)]
    pinning: Pinning,
    #[serde(default)]
    rules: Vec<Rule>,
}

fn allow() -> Action {
    Action::Allow
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Approval {
    #[serde(default = "default_timeout")]
    timeout_seconds: u64,
    #[serde(default = "default_progress")]
    progress_every_seconds: u64,
}

impl Default for Approval {
    fn default() -> Self {
        Approval {
            timeout_seconds: default_timeout(),
            progress_every_seconds: default_progress(),
        }
    }
}

fn default_timeout() -> u64 {
    600
}

fn default_progress() -> u64 {
    5
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Budget {
    #[serde(default)]
    enforce: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Pinning {
    #[serde(default)]
    changed: OnChange,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rule {
    tools: Patterns,
    action: Action,
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Patterns {
    One(String),
    Many(Vec<String>),
}

impl Patterns {
    fn list(&self) -> &[String] {
        match self {
            Patterns::One(one) => std::slice::from_ref(one),
            Patterns::Many(many) => many,
        }
    }
}

impl Policy {
    /// The policy of no file: every call allowed, no budget guard, changes alerted only.
    pub fn allow_all() -> Policy {
        Policy::parse("").unwrap_or_else(|_| unreachable!("the empty policy parses"))
    }

    /// Parses a policy; the error names what is wrong and where.
    pub fn parse(text: &str) -> Result<Policy, String> {
        let file: File = toml::from_str(text).map_err(|err| err.to_string())?;
        if file.approval.timeout_seconds == 0 || file.approval.progress_every_seconds == 0 {
            return Err(
                "approval: timeout_seconds and progress_every_seconds must be at least 1".into(),
            );
        }
        let mut matchers = Vec::with_capacity(file.rules.len());
        for (i, rule) in file.rules.iter().enumerate() {
            if rule.tools.list().is_empty() {
                return Err(format!("rules[{i}].tools: name at least one tool pattern"));
            }
            let mut set = GlobSetBuilder::new();
            for pattern in rule.tools.list() {
                let glob = Glob::new(pattern)
                    .map_err(|err| format!("rules[{i}].tools: `{pattern}`: {err}"))?;
                set.add(glob);
            }
            matchers.push(
                set.build()
                    .map_err(|err| format!("rules[{i}].tools: {err}"))?,
            );
        }
        Ok(Policy {
            default: file.default,
            rules: file.rules,
            matchers,
            approval_timeout: Duration::from_secs(file.approval.timeout_seconds),
            progress_every: Duration::from_secs(file.approval.progress_every_seconds),
            enforce_budget: file.budget.enforce,
            on_change: file.pinning.changed,
        })
    }

    /// Reads and parses a policy file.
    pub fn load(path: &Path) -> Result<Policy, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| format!("reading {}: {err}", path.display()))?;
        Policy::parse(&text).map_err(|err| format!("{}: {err}", path.display()))
    }

    /// What happens to a call of `tool`: the first rule naming it, else the default.
    pub fn verdict(&self, tool: &str) -> Verdict {
        self.rules
            .iter()
            .zip(&self.matchers)
            .find(|(_, matcher)| matcher.is_match(tool))
            .map(|(rule, _)| Verdict {
                action: rule.action,
                reason: rule.reason.clone(),
            })
            .unwrap_or(Verdict {
                action: self.default,
                reason: None,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
        default = "allow"
        [approval]
        timeout_seconds = 30
        [budget]
        enforce = true
        [pinning]
        changed = "hide"
        [[rules]]
        tools = ["delete_*", "write_file"]
        action = "approve"
        reason = "changes files"
        [[rules]]
        tools = "*"
        action = "deny"
        reason = "not on the list"
        [[rules]]
        tools = "echo"
        action = "allow"
    "#;

    #[test]
    fn the_first_matching_rule_wins() {
        let policy = Policy::parse(EXAMPLE).unwrap();
        let approve = policy.verdict("delete_file");
        assert_eq!(approve.action, Action::Approve);
        assert_eq!(approve.reason.as_deref(), Some("changes files"));
        assert_eq!(policy.verdict("write_file").action, Action::Approve);
        // `*` comes before `echo`, so echo is denied too.
        assert_eq!(policy.verdict("echo").action, Action::Deny);
        assert_eq!(policy.approval_timeout, Duration::from_secs(30));
        assert_eq!(policy.progress_every, Duration::from_secs(5));
        assert!(policy.enforce_budget);
        assert_eq!(policy.on_change, OnChange::Hide);
    }

    #[test]
    fn no_file_allows_everything_guards_no_budget_and_only_alerts() {
        let policy = Policy::allow_all();
        assert_eq!(policy.verdict("anything").action, Action::Allow);
        assert!(!policy.enforce_budget);
        assert_eq!(policy.on_change, OnChange::Alert);
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            ("default = \"maybe\"", "unknown variant"),
            (
                "[[rules]]\ntools = \"a\"\naction = \"allow\"\ncolour = 1",
                "unknown field",
            ),
            (
                "[[rules]]\ntools = \"a[\"\naction = \"deny\"",
                "rules[0].tools",
            ),
            ("[[rules]]\ntools = []\naction = \"deny\"", "rules[0].tools"),
            ("[approval]\ntimeout_seconds = 0", "at least 1"),
        ];
        for (text, expected) in cases {
            let err = Policy::parse(text).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }
}
