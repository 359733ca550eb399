//! Talking to the HumanAIOS server: typed operations ([`ops`]), queries and mutations over
//! HTTP ([`http`]), subscriptions over graphql-transport-ws ([`ws`]), and the one error type
//! the pages show ([`ApiError`]).

pub mod error;
pub mod http;
pub mod ops;
pub mod ws;

pub use error::ApiError;
