//! Pulls the details of a physical task out of free text: where (coordinates or a street
//! address), how much (a dollar budget) and by when (an absolute or relative deadline).
//! Each extractor is independent and returns `None` when the text does not say; they run
//! only after the rules decided that a person is needed, so they may be thorough.

use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use entity::Usd;
use regex::Regex;
use rust_decimal::Decimal;

use super::rules::Location;

/// Compiles one of this module's constant patterns.
fn compile(pattern: &str) -> Regex {
    // The patterns are constants exercised by the tests: failing here is a bug.
    Regex::new(pattern).expect("extractor pattern")
}

/// "lat 40.7 lng -74.0", "latitude: 40.7, longitude: -74.0".
static LABELLED_POINT: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)\blat(?:itude)?\s*[:=]?\s*(-?\d{1,2}(?:\.\d+)?)\s*[,;/]?\s*(?:lng|lon|long|longitude)\s*[:=]?\s*(-?\d{1,3}(?:\.\d+)?)\b",
    )
});

/// "40.7128, -74.0060": two decimals with at least two places each, so that amounts and
/// version numbers ("3.5, 4.0") do not read as places. Not after `$` or another digit.
static BARE_POINT: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?:^|[^\w.$-])(-?\d{1,2}\.\d{2,})\s*,\s*(-?\d{1,3}\.\d{2,})\b"));

/// A street address: a house number ("221B"), one to five capitalised name words, a street
/// kind ("Street", "St", "Ave"…), an optional direction ("W"), then up to three
/// comma-separated capitalised parts (city, "IL 62701", "ON M5H 2M5"). Case-sensitive on
/// purpose: capitals are what separate "12 Oak Lane, Austin" from "3 boxes of flyers".
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    compile(concat!(
        r"\b\d{1,6}[A-Z]?(?:\s+(?:[A-Z][A-Za-z'-]*|\d+(?:st|nd|rd|th))){1,5}?",
        r"\s+(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Boulevard|Blvd|Drive|Dr|Way|Place|Pl",
        r"|Terrace|Ter|Parkway|Pkwy|Court|Ct|Square|Sq|Highway|Hwy|Circle|Cir|Row|Close",
        r"|Crescent|Walk|Plaza|Alley)\b",
        r"(?:\s+[NSEW]{1,2}\b)?",
        r"(?:,\s*[A-Z][A-Za-z'-]*(?:\s+[A-Z0-9][A-Za-z0-9'-]*)*){0,3}",
    ))
});

/// Where the task is: coordinates when given (exact), else a street address.
pub fn location(text: &str) -> Option<Location> {
    point(text).or_else(|| {
        ADDRESS
            .find(text)
            .map(|m| Location::Address(m.as_str().to_owned()))
    })
}

fn point(text: &str) -> Option<Location> {
    let captures = LABELLED_POINT
        .captures_iter(text)
        .chain(BARE_POINT.captures_iter(text));
    captures
        .filter_map(|c| Some((c[1].parse::<f64>().ok()?, c[2].parse::<f64>().ok()?)))
        .find(|&(lat, lng)| valid_point(lat, lng))
        .map(|(lat, lng)| Location::Point { lat, lng })
}

/// Whether a latitude/longitude pair is a place on Earth.
pub fn valid_point(lat: f64, lng: f64) -> bool {
    lat.is_finite()
        && lng.is_finite()
        && (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lng)
}

/// "$45", "$ 1,250.50", "120 USD", "80 dollars".
static AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
    compile(concat!(
        r"(?i)\$\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?\b",
        r"|\b(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?\s*(?:USD|US dollars|dollars|bucks)\b",
    ))
});

