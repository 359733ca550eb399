//! Rate limits per caller: each member, each API key, and each client address (for calls
//! without a credential, such as log-in attempts) gets its own token bucket (governor's
//! GCRA). Over the limit the answer is 429 `RATE_LIMITED` with `Retry-After`.
//!
//! The buckets live in this process; with several replicas each enforces its own share.

use std::net::IpAddr;
use std::num::NonZeroU32;

use entity::{ApiKeyId, UserId};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::auth::{Principal, Viewer};
use crate::config::Config;
use crate::error::{ApiError, ApiResult};

/// Whose bucket a request draws from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RateKey {
    User(UserId),
    ApiKey(ApiKeyId),
    Address(IpAddr),
}

impl RateKey {
    /// The caller's bucket: their credential's, or their address's when anonymous.
    pub fn of(viewer: Option<&Viewer>, address: IpAddr) -> RateKey {
        match viewer.map(|v| v.principal) {
            Some(Principal::User { id, .. }) => RateKey::User(id),
            Some(Principal::ApiKey { id, .. }) => RateKey::ApiKey(id),
            None => RateKey::Address(address),
        }
    }
}

/// The per-caller limiter.
pub struct RateLimits {
    limiter: DefaultKeyedRateLimiter<RateKey>,
}

impl RateLimits {
    /// Buckets refilling at `rate_limit_per_minute`, holding `rate_limit_burst`.
    pub fn new(config: &Config) -> RateLimits {
        let per_minute = NonZeroU32::new(config.rate_limit_per_minute).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(config.rate_limit_burst).unwrap_or(NonZeroU32::MIN);
        RateLimits {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst)),
        }
    }

    /// Takes one request from `key`'s bucket, or says how long to wait.
    pub fn check(&self, key: &RateKey) -> ApiResult<()> {
        self.limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            // Whole seconds, rounded up, and never 0 (which would invite a hot loop).
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            ApiError::RateLimited {
                retry_after_seconds: seconds.max(1),
            }
        })
    }

    /// Forgets buckets that are full again, so memory follows active callers only.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
    }
}
