//! Signed, retried HTTP POSTs to URLs our users give us: alert webhooks and human-task
//! callbacks. One signature scheme, one client policy, one backoff, so a receiver written
//! for one verifies the other.
//!
//! Signing: `X-HumanAIOS-Signature: sha256=<hex>` is the HMAC-SHA256, keyed with the
//! endpoint's secret, of `"{timestamp}.{body}"`, where `timestamp` is the
//! `X-HumanAIOS-Timestamp` header (Unix seconds) and `body` the raw request body. Receivers
//! recompute it, compare in constant time, and reject old timestamps to stop replays.
//!
//! Each sender claims an attempt with a conditional update that pushes its row's
//! `next_attempt_at` one [`LEASE_SECONDS`] ahead, so one replica sends it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::DeliveryStatus;
use futures_util::StreamExt as _;
use hmac::{Hmac, Mac as _};
use rand::Rng as _;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter as _, QueryOrder as _,
    QuerySelect as _,
};
use sha2::Sha256;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i32 = 8;
/// The longest wait between attempts.
const MAX_BACKOFF_SECONDS: i64 = 3_600;
/// How long a claimed delivery is left to its sender before another may try it.
pub const LEASE_SECONDS: i64 = 60;
/// How long the receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Longest URL accepted.
const MAX_URL_LEN: usize = 2_000;
/// Longest error text kept per attempt.
const MAX_ERROR_LEN: usize = 1_000;
/// Deliveries read per sweep.
const BATCH: u64 = 100;
/// Deliveries sent at once.
const CONCURRENCY: usize = 8;

/// `sha256=<hex HMAC-SHA256 of "{timestamp}.{body}" keyed with secret>`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A fresh signing secret: `whsec_` and 40 random letters and digits.
pub fn new_secret() -> String {
    format!("whsec_{}", crate::auth::secrets::random_alphanumeric(40))
}

/// Checks a receiver URL given as `field`: `http` or `https`, with a host, at most 2,000
/// characters. Returns it normalized.
pub fn check_url(field: &str, url: &str) -> ApiResult<String> {
    let url = url.trim();
    let invalid = || ApiError::invalid(field, "must be an http or https URL");
    if url.len() > MAX_URL_LEN {
        return Err(ApiError::invalid(
            field,
            format!("must be at most {MAX_URL_LEN} characters"),
        ));
    }
    let parsed = reqwest::Url::parse(url).map_err(|_| invalid())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(invalid());
    }
    Ok(parsed.to_string())
}

/// The client every delivery goes through: 10 s timeout, no redirects followed (a redirect
/// could point a signed body anywhere).
pub fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .user_agent("HumanAIOS-Webhooks")
        .build()
}

/// Runs `attempt` for every delivery of `due`, eight at a time, sharing one [`client`]. An
/// attempt that could not be recorded is logged (as `what`) and left for the next sweep.
pub async fn attempt_all<T, F, Fut>(
    due: Vec<T>,
    what: &'static str,
    attempt: F,
) -> anyhow::Result<()>
where
    F: Fn(reqwest::Client, T) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    if due.is_empty() {
        return Ok(());
    }
    let client = client()?;
    futures_util::stream::iter(due)
        .for_each_concurrent(CONCURRENCY, |delivery| {
            let attempt = attempt(client.clone(), delivery);
            async move {
                if let Err(err) = attempt.await {
                    tracing::warn!(error = %format!("{err:#}"), "{what} not recorded");
                }
            }
        })
        .await;
    Ok(())
}

/// What one attempt came to.
#[derive(Debug)]
pub struct Outcome {
    pub status_code: Option<i32>,
    /// `None` when delivered.
    pub error: Option<String>,
    /// Whether another attempt may succeed.
    pub retry: bool,
}

impl Outcome {
    /// An attempt that cannot be made and will never succeed.
    pub fn given_up(why: impl Into<String>) -> Outcome {
        Outcome {
            status_code: None,
            error: Some(why.into()),
            retry: false,
        }
    }
}

