//! The built-in rules: each a stable name (used in placeholders, settings and metrics), a
//! regex that finds candidates, and a check for what the regex cannot express. Compiled
//! once per process.

use std::sync::LazyLock;

use regex::{Regex, RegexSet};

use super::checks::{self, Check};

/// One built-in rule.
pub struct BuiltIn {
    /// `EMAIL`, `PHONE`, …: the placeholder is `[REDACTED:<name>]`.
    pub name: &'static str,
    /// What it catches, for people choosing which rules to keep.
    pub description: &'static str,
    pattern: &'static str,
    pub check: Check,
}

/// The built-in rules in the order they apply: blocks and tokens first, so that an email
/// inside a private key or digits inside a token are not redacted piecemeal.
const BUILT_INS: &[BuiltIn] = &[
    BuiltIn {
        name: "PRIVATE_KEY",
        description: "PEM private key blocks (-----BEGIN … PRIVATE KEY-----), up to their END line or the end of the text",
        pattern: r"(?s)-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\z)",
        check: checks::any,
    },
    BuiltIn {
        name: "JWT",
        description: "JSON Web Tokens: three base64url segments, the first starting eyJ",
        pattern: r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*",
        check: checks::any,
    },
    BuiltIn {
        name: "SECRET",
        description: "API keys and tokens of OpenAI (sk-, sk-proj-), Anthropic (sk-ant-), AWS (AKIA…), GitHub (ghp_, gho_, ghs_, github_pat_), Slack (xoxb- …), Stripe (sk_live_, rk_live_), Google (AIza…), HumanAIOS (hai_), and the token of a Bearer header",
        pattern: concat!(
            r"\b(?:sk-[A-Za-z0-9_-]{20,}",
            r"|(?:AKIA|ASIA)[0-9A-Z]{16}",
            r"|gh[pousr]_[A-Za-z0-9]{36,}",
            r"|github_pat_[A-Za-z0-9_]{22,}",
            r"|xox[abprs]-[A-Za-z0-9-]{10,}",
            r"|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}",
            r"|AIza[0-9A-Za-z_-]{35}",
            // Our own keys: see `auth::api_keys` (`hai_<10>_<40>`).
            r"|hai_[A-Za-z0-9]{10}_[A-Za-z0-9]{40})",
            // Only the token of a header is replaced: `Bearer [REDACTED:SECRET]`.
            r"|(?i:\bbearer)\s+(?P<secret>[A-Za-z0-9._~+/-]{16,}=*)",
        ),
        check: checks::secret,
    },
    BuiltIn {
        name: "EMAIL",
        description: "Email addresses",
        pattern: r"[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}\b",
        check: checks::any,
    },
    BuiltIn {
        name: "IBAN",
        description: "International bank account numbers (IBAN) whose mod-97 check digits are right",
        pattern: r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?",
        check: checks::iban,
    },
    BuiltIn {
        name: "CARD",
        description: "Payment card numbers: 13 to 19 digits, optionally grouped by spaces or dashes, of a known brand and Luhn-valid",
        pattern: r"\b(?:[0-9]{13,19}|[0-9]{4}(?:[ -][0-9]{4}){2}[ -][0-9]{1,7}|[0-9]{4}[ -][0-9]{6}[ -][0-9]{4,5})\b",
        check: checks::card,
    },
    BuiltIn {
        name: "PHONE",
        description: "Phone numbers: international (+CC …) and national formats with separators, e.g. (415) 555-2671, 415-555-2671, 020 7946 0958",
        pattern: concat!(
            // International: +CC, an optional (area), then groups.
            r"\+[0-9]{1,3}[ .-]?(?:\([0-9]{1,4}\)[ .-]?)?[0-9]{1,4}(?:[ .-]?[0-9]{1,4}){1,5}",
            // North American: (415) 555-2671, 415-555-2671, 415.555.2671, 415 555 2671.
            r"|(?:\([0-9]{3}\) ?|\b[0-9]{3}[-. ])[0-9]{3}[-. ][0-9]{4}\b",
            // National with a trunk 0: 020 7946 0958, 06 12 34 56 78, 030-12345678.
            r"|\b0[0-9]{1,4}(?:[ -][0-9]{2,8}){1,4}\b",
        ),
        check: checks::phone,
    },
];

/// The built-in rules, compiled, with a set that tells in one pass which of them may match.
pub struct Compiled {
    pub rules: Vec<(&'static BuiltIn, Regex)>,
    pub set: RegexSet,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    let patterns = BUILT_INS.iter().map(|rule| rule.pattern);
    Compiled {
        // The patterns are constants covered by the tests: failing here is a bug.
        rules: BUILT_INS
            .iter()
            .map(|rule| (rule, Regex::new(rule.pattern).expect("built-in pattern")))
            .collect(),
        set: RegexSet::new(patterns).expect("built-in patterns"),
    }
});

/// The built-in rules, compiled on first use.
pub fn compiled() -> &'static Compiled {
    &COMPILED
}

/// The names of the built-in rules, in the order they apply.
pub fn names() -> impl Iterator<Item = &'static str> {
    BUILT_INS.iter().map(|rule| rule.name)
}

/// The built-in rule called `name`.
pub fn find(name: &str) -> Option<&'static BuiltIn> {
    BUILT_INS.iter().find(|rule| rule.name == name)
}

/// Every built-in rule, in the order they apply.
pub fn all() -> &'static [BuiltIn] {
    BUILT_INS
}
