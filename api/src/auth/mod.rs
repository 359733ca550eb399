//! Who is calling: sign-up, log-in, access tokens, API keys, and the [`Viewer`] that every
//! resolver and REST handler receives once per transport.

pub mod api_keys;
pub mod graphql;
pub mod jwt;
pub mod keys_rest;
pub mod oauth;
pub mod oauth_rest;
pub mod password;
pub mod refresh;
pub mod rest;
pub mod roles;
pub mod secrets;
pub mod service;
pub mod viewer;

pub use viewer::{Principal, Viewer};