/// Words just before an amount that make it the budget ("budget of $120", "up to $60").
const BUDGET_BEFORE: &[&str] = &[
    "budget",
    "pay",
    "up to",
    "offer",
    "reward",
    "fee",
    "max",
    "compensation",
    "tip",
];
/// Words just after an amount that make it the budget ("$50 budget").
const BUDGET_AFTER: &[&str] = &["budget", "fee", "reward", "max", "for the task", "for this"];
/// Words just before an amount that make it something else: a price, a payment, a balance.
const NOT_BUDGET_BEFORE: &[&str] = &[
    "payment of",
    "price",
    "cost",
    "starts at",
    "priced",
    "worth",
    "valued",
    "spend",
    "refund",
    "charge",
    "balance",
    "invoice",
    "paid",
];

/// The budget: the first amount the text marks as one ("budget $45", "up to $60"), else the
/// first amount that is not marked as something else (a price, a payment).
pub fn budget(text: &str) -> Option<Usd> {
    let mut fallback = None;
    let mut previous_end = 0;
    for captures in AMOUNT.captures_iter(text) {
        let whole = captures.get(0)?;
        // The words before an amount belong to it only back to the previous amount or the
        // clause's start: in "costs $300; pay up to $40", "costs" is not about $40.
        let before = &text[previous_end..whole.start()];
        let before = before
            .rfind([';', '.', '!', '?', '\n'])
            .map_or(before, |i| &before[i + 1..]);
        let before = tail(before, 24).to_lowercase();
        previous_end = whole.end();
        let after = head(&text[whole.end()..], 16).to_lowercase();
        let digits = captures.get(1).or_else(|| captures.get(3))?.as_str();
        let cents = captures
            .get(2)
            .or_else(|| captures.get(4))
            .map_or("", |m| m.as_str());
        let Some(amount) = parse_amount(digits, cents) else {
            continue;
        };
        // "payment of" contains "pay": what the amount is not wins over what it may be.
        if NOT_BUDGET_BEFORE.iter().any(|cue| before.contains(cue)) {
            continue;
        }
        if BUDGET_BEFORE.iter().any(|cue| before.contains(cue))
            || BUDGET_AFTER.iter().any(|cue| after.contains(cue))
        {
            return Some(amount);
        }
        fallback = fallback.or(Some(amount));
    }
    fallback
}

fn parse_amount(digits: &str, cents: &str) -> Option<Usd> {
    let text = format!("{}{cents}", digits.replace(',', ""));
    Usd::new(Decimal::from_str_exact(&text).ok()?).ok()
}

/// The last `n` characters of `s`.
fn tail(s: &str, n: usize) -> &str {
    let start = s.char_indices().rev().nth(n - 1).map_or(0, |(i, _)| i);
    &s[start..]
}

/// The first `n` characters of `s`.
fn head(s: &str, n: usize) -> &str {
    let end = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
    &s[..end]
}

/// "2026-12-01", "2026-12-01 17:00", "2026-12-01T17:00".
static ISO_DATE: LazyLock<Regex> =
    LazyLock::new(|| compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2}))?"));

/// "within 2 hours", "in the next 3 days", "within an hour".
static WITHIN: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)\b(?:within|in the next|in)\s+(\d{1,4}|an?|one)\s*(minutes?|mins?|hours?|hrs?|days?|weeks?)\b",
    )
});

/// "today", "tomorrow", "Friday", "end of day".
static DAY: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)\b(today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|end of (?:the )?day|eod)\b",
    )
});

/// "6pm", "11:30 am", "17:00".
static CLOCK: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"(?i)\b(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b|\b([01]?\d|2[0-3]):([0-5]\d)\b")
});

/// "by 6pm", "before 17:00": a time of day without a day.
static BY_CLOCK: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?i)\b(?:by|before|until|no later than)\s+$"));

/// The deadline, in UTC (the text carries no time zone, so times of day are read as UTC):
/// an ISO date (end of that day unless a time follows), "within N hours/days", a named day
/// ("by tomorrow", "on Friday": the next such day, today included, at the time of day the
/// text gives or else at its end), or "by 6pm" alone (today, or tomorrow if that has passed).
pub fn deadline(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    iso_deadline(text)
        .or_else(|| within_deadline(text, now))
        .or_else(|| day_deadline(text, now))
        .or_else(|| clock_deadline(text, now))
}

