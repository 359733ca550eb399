//! The rule-based detector: reads an agent's message and decides whether it asks for a
//! person to do something in the physical world, and if so what kind of task it is.
//!
//! The rules are data ([`RULES`]): a phrase pattern, the signal it gives and a weight. A
//! message needs a human when someone other than the agent is asked to act (an *actor*
//! phrase: "need someone to", "can a human"; or a *physical* marker: "in person", "on site")
//! and the score of every matched rule reaches [`THRESHOLD`]; the task type is the type
//! whose action phrases score highest. Software context ("verify the webhook signature"),
//! negations ("no human needed"), finished work and relayed questions count against.
//!
//! Called on every activity's text at ingest, so it is cheap where it matters: one
//! pre-compiled set of the gate patterns rejects texts with no actor or physical phrase
//! (nearly all of them), one pass of the full set scores the rest, and the extractors
//! (location, budget, deadline, title) run only on a detection.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use entity::{TaskType, Usd};
use regex::{Regex, RegexSet};

use super::extract;

/// A physical-world need found in a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// What kind of task it is.
    pub task_type: TaskType,
    /// A short human title taken from the text (at most [`MAX_TITLE_CHARS`] characters).
    pub title: String,
    /// Where, when the text says.
    pub location: Option<Location>,
    /// The budget, when the text names one ("$45", "budget of 120 USD", "up to $1,250.50").
    pub budget_usd: Option<Usd>,
    /// By when, when the text says ("by 2026-12-01 17:00", "within 2 hours", "by Friday").
    pub deadline: Option<DateTime<Utc>>,
    /// How sure the detector is, 0 to 1; a detection is at least 0.5.
    pub confidence: f32,
}

/// Where a task takes place.
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    /// Coordinates in degrees (latitude −90..90, longitude −180..180).
    Point { lat: f64, lng: f64 },
    /// A street address as written ("221B Baker Street, London").
    Address(String),
}

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 120;

/// The score a message must reach to need a human.
const THRESHOLD: f32 = 2.0;
/// Scores are mapped to confidence by dividing by this (the threshold maps to 0.5).
const FULL_CONFIDENCE_SCORE: f32 = 2.0 * THRESHOLD;
/// No type's action phrases add more than this, so piling up verbs cannot outvote a
/// negation.
const MAX_ACTION_SCORE: f32 = 1.5;
/// What details add: a stated place, budget or deadline makes a real errand likelier.
const LOCATION_WEIGHT: f32 = 0.5;
const BUDGET_WEIGHT: f32 = 0.3;
const DEADLINE_WEIGHT: f32 = 0.2;

/// What a matched rule says about the message.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Signal {
    /// Someone other than the agent is asked to act. The strongest actor phrase counts.
    Actor,
    /// The act is physical ("in person", "on site"). The strongest marker counts.
    Physical,
    /// What the person would do: a vote for this type. Each type's votes add up.
    Action(TaskType),
    /// Counts against: software context, negations, finished work, relayed questions. Every
    /// matched rule subtracts its weight.
    Against,
}

/// One rule: a case-insensitive pattern, its signal and weight, and an example it must match
/// (a test checks every example, so a pattern cannot silently stop matching).
struct Rule {
    signal: Signal,
    weight: f32,
    pattern: &'static str,
    #[cfg_attr(not(test), expect(dead_code, reason = "read by the tests only"))]
    example: &'static str,
}

const fn rule(signal: Signal, weight: f32, pattern: &'static str, example: &'static str) -> Rule {
    Rule {
        signal,
        weight,
        pattern,
        example,
    }
}

use Signal::{Actor, Against, Physical};
const PICKUP: Signal = Signal::Action(TaskType::Pickup);
const INSPECTION: Signal = Signal::Action(TaskType::Inspection);
const VERIFICATION: Signal = Signal::Action(TaskType::Verification);
const ATTENDANCE: Signal = Signal::Action(TaskType::Attendance);
const OTHER: Signal = Signal::Action(TaskType::Other);

/// Who could do it: words naming a person other than the agent.
const PEOPLE: &str = r"(?:human|person|people|someone|somebody|courier|runner|tasker|volunteer|technician|field worker|local)";

