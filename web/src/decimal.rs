//! Checking decimals typed into forms (prices, thresholds) without parsing them into floats,
//! which would add the float parser to the .wasm: the API takes them as strings anyway.

/// A non-negative decimal: `3`, `0.25`, `.5`, `2.`.
pub fn is_decimal(s: &str) -> bool {
    let (whole, frac) = split(s);
    !(whole.is_empty() && frac.is_empty())
        && whole
            .chars()
            .chain(frac.chars())
            .all(|c| c.is_ascii_digit())
}

/// A non-negative decimal no greater than 1 (a fraction).
pub fn is_fraction(s: &str) -> bool {
    let (whole, frac) = split(s);
    is_decimal(s)
        && (whole.trim_start_matches('0').is_empty()
            || (whole.trim_start_matches('0') == "1" && frac.chars().all(|c| c == '0')))
}

fn split(s: &str) -> (&str, &str) {
    let s = s.trim();
    s.split_once('.').unwrap_or((s, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_digits_with_at_most_one_point() {
        for ok in ["3", "0.25", " 15 ", ".5", "2."] {
            assert!(is_decimal(ok), "{ok}");
        }
        for bad in ["", "-1", "1e3", "abc", ".", "1.2.3"] {
            assert!(!is_decimal(bad), "{bad}");
        }
    }

    #[test]
    fn fractions_are_between_zero_and_one() {
        for ok in ["0", "0.2", ".05", "1", "1.00"] {
            assert!(is_fraction(ok), "{ok}");
        }
        for bad in ["1.5", "2", "10", "-0.1", "x"] {
            assert!(!is_fraction(bad), "{bad}");
        }
    }
}
