//! Wasm-safe domain vocabulary: enums, typed ids and money.

mod enums;
mod ids;
mod money;

pub use enums::*;
pub use ids::*;
pub use money::{MoneyError, SCALE as MONEY_SCALE, Usd};