/// POSTs `body` (JSON) to `url`, signed with `secret`; `delivery` goes in
/// `X-HumanAIOS-Delivery` so receivers can drop a repeat.
pub async fn send(
    client: &reqwest::Client,
    url: &str,
    secret: &str,
    delivery: Uuid,
    body: Vec<u8>,
) -> Outcome {
    let timestamp = crate::time::now().timestamp();
    let answer = client
        .post(url)
        .header("content-type", "application/json")
        .header("X-HumanAIOS-Signature", signature(secret, timestamp, &body))
        .header("X-HumanAIOS-Timestamp", timestamp.to_string())
        .header("X-HumanAIOS-Delivery", delivery.to_string())
        .body(body)
        .send()
        .await;
    match answer {
        Ok(response) if response.status().is_success() => Outcome {
            status_code: Some(i32::from(response.status().as_u16())),
            error: None,
            retry: false,
        },
        Ok(response) => Outcome {
            status_code: Some(i32::from(response.status().as_u16())),
            error: Some(format!("the receiver answered {}", response.status())),
            retry: true,
        },
        // reqwest's Display omits the cause chain; without it "error sending request" says
        // nothing.
        Err(err) => Outcome {
            status_code: None,
            error: Some(format!("{:#}", anyhow::Error::from(err))),
            retry: true,
        },
    }
}

/// Where a delivery stands after an attempt: the values its row takes.
#[derive(Debug, Clone, PartialEq)]
pub struct Settled {
    pub attempts: i32,
    pub status: DeliveryStatus,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    /// When the next attempt is due, if one is.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When it was delivered, if it was.
    pub delivered_at: Option<DateTime<Utc>>,
}

/// Settles attempt number `previous_attempts + 1`: delivered, due again after the backoff
/// (`base_seconds` doubling), or failed after [`MAX_ATTEMPTS`] or a hopeless error.
pub fn settle(
    previous_attempts: i32,
    outcome: Outcome,
    now: DateTime<Utc>,
    base_seconds: u64,
) -> Settled {
    let attempts = previous_attempts + 1;
    let status = match (&outcome.error, outcome.retry) {
        (None, _) => DeliveryStatus::Delivered,
        (Some(_), true) if attempts < MAX_ATTEMPTS => DeliveryStatus::Pending,
        (Some(_), _) => DeliveryStatus::Failed,
    };
    Settled {
        attempts,
        status,
        status_code: outcome.status_code,
        error: outcome
            .error
            .map(|e| e.chars().take(MAX_ERROR_LEN).collect()),
        next_attempt_at: (status == DeliveryStatus::Pending)
            .then(|| now + backoff(base_seconds, attempts)),
        delivered_at: (status == DeliveryStatus::Delivered).then_some(now),
    }
}

/// The columns a delivery table keeps its attempts in (alert deliveries and task callbacks
/// share the shape), so one claim and one record serve both.
pub struct DeliveryColumns<C> {
    pub id: C,
    pub status: C,
    pub attempts: C,
    pub next_attempt_at: C,
    pub last_error: C,
    pub last_status_code: C,
    pub delivered_at: C,
}

impl<C: ColumnTrait> DeliveryColumns<C> {
    /// Up to 100 pending deliveries due by `now`, oldest first.
    pub async fn due<E: EntityTrait<Column = C>>(
        &self,
        db: &impl ConnectionTrait,
        now: DateTime<Utc>,
    ) -> Result<Vec<E::Model>, DbErr> {
        E::find()
            .filter(self.status.eq(DeliveryStatus::Pending))
            .filter(self.next_attempt_at.lte(now))
            .order_by_asc(self.next_attempt_at)
            .order_by_asc(self.id)
            .limit(BATCH)
            .all(db)
            .await
    }

