//! One module per route: the login form, the overview, and the not-found view.

pub mod login;
pub mod not_found;
pub mod overview;
