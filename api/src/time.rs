//! Timestamps as stored: UTC, truncated to microseconds, because PostgreSQL keeps
//! microseconds and SQLite keeps whatever it is given. Truncating once, here, makes both
//! backends return exactly what was written, so cursors built from timestamps round-trip.

use chrono::{DateTime, DurationRound as _, TimeDelta, Utc};

/// Now, at storage precision.
pub fn now() -> DateTime<Utc> {
    truncate(Utc::now())
}

/// `t` at storage precision.
pub fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}