/// The rule table. Patterns are compiled case-insensitively; `{PEOPLE}` is replaced by
/// [`PEOPLE`].
#[rustfmt::skip]
static RULES: &[Rule] = &[
    // Actors: a person other than the agent is asked for.
    rule(Actor, 1.5, r"\b(?:need|needs|needed|require|requires|required|requesting|request|want|looking for|find|get|have|send|dispatch|hire|assign|arrange for|book)\s+(?:a|an|one|some|any)?\s*{PEOPLE}s?\b", "I need someone to"),
    rule(Actor, 1.5, r"\b(?:someone|somebody|a human|a person|a courier|a local|human worker)\s+(?:to|should|must|needs? to|has to|can|could|will|who can|go)\b", "a human needs to"),
    rule(Actor, 1.5, r"\bcan\s+(?:a|an|some|any)?\s*{PEOPLE}\b", "Can someone go"),
    rule(Actor, 1.5, r"\b(?:is|are) (?:anyone|anybody|someone|somebody) (?:available|around|nearby|free)\b|\b(?:blocked|waiting|stuck) (?:until|on|for) (?:a|some) {PEOPLE}\b", "Is anyone available to"),
    rule(Actor, 1.5, r"\b(?:human|person|people) (?:task|needed|required|help|assistance|intervention)\b|\btask for an? (?:human|person)\b", "Task for a human:"),
    rule(Actor, 1.5, r"\bphysical (?:action|presence|work|task) (?:is )?(?:required|needed)\b", "Physical action required:"),
    rule(Actor, 1.5, r"\b(?:need|needs|require|requires|requesting|request)\s+(?:a|an|some)\s+(?:physical|in[- ]person|on[- ]site|manual|visual)\b|\bneeds? (?:eyes|boots) on\b", "We require a physical check"),
    rule(Actor, 1.0, r"\bI\s+(?:can't|cannot|can not|am unable to|have no (?:way|means) to)\s+(?:physically|do (?:this|that|it)|sign|be there|go|travel|reach)\b", "I have no way to do that"),
    // An imperative errand, as in a to-do list.
    rule(Actor, 0.7, r"^\s*(?:please\s+)?(?:pick up|collect|deliver|drop off|bring|fetch|inspect|attend|go to|visit)\b", "Pick up dry cleaning"),
    // Physical markers.
    rule(Physical, 1.0, r"\bin[- ]person\b|\bon[- ]?site\b|\bon[- ]the[- ]ground\b|\bsite visit\b|\bphysical(?:ly)?\b|\bby hand\b|\bhand-(?:sign|deliver|write)", "verify in person"),
    // Pickup and delivery.
    rule(PICKUP, 1.0, r"\bpick(?:\s+|-)up\b|\b(?:a|the)\s+pickup\s+(?:from|at|of)\b", "pick up the contract"),
    rule(PICKUP, 1.0, r"\b(?:collect|retrieve|fetch|grab)(?:s|es)?\b|\bswing by\b", "fetch the soil samples"),
    rule(PICKUP, 1.0, r"\b(?:be|been|get|gets|is|are)\s+(?:collected|retrieved|picked up|delivered|dropped off)\b", "must be collected"),
    rule(PICKUP, 1.0, r"\bdeliver\s+(?:\w+\s+){0,3}?to\b|\bhand-deliver\w*|\bdelivered to (?:the|our|their|reception)\b|\b(?:return|ship|mail) (?:it|them|the\s+\w+) (?:to|back)\b|\bdrop\s+(?:it|them|\w+)?\s*(?:off|at)\b|\bbring\s+(?:it|them|the\s+\w+)\s+(?:to|back)\b", "deliver them to the lab"),
    rule(PICKUP, 0.5, r"\bcourier\b", "a courier"),
    // Inspection.
    rule(INSPECTION, 1.0, r"\binspect(?:ion|ions|or|ors)?\b|\blook over\b|\b(?:physical|visual|manual|safety) (?:check|survey)\b", "inspect the damage"),
    rule(INSPECTION, 1.0, r"\bcheck (?:on )?the (?:condition|state|damage)\b|\bassess\b|\bsurvey\b|\bexamine\b|\bwalk (?:through )?the (?:site|property|building|premises|construction site)\b", "walk the construction site"),
    rule(INSPECTION, 0.6, r"\blook at\b|\btake (?:a )?(?:photos?|pictures?)\b|\bphotograph\b|\b(?:photos|pictures) of (?:every|each|all|the)\b|\bsend (?:photos|pictures)\b", "take pictures"),
    rule(INSPECTION, 0.4, r"\bdamage\b|\bcracks?\b|\bdent\b|\bleak(?:s|ing)?\b|\bmold\b", "water damage"),
    // Verification.
    rule(VERIFICATION, 1.0, r"\bverif(?:y|ication)\b|\bconfirm\b", "confirm the stage is set up"),
    rule(VERIFICATION, 1.0, r"\bcheck\s+(?:in person\s+)?(?:whether|if|that)\b|\bmake sure\b", "check in person whether"),
    rule(VERIFICATION, 0.4, r"\b(?:is|are) (?:actually |still )?(?:open|working|there|real)\b|\bexists?\b|\bidentity\b|\bID\b|\bactually\b|\bas (?:described|advertised|claimed|reported|the news says)\b", "is actually open"),
    // Attendance.
    rule(ATTENDANCE, 1.0, r"\battend(?:s|ing)?\s+(?:the|a|an|our|this|that|my|his|her|their|tomorrow|today|on)\b", "attend the meeting"),
    rule(ATTENDANCE, 1.0, r"\b(?:be|being|is|someone)\s+(?:physically\s+)?present\b|\bpresent at\b", "someone physically present"),
    rule(ATTENDANCE, 0.8, r"\bshow up\b|\bsit in on\b|\bwait (?:for|at)\b|\blet (?:the|a|an) \w+ in\b|\btake notes\b|\bmeet (?:the|a|an|with)\b|\bbe there\b|\bstand (?:at|by|in)\b|\bstaff (?:the|a)\b|\bvolunteer at\b", "let the plumber in"),
    rule(ATTENDANCE, 0.4, r"\b(?:meeting|hearing|appointment|trade show|conference|ceremony|open house|booth|event|registration|festival|fair|race|run|rally|wedding|funeral)\b", "the hearing"),
    // Other physical errands.
    rule(OTHER, 1.0, r"\bpower[- ]cycle\b|\bunplug\b|\bplug (?:it|in)\b|\bwater the plants\b|\bmail (?:it|the|them)\b|\bhand-(?:sign|write)\w*\b|\bswap (?:the|a)\b|\breplace (?:the|a)\b|\bbuy (?:a|the|some)\b|\bfeed the\b|\bclean (?:the|up)\b|\brestock\b|\bcount (?:the|how many)\b|\b(?:assemble|install|mount|carry|move) (?:the|a|an|two|three|\d+)\b|\bclear(?:ed)? by hand\b", "power-cycle the router"),
    // Against: the "verification" of a signature, the "inspection" of a schema.
    rule(Against, 1.5, r"\b(?:json|schema|api|endpoint|webhook|signature|hmac|sha-?256|ssl|tls|certificate|token|jwt|oauth|stack ?trace|traceback|exception|panicked|unit tests?|test suite|pull request|PR|commit|git|repo|repository|pod|container|kubernetes|docker|database|sql|query|regex|function|email address|password|login|dns|url|cache|cron|deploy\w*|compile\w*|script|code review|bug|csv|spreadsheet|dataset|files?|logs?)\b", "verify the webhook signature"),
    // Negations and "human" used as an adjective.
    rule(Against, 3.0, r"\bno (?:human|person|one)\b.{0,20}\b(?:needed|required|necessary)\b|\bwithout (?:a )?human\b|\bhuman[- ]readable\b|\bhuman[- ]like\b|\b(?:don't|do not|doesn't|does not) need (?:a|any) (?:human|person)\b", "No human needed"),
    // Finished work: a report, not a request.
    rule(Against, 2.0, r"\btask (?:completed|done|finished)\b|\b(?:was|were|has been|have been) (?:picked up|delivered|collected|inspected|verified|completed|attended)\b", "the package was picked up"),
    // Idioms of the verbs above.
    rule(Against, 2.0, r"\bpick(?:s|ing)? up where\b|\bpick(?:s|ing)? up the (?:slack|pace|thread)\b|\bcollect(?:s|ing)? (?:my|your|our) thoughts\b", "Pick up where we left off"),
    // A user's question relayed, answered by the agent.
    rule(Against, 2.0, r"\b(?:asked|asks|wants to know|wondering|wonders)\s+(?:whether|if)\b|\bI (?:replied|answered|told (?:them|the user))\b", "The user wants to know whether"),
];

