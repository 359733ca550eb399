//! Each rule catches its kind, leaves look-alikes (UUIDs, timestamps, epoch numbers,
//! decimals, addresses, versions) alone, and organization settings turn rules off and add
//! patterns.

use serde_json::json;

use super::redactor::{Redactor, RuleCounts};
use super::settings::{ExtraPattern, RedactionSettings};

fn default_redactor() -> Redactor {
    Redactor::new(&RedactionSettings::default())
}

/// `text` after redaction with every built-in rule, and the counts.
fn redact(text: &str) -> (String, RuleCounts) {
    let mut counts = RuleCounts::default();
    let out = default_redactor()
        .redact_text(text, &mut counts)
        .unwrap_or_else(|| text.to_owned());
    (out, counts)
}

/// Asserts that each sample in `samples` is redacted whole as `rule`, inside a sentence.
fn assert_redacted(rule: &str, samples: &[&str]) {
    for sample in samples {
        let (out, counts) = redact(&format!("before {sample} after"));
        assert_eq!(
            out,
            format!("before [REDACTED:{rule}] after"),
            "{sample} should be redacted as {rule}"
        );
        assert_eq!(counts.get(rule), 1, "{sample}");
        assert_eq!(counts.total(), 1, "{sample}: {counts:?}");
    }
}

/// Asserts that no built-in rule touches any of `samples`, alone or in a sentence.
fn assert_untouched(samples: &[&str]) {
    for sample in samples {
        for text in [(*sample).to_owned(), format!("value: {sample}, next")] {
            let (out, counts) = redact(&text);
            assert_eq!(out, text, "false positive: {counts:?}");
        }
    }
}

#[test]
fn emails_are_redacted() {
    assert_redacted(
        "EMAIL",
        &[
            "jane.doe@example.com",
            "j+tag@mail.example.co.uk",
            "OPS_TEAM-1@sub-domain.example.io",
        ],
    );
}

#[test]
fn phone_numbers_are_redacted_in_international_and_national_formats() {
    assert_redacted(
        "PHONE",
        &[
            "+1 415 555 2671",
            "+1-415-555-2671",
            "+1 (415) 555-2671",
            "+44 20 7946 0958",
            "+4915112345678",
            "+33 1 23 45 67 89",
            "(415) 555-2671",
            "415-555-2671",
            "415.555.2671",
            "415 555 2671",
            "020 7946 0958",
            "06 12 34 56 78",
            "030-12345678",
            "0044 20 7946 0958",
        ],
    );
}

#[test]
fn card_numbers_are_redacted_when_luhn_valid() {
    assert_redacted(
        "CARD",
        &[
            "4111111111111111",
            "4111 1111 1111 1111",
            "5555-5555-5555-4444",
            "3782 822463 10005",
            "6011000990139424",
            "4222222222222",
        ],
    );
}

#[test]
fn card_numbers_failing_luhn_or_of_no_brand_are_kept() {
    assert_untouched(&[
        "4111111111111112",
        "4111 1111 1111 1112",
        "5555-5555-5555-4445",
        // Luhn-valid, but no brand issues 16 digits starting with 1 (an epoch in µs).
        "1234567812345670",
    ]);
}

#[test]
fn ibans_are_redacted_when_their_check_digits_are_right() {
    assert_redacted(
        "IBAN",
        &[
            "DE89370400440532013000",
            "DE89 3704 0044 0532 0130 00",
            "GB82 WEST 1234 5698 7654 32",
            "NL91ABNA0417164300",
            "FR14 2004 1010 0505 0001 3M02 606",
        ],
    );
    // A following four-letter word is not taken for a last group.
    let (out, _) = redact("pay BE68 5390 0754 7034 THEN stop");
    assert_eq!(out, "pay [REDACTED:IBAN] THEN stop");
}

#[test]
fn ibans_with_wrong_check_digits_are_kept() {
    assert_untouched(&[
        "DE88370400440532013000",
        "GB82 WEST 1234 5698 7654 33",
        "NL92ABNA0417164300",
    ]);
}

#[test]
fn provider_secrets_are_redacted() {
    assert_redacted(
        "SECRET",
        &[
            "sk-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL",
            "sk-proj-Ab3dEf6hIj9kLmN0pQrStUvWxYz_1234567890-abcdEFGH",
            "sk-ant-api03-Abc123Def456Ghi789Jkl012Mno345Pqr678Stu901-Vwx_yz",
            "AKIAIOSFODNN7EXAMPLE",
            "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
            "gho_16C7e42F292c6912E7710c838347Ae178B4a",
            "ghs_16C7e42F292c6912E7710c838347Ae178B4a",
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUV",
            "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
            "xoxp-123456789012-123456789012-123456789012-abcdef0123456789abcdef0123456789",
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "rk_live_51H8abcDEFghiJKLmnoPQRstu",
            "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
        ],
    );
    // Our own keys, as they are really made.
    assert_redacted("SECRET", &[&crate::auth::api_keys::generate().secret]);
}

