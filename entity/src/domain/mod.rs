//! Wasm-safe domain vocabulary: enums, typed ids, money, and the task lifecycle.

mod enums;
mod ids;
pub mod lifecycle;
mod money;

pub use enums::*;
pub use ids::*;
pub use money::{MoneyError, SCALE as MONEY_SCALE, Usd};