struct Compiled {
    /// Every rule, for the one scoring pass.
    all: RegexSet,
    /// Only the actor and physical rules: without one of them nothing can be detected.
    gate: RegexSet,
    /// Each rule alone, to locate the title's phrase after a detection.
    each: Vec<Regex>,
}

fn pattern(rule: &Rule) -> String {
    format!("(?i){}", rule.pattern.replace("{PEOPLE}", PEOPLE))
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    let patterns: Vec<String> = RULES.iter().map(pattern).collect();
    let gate = RULES
        .iter()
        .filter(|r| matches!(r.signal, Actor | Physical))
        .map(pattern);
    // The patterns are constants covered by the tests: failing here is a bug.
    Compiled {
        all: RegexSet::new(&patterns).expect("detection rules"),
        gate: RegexSet::new(gate).expect("detection gate"),
        each: patterns
            .iter()
            .map(|p| Regex::new(p).expect("detection rule"))
            .collect(),
    }
});

/// Reads an agent's message and returns the physical-world task it asks for, or `None`
/// when no person is needed (the common case). `now` anchors relative deadlines ("within 2
/// hours", "by Friday").
pub fn detect(text: &str, now: DateTime<Utc>) -> Option<Detection> {
    let compiled = &*COMPILED;
    if !compiled.gate.is_match(text) {
        return None;
    }
    let matched = compiled.all.matches(text);

    let (mut actor, mut physical, mut against) = (0.0f32, 0.0f32, 0.0f32);
    // Votes per type, in `TaskType::ALL` order.
    let mut votes = [0.0f32; TaskType::ALL.len()];
    for index in matched.iter() {
        let rule = &RULES[index];
        match rule.signal {
            Actor => actor = actor.max(rule.weight),
            Physical => physical = physical.max(rule.weight),
            Against => against += rule.weight,
            Signal::Action(task_type) => votes[type_index(task_type)] += rule.weight,
        }
    }
    // Ties go to the more specific type: `TaskType::ALL` ends with OTHER.
    let (best, action) =
        votes
            .iter()
            .enumerate()
            .fold((None, 0.0f32), |(best, top), (i, &vote)| {
                if vote > top {
                    (Some(i), vote)
                } else {
                    (best, top)
                }
            });
    if action == 0.0 && physical == 0.0 {
        // Someone is asked for, but not to do anything physical ("review this PR").
        return None;
    }
    let base = actor + physical + action.min(MAX_ACTION_SCORE) - against;
    // The details can add at most this much; skip extracting them when they cannot help.
    if base + LOCATION_WEIGHT + BUDGET_WEIGHT + DEADLINE_WEIGHT < THRESHOLD {
        return None;
    }

    let location = extract::location(text);
    let budget_usd = extract::budget(text);
    let deadline = extract::deadline(text, now);
    let score =
        base + if location.is_some() {
            LOCATION_WEIGHT
        } else {
            0.0
        } + if budget_usd.is_some() {
            BUDGET_WEIGHT
        } else {
            0.0
        } + if deadline.is_some() {
            DEADLINE_WEIGHT
        } else {
            0.0
        };
    if score < THRESHOLD {
        return None;
    }
    let task_type = best.map_or(TaskType::Other, |i| TaskType::ALL[i]);
    Some(Detection {
        task_type,
        title: title(text, action_start(text, task_type, &matched)),
        location,
        budget_usd,
        deadline,
        confidence: (score / FULL_CONFIDENCE_SCORE).clamp(0.0, 1.0),
    })
}