#[test]
fn only_the_token_of_a_bearer_header_is_replaced() {
    let (out, counts) = redact("Authorization: Bearer abcDEF0123456789ghiJKL.mno-pqr");
    assert_eq!(out, "Authorization: Bearer [REDACTED:SECRET]");
    assert_eq!(counts.get("SECRET"), 1);
    // Words after "bearer" are not tokens.
    assert_untouched(&[
        "the bearer authentication-is-required",
        "sk-learn-tutorial-for-beginners",
    ]);
}

#[test]
fn jwts_are_redacted_whole() {
    let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    assert_redacted("JWT", &[jwt]);
    let (out, counts) = redact(&format!("Authorization: Bearer {jwt}"));
    assert_eq!(out, "Authorization: Bearer [REDACTED:JWT]");
    assert_eq!(counts.total(), 1, "one value, redacted once");
}

#[test]
fn private_key_blocks_are_redacted_whole() {
    let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB\naFDrBz9vFqU4yQ== admin@example.com\n-----END RSA PRIVATE KEY-----";
    assert_redacted("PRIVATE_KEY", &[key]);
    assert_redacted(
        "PRIVATE_KEY",
        &[
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----",
        ],
    );
    // A block cut short is redacted to the end of the text.
    let (out, _) = redact("key: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC");
    assert_eq!(out, "key: [REDACTED:PRIVATE_KEY]");
}

#[test]
fn uuids_timestamps_numbers_and_addresses_are_never_redacted() {
    assert_untouched(&[
        // UUIDs v4 and v7, one of them all digits.
        "f47ac10b-58cc-4372-a567-0e02b2c3d479",
        "0190f3c4-5b6a-7c8d-9e0f-123456789abc",
        "01932c07-2a4e-7d8f-9b1c-3e5f7a9b2c4d",
        "12345678-1234-4123-8123-123456789012",
        // RFC 3339 / ISO 8601 timestamps and dates.
        "2026-11-25T10:00:00Z",
        "2026-11-25T10:00:00.123456+05:30",
        "2026-11-25 10:00:00.000-08:00",
        "2026-01-05T00:00:00+0000",
        "Tue, 25 Nov 2026 10:00:00 +0000",
        "2026/11/25",
        // Epoch seconds, milliseconds, microseconds, nanoseconds; token counts.
        "1795600000",
        "1795600000000",
        "1795600000123456",
        "1795600000123456789",
        "input_tokens=1200000 output_tokens=345678",
        // Decimal costs and amounts.
        "0.000123456789",
        "0.4111111111111111",
        "1234.5678",
        "$4,111,111,111.11",
        // Addresses and versions.
        "192.168.100.200",
        "10.0.0.1:8080",
        "2001:db8:85a3::8a2e:370:7334",
        "1.2.3",
        "10.0.19045.2965",
        "v2024.11.25",
        // Hashes and hex.
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ]);
}

#[test]
fn json_string_values_are_redacted_at_any_depth_and_keys_stay() {
    let mut payload = json!({
        "jane@example.com": "key stays",
        "args": { "to": ["bob@example.com", { "cc": "carol@example.com" }], "n": 4111111111111111_u64 },
        "note": "card 4111 1111 1111 1111, call +1 415 555 2671",
        "ok": true,
    });
    let mut counts = RuleCounts::default();
    default_redactor().redact_json(&mut payload, &mut counts);
    assert_eq!(
        payload,
        json!({
            "jane@example.com": "key stays",
            "args": { "to": ["[REDACTED:EMAIL]", { "cc": "[REDACTED:EMAIL]" }], "n": 4111111111111111_u64 },
            "note": "card [REDACTED:CARD], call [REDACTED:PHONE]",
            "ok": true,
        })
    );
    assert_eq!(
        (counts.get("EMAIL"), counts.get("CARD"), counts.get("PHONE")),
        (2, 1, 1)
    );
}

#[test]
fn a_disabled_rule_keeps_its_matches_and_extra_patterns_apply() {
    let settings = RedactionSettings {
        disabled_rules: vec!["PHONE".to_owned()],
        extra_patterns: vec![
            ExtraPattern {
                name: "EMPLOYEE_ID".to_owned(),
                pattern: r"EMP-\d{6}".to_owned(),
            },
            ExtraPattern {
                name: "CASE_TOKEN".to_owned(),
                pattern: r"case=(?P<secret>[a-z]+)".to_owned(),
            },
        ],
    };
    let mut counts = RuleCounts::default();
    let out = Redactor::new(&settings).redact_text(
        "EMP-123456 called +1 415 555 2671 from jane@example.com about case=alpha",
        &mut counts,
    );
    assert_eq!(
        out.as_deref(),
        Some(
            "[REDACTED:EMPLOYEE_ID] called +1 415 555 2671 from [REDACTED:EMAIL] about case=[REDACTED:CASE_TOKEN]"
        )
    );
    assert_eq!(counts.get("EMPLOYEE_ID"), 1);
    assert_eq!(counts.get("PHONE"), 0);
    assert_eq!(counts.total(), 3);
}

#[test]
fn hostile_text_is_searched_in_linear_time() {
    // Thousands of overlapping secret-like candidates, each rejected (no digit, no capital).
    let text = "sk-a-".repeat(100_000);
    let started = std::time::Instant::now();
    let (out, counts) = redact(&text);
    assert_eq!(out, text);
    assert_eq!(counts.total(), 0);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}