fn iso_deadline(text: &str) -> Option<DateTime<Utc>> {
    ISO_DATE.captures_iter(text).find_map(|c| {
        let date =
            NaiveDate::from_ymd_opt(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)?;
        let time = match (c.get(4), c.get(5)) {
            (Some(h), Some(m)) => {
                NaiveTime::from_hms_opt(h.as_str().parse().ok()?, m.as_str().parse().ok()?, 0)?
            }
            _ => end_of_day(),
        };
        Some(date.and_time(time).and_utc())
    })
}

fn within_deadline(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let c = WITHIN.captures(text)?;
    let n: i64 = match c[1].to_lowercase().as_str() {
        "a" | "an" | "one" => 1,
        digits => digits.parse().ok()?,
    };
    let unit = c[2].to_lowercase();
    let delta = if unit.starts_with("min") {
        TimeDelta::try_minutes(n)
    } else if unit.starts_with('h') {
        TimeDelta::try_hours(n)
    } else if unit.starts_with('d') {
        TimeDelta::try_days(n)
    } else {
        TimeDelta::try_weeks(n)
    }?;
    now.checked_add_signed(delta)
}

fn day_deadline(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let word = DAY.captures(text)?[1].to_lowercase();
    let today = now.date_naive();
    let date = match word.as_str() {
        "today" | "tonight" | "eod" => today,
        w if w.starts_with("end of") => today,
        "tomorrow" => today.checked_add_days(Days::new(1))?,
        weekday => {
            let target: Weekday = weekday.parse().ok()?;
            let ahead =
                (7 + target.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
            today.checked_add_days(Days::new(u64::from(ahead)))?
        }
    };
    let time = first_clock(text).unwrap_or_else(end_of_day);
    Some(date.and_time(time).and_utc())
}

fn clock_deadline(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let m = CLOCK
        .find_iter(text)
        .find(|m| BY_CLOCK.is_match(&text[..m.start()]))?;
    let time = clock(m.as_str())?;
    let today = now.date_naive().and_time(time).and_utc();
    if today > now {
        Some(today)
    } else {
        today.checked_add_signed(TimeDelta::days(1))
    }
}

/// The first time of day in `text` ("11am" in "between 9 and 11am on Friday": the end of
/// the window).
fn first_clock(text: &str) -> Option<NaiveTime> {
    CLOCK.find_iter(text).find_map(|m| clock(m.as_str()))
}

fn clock(s: &str) -> Option<NaiveTime> {
    let c = CLOCK.captures(s)?;
    if let Some(hour) = c.get(1) {
        let hour: u32 = hour.as_str().parse().ok()?;
        let minute: u32 = c.get(2).map_or(Some(0), |m| m.as_str().parse().ok())?;
        if !(1..=12).contains(&hour) {
            return None;
        }
        let pm = c[3].eq_ignore_ascii_case("pm");
        let hour = match (hour, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h + 12,
            (h, false) => h,
        };
        NaiveTime::from_hms_opt(hour, minute, 0)
    } else {
        NaiveTime::from_hms_opt(c[4].parse().ok()?, c[5].parse().ok()?, 0)
    }
}

fn end_of_day() -> NaiveTime {
    NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn usd(s: &str) -> Option<Usd> {
        Some(s.parse().unwrap())
    }

    /// Wednesday 2026-11-25, noon UTC.
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
    }

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<DateTime<Utc>> {
        Some(Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap())
    }

    #[test]
    fn budgets_in_the_usual_spellings() {
        assert_eq!(budget("Budget $45."), usd("45"));
        assert_eq!(budget("with a budget of 120 USD"), usd("120"));
        assert_eq!(budget("up to $1,250.50 including parts"), usd("1250.50"));
        assert_eq!(budget("$50 budget for the cake"), usd("50"));
        assert_eq!(budget("pay 80 dollars"), usd("80"));
        assert_eq!(budget("no money mentioned"), None);
    }

    #[test]
    fn a_price_or_payment_is_not_the_budget_but_a_marked_budget_beats_it() {
        assert_eq!(budget("before we release the payment of $2,400."), None);
        assert_eq!(
            budget("the part costs $300; pay up to $40 for the pickup"),
            usd("40")
        );
    }

    #[test]
    fn coordinates_are_read_and_range_checked() {
        assert_eq!(
            location("at 40.7128, -74.0060 please"),
            Some(Location::Point {
                lat: 40.7128,
                lng: -74.006
            })
        );
        assert_eq!(
            location("station (lat 51.5074 lng -0.1278)"),
            Some(Location::Point {
                lat: 51.5074,
                lng: -0.1278
            })
        );
        assert_eq!(location("latitude: 95.5, longitude: 10.0"), None);
        assert_eq!(location("lat 45.0 lng -190.0"), None);
        // Prices and versions are not places.
        assert_eq!(location("costs $12.50, 13.75 with tax"), None);
    }

    #[test]
    fn street_addresses_end_where_the_address_ends() {
        let address = |t| match location(t) {
            Some(Location::Address(a)) => Some(a),
            _ => None,
        };
        assert_eq!(
            address("pick up the contract at 221B Baker Street, London by Friday.").as_deref(),
            Some("221B Baker Street, London")
        );
        assert_eq!(
            address("collect it at 123 Main St, Springfield, IL 62701 and drop it off").as_deref(),
            Some("123 Main St, Springfield, IL 62701")
        );
        assert_eq!(
            address("the storefront at 45 Queen St W, Toronto, ON M5H 2M5 is open").as_deref(),
            Some("45 Queen St W, Toronto, ON M5H 2M5")
        );
        assert_eq!(
            address("exists: 742 Evergreen Terrace, Springfield, OR 97477. The geocoder")
                .as_deref(),
            Some("742 Evergreen Terrace, Springfield, OR 97477")
        );
        assert_eq!(address("pick up 3 boxes of flyers from the shop"), None);
    }

    #[test]
    fn absolute_deadlines() {
        assert_eq!(
            deadline("by 2026-12-01 17:00", now()),
            at(2026, 12, 1, 17, 0, 0)
        );
        assert_eq!(
            deadline("on 2026-12-03", now()),
            at(2026, 12, 3, 23, 59, 59)
        );
    }

    #[test]
    fn relative_deadlines_count_from_now() {
        assert_eq!(
            deadline("within 2 hours", now()),
            at(2026, 11, 25, 14, 0, 0)
        );
        assert_eq!(
            deadline("within an hour", now()),
            at(2026, 11, 25, 13, 0, 0)
        );
        assert_eq!(
            deadline("in the next 3 days", now()),
            at(2026, 11, 28, 12, 0, 0)
        );
        assert_eq!(deadline("by tomorrow", now()), at(2026, 11, 26, 23, 59, 59));
        assert_eq!(
            deadline("at 7pm tomorrow", now()),
            at(2026, 11, 26, 19, 0, 0)
        );
        assert_eq!(
            deadline("before 6pm today", now()),
            at(2026, 11, 25, 18, 0, 0)
        );
        // Now is a Wednesday: Friday is in two days, Monday next week, Wednesday today.
        assert_eq!(deadline("by Friday", now()), at(2026, 11, 27, 23, 59, 59));
        assert_eq!(
            deadline("on Monday morning", now()),
            at(2026, 11, 30, 23, 59, 59)
        );
        assert_eq!(
            deadline("by Wednesday", now()),
            at(2026, 11, 25, 23, 59, 59)
        );
        assert_eq!(
            deadline("between 9 and 11am on Friday", now()),
            at(2026, 11, 27, 11, 0, 0)
        );
    }

    #[test]
    fn a_bare_time_of_day_is_the_next_one() {
        assert_eq!(deadline("before 6pm.", now()), at(2026, 11, 25, 18, 0, 0));
        assert_eq!(deadline("by 9:30 am", now()), at(2026, 11, 26, 9, 30, 0));
        assert_eq!(deadline("restarted 3 times", now()), None);
    }
}
