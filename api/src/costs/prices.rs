//! Model prices per million tokens, by token kind, with the date each price took effect.
//!
//! Conventions: `outputTokens` excludes `reasoningTokens`; reasoning tokens are billed at
//! the model's reasoning rate (the output rate for every model listed here).

use chrono::{DateTime, NaiveDate, Utc};
use entity::Usd;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::activities::service::TokenCounts;

/// USD per million tokens, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Price {
    pub input: Decimal,
    pub output: Decimal,
    #[serde(default)]
    pub cache_read: Option<Decimal>,
    #[serde(default)]
    pub cache_write: Option<Decimal>,
    #[serde(default)]
    pub reasoning: Option<Decimal>,
}

/// One row of the shipped table.
struct Listed {
    model: &'static str,
    effective_from: (i32, u32, u32),
    /// input, output, cache read, cache write (USD per million tokens).
    rates: (&'static str, &'static str, &'static str, &'static str),
}

/// List prices of the major providers' models.
const TABLE: &[Listed] = &[
    Listed {
        model: "claude-opus-4-1",
        effective_from: (2025, 8, 5),
        rates: ("15", "75", "1.50", "18.75"),
    },
    Listed {
        model: "claude-sonnet-4-5",
        effective_from: (2025, 9, 29),
        rates: ("3", "15", "0.30", "3.75"),
    },
    Listed {
        model: "claude-haiku-4-5",
        effective_from: (2025, 10, 15),
        rates: ("1", "5", "0.10", "1.25"),
    },
    Listed {
        model: "gpt-4.1",
        effective_from: (2025, 4, 14),
        rates: ("2", "8", "0.50", "0"),
    },
    Listed {
        model: "gpt-4.1-mini",
        effective_from: (2025, 4, 14),
        rates: ("0.40", "1.60", "0.10", "0"),
    },
    Listed {
        model: "gpt-4o",
        effective_from: (2024, 10, 1),
        rates: ("2.50", "10", "1.25", "0"),
    },
    Listed {
        model: "gpt-4o-mini",
        effective_from: (2024, 7, 18),
        rates: ("0.15", "0.60", "0.075", "0"),
    },
    Listed {
        model: "o3",
        effective_from: (2025, 6, 10),
        rates: ("2", "8", "0.50", "0"),
    },
    Listed {
        model: "o4-mini",
        effective_from: (2025, 4, 16),
        rates: ("1.10", "4.40", "0.275", "0"),
    },
    Listed {
        model: "gemini-2.5-pro",
        effective_from: (2025, 6, 17),
        rates: ("1.25", "10", "0.31", "0"),
    },
    Listed {
        model: "gemini-2.5-flash",
        effective_from: (2025, 6, 17),
        rates: ("0.30", "2.50", "0.075", "0"),
    },
];

/// The shipped price of `model` in force at `at`.
pub fn listed(model: &str, at: DateTime<Utc>) -> Option<Price> {
    listed_row(model, at).map(Listed::price)
}

/// The shipped row of `model` in force at `at`: the latest that took effect by then.
fn listed_row(model: &str, at: DateTime<Utc>) -> Option<&'static Listed> {
    let day = at.date_naive();
    TABLE
        .iter()
        .filter(|row| row.model == model)
        .filter(|row| row.effective_date().is_some_and(|from| from <= day))
        .max_by_key(|row| row.effective_from)
}

impl Listed {
    fn effective_date(&self) -> Option<NaiveDate> {
        let (y, m, d) = self.effective_from;
        NaiveDate::from_ymd_opt(y, m, d)
    }

    fn price(&self) -> Price {
        let rate = |s: &str| s.parse::<Decimal>().unwrap_or_default();
        let (input, output, cache_read, cache_write) = self.rates;
        Price {
            input: rate(input),
            output: rate(output),
            cache_read: Some(rate(cache_read)),
            cache_write: Some(rate(cache_write)),
            reasoning: Some(rate(output)),
        }
    }
}

/// The price of `model` for an organization: its own override from settings
/// (`{"prices": {"<model>": {"input": "3", "output": "15", …}}}`), else the shipped one.
pub fn price_for(settings: &serde_json::Value, model: &str, at: DateTime<Utc>) -> Option<Price> {
    settings
        .get("prices")
        .and_then(|prices| prices.get(model))
        .and_then(|price| serde_json::from_value::<Price>(price.clone()).ok())
        .or_else(|| listed(model, at))
}

/// Where a model's effective price comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PriceSource {
    /// The list price HumanAIOS ships.
    Listed,
    /// The organization's override in its settings.
    Organization,
}

