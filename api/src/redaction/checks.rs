//! What a regex cannot say about a candidate match: check digits (Luhn for cards, mod-97
//! for IBANs), card brand prefixes, and whether a number stands on its own rather than
//! being a piece of a UUID, a timestamp, a decimal or an address.
//!
//! Each check takes the whole text and the candidate's byte range, and answers the end of
//! what to redact (possibly shorter than the candidate), or `None` to leave it alone.

/// A check: given the text and a candidate's byte range, the end of what to redact.
pub type Check = fn(text: &str, start: usize, end: usize) -> Option<usize>;

/// Accepts every candidate as it is.
pub fn any(_text: &str, _start: usize, end: usize) -> Option<usize> {
    Some(end)
}

/// A secret: a whole word (not the middle of a longer identifier) that looks random, that
/// is, holds a digit or a capital letter, so `sk-learn-tutorial-for-beginners` and
/// `Bearer authentication-is-required` stay.
pub fn secret(text: &str, start: usize, end: usize) -> Option<usize> {
    let candidate = &text[start..end];
    let looks_random = candidate
        .chars()
        .any(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
    let whole_word = !char_before(text, start).is_some_and(is_word)
        && !char_after(text, end).is_some_and(is_word);
    (looks_random && whole_word).then_some(end)
}

/// A card number: 13 to 19 digits of a known brand whose Luhn check digit is right.
pub fn card(text: &str, start: usize, end: usize) -> Option<usize> {
    let digits = digits_of(&text[start..end]);
    (stands_alone(text, start, end) && known_card_brand(&digits) && luhn_valid(&digits))
        .then_some(end)
}

/// A phone number: 8 to 15 digits after a `+`, 9 to 15 in national formats (the E.164
/// limit), standing on its own.
pub fn phone(text: &str, start: usize, end: usize) -> Option<usize> {
    let candidate = &text[start..end];
    let digits = digits_of(candidate).len();
    let fewest = if candidate.starts_with('+') { 8 } else { 9 };
    ((fewest..=15).contains(&digits) && stands_alone(text, start, end)).then_some(end)
}

/// An IBAN whose mod-97 check passes. A candidate written in groups may have swallowed a
/// following four-character word (`… 7034 THEN`), so shorter ends at group breaks are tried
/// too.
pub fn iban(text: &str, start: usize, end: usize) -> Option<usize> {
    let candidate = &text[start..end];
    let group_breaks = candidate.rmatch_indices(' ').map(|(at, _)| start + at);
    std::iter::once(end)
        .chain(group_breaks)
        .find(|&end| !char_after(text, end).is_some_and(is_word) && iban_valid(&text[start..end]))
}

/// Whether `digits` pass the Luhn check.
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0;
    for (i, c) in digits.chars().rev().enumerate() {
        let Some(mut d) = c.to_digit(10) else {
            return false;
        };
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum % 10 == 0
}

/// Whether `candidate` (spaces allowed) is an IBAN: two letters, two check digits, then
/// letters and digits, 15 to 34 in all, with the ISO 13616 mod-97 remainder 1.
pub fn iban_valid(candidate: &str) -> bool {
    let compact: String = candidate.chars().filter(|c| *c != ' ').collect();
    let bytes = compact.as_bytes();
    let well_formed = (15..=34).contains(&bytes.len())
        && bytes[..2].iter().all(u8::is_ascii_uppercase)
        && bytes[2..4].iter().all(u8::is_ascii_digit)
        && bytes[4..]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !well_formed {
        return false;
    }
    // The country and check digits move to the end; letters count as 10..35.
    let rearranged = bytes[4..].iter().chain(&bytes[..4]);
    let remainder = rearranged.fold(0u32, |acc, &b| {
        let value = if b.is_ascii_digit() {
            u32::from(b - b'0')
        } else {
            u32::from(b - b'A') + 10
        };
        let shift = if value >= 10 { 100 } else { 10 };
        (acc * shift + value) % 97
    });
    remainder == 1
}

/// Whether `digits` (13 to 19 of them) start like a card of a brand that issues that
/// length. Besides cutting false positives by nine tenths, this keeps epoch milliseconds,
/// microseconds and nanoseconds (13, 16 and 19 digits starting with `1` until 2033) out.
fn known_card_brand(digits: &str) -> bool {
    let len = digits.len();
    let prefix = |n: usize| digits.get(..n).and_then(|p| p.parse::<u32>().ok());
    let (Some(p1), Some(p2), Some(p3), Some(p4)) = (prefix(1), prefix(2), prefix(3), prefix(4))
    else {
        return false;
    };
    let (visa, mastercard, amex, diners, jcb, other) = (
        p1 == 4 && matches!(len, 13 | 16 | 19),
        ((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && len == 16,
        matches!(p2, 34 | 37) && len == 15,
        ((300..=305).contains(&p3) || matches!(p2, 36 | 38 | 39)) && (14..=19).contains(&len),
        (3528..=3589).contains(&p4) && (16..=19).contains(&len),
        // Maestro, Discover, UnionPay and the other 5 and 6 ranges.
        matches!(p1, 5 | 6) && !(51..=55).contains(&p2) && (13..=19).contains(&len),
    );
    visa || mastercard || amex || diners || jcb || other
}

/// Whether the number at `start..end` is not part of something larger: no letter, digit or
/// underscore touches it, it does not continue a dotted, dashed or slashed sequence (a
/// decimal, a date, a UUID, a version, an address), and it is not followed by one.
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let joined_before =
        char_before(text, start).is_some_and(|c| is_word(c) || matches!(c, '.' | '-' | '+' | '/'));
    let mut after = text[end..].chars();
    let joined_after = match after.next() {
        Some(c) if is_word(c) => true,
        Some('.' | '-' | '/' | ':') => after.next().is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    };
    !joined_before && !joined_after
}

fn digits_of(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn char_before(text: &str, at: usize) -> Option<char> {
    text[..at].chars().next_back()
}

fn char_after(text: &str, at: usize) -> Option<char> {
    text[at..].chars().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_test_cards_and_refuses_one_digit_off() {
        for card in ["4111111111111111", "5555555555554444", "378282246310005"] {
            assert!(luhn_valid(card), "{card}");
        }
        for card in [
            "4111111111111112",
            "5555555555554445",
            "378282246310006",
            "",
        ] {
            assert!(!luhn_valid(card), "{card}");
        }
    }

    #[test]
    fn iban_check_digits_are_verified() {
        assert!(iban_valid("DE89370400440532013000"));
        assert!(iban_valid("GB82 WEST 1234 5698 7654 32"));
        assert!(!iban_valid("DE89370400440532013001"), "wrong account digit");
        assert!(!iban_valid("DE88370400440532013000"), "wrong check digits");
        assert!(!iban_valid("de89370400440532013000"), "lower case");
        assert!(!iban_valid("DE8937040044"), "too short");
    }

    #[test]
    fn epoch_timestamps_are_no_card_brand() {
        // Milliseconds, microseconds and nanoseconds around 2026.
        for number in ["1795600000000", "1795600000000000", "1795600000000000000"] {
            assert!(!known_card_brand(number), "{number}");
        }
        assert!(known_card_brand("4111111111111111"));
        assert!(!known_card_brand("4111111111"), "too short");
    }
}