    /// Claims delivery `id` for one attempt if it is still pending and due at `due` (what the
    /// caller read): pushes its `next_attempt_at` one lease ahead. `false` when another
    /// sender got there first.
    pub async fn claim<E: EntityTrait<Column = C>>(
        &self,
        db: &impl ConnectionTrait,
        id: Uuid,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, DbErr> {
        let claimed = E::update_many()
            .col_expr(
                self.next_attempt_at,
                Expr::value(now + chrono::Duration::seconds(LEASE_SECONDS)),
            )
            .filter(self.id.eq(id))
            .filter(self.status.eq(DeliveryStatus::Pending))
            .filter(self.next_attempt_at.eq(due))
            .exec(db)
            .await?;
        Ok(claimed.rows_affected == 1)
    }

    /// Stores what an attempt settled to on delivery `id`.
    pub async fn record<E: EntityTrait<Column = C>>(
        &self,
        db: &impl ConnectionTrait,
        id: Uuid,
        settled: Settled,
    ) -> Result<(), DbErr> {
        let mut update = E::update_many()
            .col_expr(self.attempts, Expr::value(settled.attempts))
            .col_expr(self.status, Expr::value(settled.status))
            .col_expr(self.last_status_code, Expr::value(settled.status_code))
            .col_expr(self.last_error, Expr::value(settled.error))
            .filter(self.id.eq(id));
        if let Some(at) = settled.next_attempt_at {
            update = update.col_expr(self.next_attempt_at, Expr::value(at));
        }
        if let Some(at) = settled.delivered_at {
            update = update.col_expr(self.delivered_at, Expr::value(at));
        }
        update.exec(db).await.map(drop)
    }
}

/// The wait after failed attempt number `attempts`: `base · 2^(attempts-1)` seconds, at
/// most an hour, plus up to 20% jitter so receivers that come back are not hit all at once.
fn backoff(base_seconds: u64, attempts: i32) -> chrono::Duration {
    let base = i64::try_from(base_seconds).unwrap_or(MAX_BACKOFF_SECONDS);
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let millis = base
        .saturating_mul(1_000)
        .saturating_mul(1_i64 << exponent)
        .min(MAX_BACKOFF_SECONDS * 1_000);
    let jitter = rand::rng().random_range(0..=millis / 5);
    chrono::Duration::milliseconds(millis + jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_and_stops_at_an_hour() {
        let first = backoff(10, 1).num_milliseconds();
        assert!((10_000..=12_000).contains(&first), "{first}");
        let third = backoff(10, 3).num_milliseconds();
        assert!((40_000..=48_000).contains(&third), "{third}");
        let late = backoff(10, 30).num_milliseconds();
        assert!((3_600_000..=4_320_000).contains(&late), "{late}");
    }

    #[test]
    fn a_delivery_is_retried_until_the_last_attempt_then_failed() {
        let now = Utc::now();
        let failing = || Outcome {
            status_code: Some(500),
            error: Some("the receiver answered 500".into()),
            retry: true,
        };
        let retried = settle(0, failing(), now, 10);
        assert_eq!(retried.status, DeliveryStatus::Pending);
        assert_eq!(retried.attempts, 1);
        assert!(retried.next_attempt_at.is_some_and(|at| at > now));
        let last = settle(MAX_ATTEMPTS - 1, failing(), now, 10);
        assert_eq!(last.status, DeliveryStatus::Failed);
        assert_eq!(last.next_attempt_at, None);
        let hopeless = settle(0, Outcome::given_up("gone"), now, 10);
        assert_eq!(hopeless.status, DeliveryStatus::Failed);
        let delivered = settle(
            2,
            Outcome {
                status_code: Some(204),
                error: None,
                retry: false,
            },
            now,
            10,
        );
        assert_eq!(delivered.status, DeliveryStatus::Delivered);
        assert_eq!(delivered.delivered_at, Some(now));
    }

    #[test]
    fn the_signature_covers_the_timestamp_and_the_body() {
        let one = signature("whsec_x", 1_700_000_000, b"{\"a\":1}");
        assert!(one.starts_with("sha256="));
        assert_eq!(one.len(), "sha256=".len() + 64);
        assert_ne!(one, signature("whsec_x", 1_700_000_001, b"{\"a\":1}"));
        assert_ne!(one, signature("whsec_x", 1_700_000_000, b"{\"a\":2}"));
        assert_ne!(one, signature("whsec_y", 1_700_000_000, b"{\"a\":1}"));
    }

    #[test]
    fn only_http_and_https_urls_are_accepted() {
        assert!(check_url("url", "https://hooks.example.com/x").is_ok());
        assert!(check_url("url", "http://127.0.0.1:9000/").is_ok());
        for bad in ["ftp://example.com/", "file:///etc/passwd", "not a url", ""] {
            let err = check_url("callbackUrl", bad).unwrap_err();
            assert_eq!(err.code(), "BAD_USER_INPUT", "{bad}");
            assert!(err.message().starts_with("callbackUrl:"), "{bad}");
        }
    }
}