/// A model's price as ingest applies it now, USD per million tokens by kind.
#[derive(Debug, Clone, PartialEq, serde::Serialize, async_graphql::SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct ModelPrice {
    pub model: String,
    pub source: PriceSource,
    /// When the listed price took effect (null for overrides).
    pub effective_from: Option<NaiveDate>,
    pub input: Decimal,
    pub output: Decimal,
    /// Null: billed at the input rate.
    pub cache_read: Option<Decimal>,
    /// Null: billed at the input rate.
    pub cache_write: Option<Decimal>,
    /// Null: billed at the output rate.
    pub reasoning: Option<Decimal>,
}

/// Every model's price in force at `at` for an organization with `settings`: the listed
/// models, with the organization's overrides (and its own models) in their place, by name.
pub fn effective(settings: &serde_json::Value, at: DateTime<Utc>) -> Vec<ModelPrice> {
    let mut models: Vec<&str> = TABLE.iter().map(|row| row.model).collect();
    let overrides = settings.get("prices").and_then(|p| p.as_object());
    models.extend(
        overrides
            .into_iter()
            .flat_map(|o| o.keys().map(String::as_str)),
    );
    models.sort_unstable();
    models.dedup();
    models
        .into_iter()
        .filter_map(|model| {
            let own = overrides
                .and_then(|o| o.get(model))
                .and_then(|price| serde_json::from_value::<Price>(price.clone()).ok());
            let (price, source, effective_from) = match own {
                Some(price) => (price, PriceSource::Organization, None),
                None => {
                    let row = listed_row(model, at)?;
                    (row.price(), PriceSource::Listed, row.effective_date())
                }
            };
            Some(ModelPrice {
                model: model.to_owned(),
                source,
                effective_from,
                input: price.input,
                output: price.output,
                cache_read: price.cache_read,
                cache_write: price.cache_write,
                reasoning: price.reasoning,
            })
        })
        .collect()
}

/// The cost of `tokens` at `price`: every kind at its own rate (cache and reasoning fall back
/// to the input and output rates when the price does not name them). `None` past the range
/// money can hold.
pub fn cost(price: &Price, tokens: &TokenCounts) -> Option<Usd> {
    let per_token = |rate: Decimal, count: Option<i64>| {
        rate.checked_mul(Decimal::from(count.unwrap_or(0)))
            .and_then(|total| total.checked_div(Decimal::from(1_000_000)))
    };
    let total = [
        per_token(price.input, tokens.input)?,
        per_token(price.output, tokens.output)?,
        per_token(price.cache_read.unwrap_or(price.input), tokens.cache_read)?,
        per_token(price.cache_write.unwrap_or(price.input), tokens.cache_write)?,
        per_token(price.reasoning.unwrap_or(price.output), tokens.reasoning)?,
    ]
    .into_iter()
    .try_fold(Decimal::ZERO, |sum, part| sum.checked_add(part))?;
    Usd::new(total.round_dp(entity::MONEY_SCALE)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(
        input: i64,
        output: i64,
        cache_read: i64,
        cache_write: i64,
        reasoning: i64,
    ) -> TokenCounts {
        TokenCounts {
            input: Some(input),
            output: Some(output),
            cache_read: Some(cache_read),
            cache_write: Some(cache_write),
            reasoning: Some(reasoning),
        }
    }

    #[test]
    fn every_token_kind_is_priced_at_its_own_rate() {
        let price = listed("claude-sonnet-4-5", Utc::now()).unwrap();
        // 1,000 in × $3 + 500 out × $15 + 2,000 cache read × $0.30 + 1,000 cache write × $3.75
        // + 100 reasoning × $15, per million.
        let usd = cost(&price, &tokens(1_000, 500, 2_000, 1_000, 100)).unwrap();
        assert_eq!(usd.to_string(), "0.01635");
    }

    #[test]
    fn prices_apply_from_their_date_and_overrides_win() {
        let before = "2025-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(
            listed("claude-sonnet-4-5", before),
            None,
            "not yet released"
        );
        assert_eq!(listed("no-such-model", Utc::now()), None);
        let settings = serde_json::json!({ "prices": { "claude-sonnet-4-5": { "input": "1", "output": "2" } } });
        let price = price_for(&settings, "claude-sonnet-4-5", Utc::now()).unwrap();
        assert_eq!(price.input, Decimal::ONE);
        let usd = cost(&price, &tokens(1_000_000, 0, 1_000_000, 0, 0)).unwrap();
        assert_eq!(
            usd.to_string(),
            "2",
            "cache reads fall back to the input rate"
        );
    }
}