fn type_index(task_type: TaskType) -> usize {
    TaskType::ALL
        .iter()
        .position(|t| *t == task_type)
        .unwrap_or(TaskType::ALL.len() - 1)
}

/// Where the earliest matched action phrase of `task_type` starts.
fn action_start(text: &str, task_type: TaskType, matched: &regex::SetMatches) -> Option<usize> {
    matched
        .iter()
        .filter(|&i| RULES[i].signal == Signal::Action(task_type))
        .filter_map(|i| COMPILED.each[i].find(text).map(|m| m.start()))
        .min()
}

/// Words before an action that name who should do it: "need someone to | pick up …".
static ASKS_SOMEONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(?:{PEOPLE}|I can't|I cannot|I can not|in-person|site visit)\b"
    ))
    .expect("title pattern")
});

/// Lead-ins that are not part of the task: "Please", "Blocked:", "Task for a human:".
static LEAD_IN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:(?:please|kindly|urgent|blocked|ok|okay)\b[:,!]?\s*)+")
        .expect("lead-in pattern")
});

/// A title from the clause that holds the action: from the action itself when a person was
/// asked for just before it ("I need someone to pick up X" → "Pick up X"), else the whole
/// clause; capitalised and cut to [`MAX_TITLE_CHARS`] at a word boundary.
fn title(text: &str, action: Option<usize>) -> String {
    let at = action.unwrap_or(0);
    // The clause runs between sentence ends, colons and semicolons.
    let is_break = |(i, c): &(usize, char)| {
        matches!(c, '\n' | ':' | ';')
            || (matches!(c, '.' | '!' | '?')
                && text[i + c.len_utf8()..]
                    .chars()
                    .next()
                    .is_none_or(char::is_whitespace))
    };
    let start = text[..at]
        .char_indices()
        .rev()
        .find(is_break)
        .map_or(0, |(i, c)| i + c.len_utf8());
    let end = text[at..]
        .char_indices()
        .find(is_break)
        .map_or(text.len(), |(i, _)| at + i);
    let clause = &text[start..end];
    let clause = match action {
        Some(at) if ASKS_SOMEONE.is_match(&text[start..at]) => &text[at..end],
        _ => clause,
    };
    let clause = clause.trim();
    let clause = LEAD_IN
        .find(clause)
        .map_or(clause, |m| &clause[m.end()..])
        .trim_end_matches(|c: char| c.is_ascii_punctuation() && c != ')');
    shorten(&capitalise(clause), MAX_TITLE_CHARS)
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `s` cut to at most `max` characters, at a word boundary, with an ellipsis when cut.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let cut: String = s.chars().take(max - 1).collect();
    let cut = cut
        .rfind(char::is_whitespace)
        .map_or(cut.as_str(), |i| &cut[..i])
        .trim_end_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace());
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
    }

    #[test]
    fn every_rule_matches_its_example_and_gate_rules_pass_the_gate() {
        for (i, rule) in RULES.iter().enumerate() {
            assert!(
                COMPILED.each[i].is_match(rule.example),
                "rule {i} ({}) does not match its example {:?}",
                rule.pattern,
                rule.example
            );
            if matches!(rule.signal, Actor | Physical) {
                assert!(
                    COMPILED.gate.is_match(rule.example),
                    "rule {i} is gated out"
                );
            }
        }
    }

    #[test]
    fn a_pickup_request_is_read_whole() {
        let found = detect(
            "I need someone to pick up the signed contract from 221B Baker Street, London by Friday. Budget $45.",
            now(),
        )
        .expect("a person is needed");
        assert_eq!(found.task_type, TaskType::Pickup);
        assert_eq!(
            found.title,
            "Pick up the signed contract from 221B Baker Street, London by Friday"
        );
        assert_eq!(
            found.location,
            Some(Location::Address("221B Baker Street, London".to_owned()))
        );
        assert_eq!(found.budget_usd, Some("45".parse().unwrap()));
        assert_eq!(
            found.deadline,
            Some(Utc.with_ymd_and_hms(2026, 11, 27, 23, 59, 59).unwrap())
        );
        assert!((0.5..=1.0).contains(&found.confidence));
    }

    #[test]
    fn software_verification_and_inspection_need_no_one() {
        for text in [
            "Can someone verify the signature of the webhook?",
            "Need a person to inspect the JSON schema for the missing field.",
            "I'll attend to the error in the parser first.",
            "No human needed: the courier pickup was booked through the API.",
            "Called search tool, 12 results",
            "",
        ] {
            assert_eq!(detect(text, now()), None, "{text:?}");
        }
    }

    #[test]
    fn the_type_follows_the_action() {
        let cases = [
            (
                "Need someone on site to inspect the roof for leaks.",
                TaskType::Inspection,
            ),
            (
                "Can a person attend the hearing on Monday?",
                TaskType::Attendance,
            ),
            (
                "Need a human to confirm in person that the shop is open.",
                TaskType::Verification,
            ),
            (
                "Someone must water the plants at the office.",
                TaskType::Other,
            ),
        ];
        for (text, expected) in cases {
            let found = detect(text, now()).unwrap_or_else(|| panic!("{text:?} needs a person"));
            assert_eq!(found.task_type, expected, "{text:?}");
        }
    }

    #[test]
    fn titles_are_short_and_start_with_the_task() {
        let long = format!(
            "Need a human to collect {} from the depot.",
            "the spare parts and the tools ".repeat(10)
        );
        let found = detect(&long, now()).expect("a person is needed");
        assert!(found.title.chars().count() <= MAX_TITLE_CHARS);
        assert!(
            found.title.starts_with("Collect the spare parts"),
            "{}",
            found.title
        );
        assert!(found.title.ends_with('…'));
    }
}
