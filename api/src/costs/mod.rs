//! What activities cost: a price table per model (shipped with the major providers' list
//! prices, overridable per organization), applied at ingest, and shown as `modelPrices`.

pub mod graphql;
pub mod prices;
pub mod rest;

use entity::agent_activity;

/// Sets an activity's cost: a cost the agent supplied wins; otherwise its tokens at its
/// model's price (the organization's override, else the shipped table, as of the activity's
/// time); otherwise, when it names a model or counts tokens, it is marked `unpriced`, never
/// priced at $0.
pub fn price(settings: &serde_json::Value, activity: &mut agent_activity::Model) {
    activity.unpriced = false;
    if activity.cost_usd.is_some() {
        return;
    }
    let tokens = crate::activities::service::TokenCounts {
        input: activity.input_tokens,
        output: activity.output_tokens,
        cache_read: activity.cache_read_tokens,
        cache_write: activity.cache_write_tokens,
        reasoning: activity.reasoning_tokens,
    };
    let has_tokens = [
        tokens.input,
        tokens.output,
        tokens.cache_read,
        tokens.cache_write,
        tokens.reasoning,
    ]
    .iter()
    .any(Option::is_some);
    let computed = activity
        .model
        .as_deref()
        .and_then(|model| prices::price_for(settings, model, activity.timestamp))
        .filter(|_| has_tokens)
        .and_then(|price| prices::cost(&price, &tokens));
    match computed {
        Some(cost) => activity.cost_usd = Some(cost),
        None => activity.unpriced = activity.model.is_some() || has_tokens,
    }
}
