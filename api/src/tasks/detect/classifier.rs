//! Optional LLM refinement of the rules' answer, over any OpenAI-compatible chat API
//! (`POST {url}/chat/completions` in JSON mode). The model sees the message and the rules'
//! guess and answers with its own verdict, which wins when it is valid in every field. The
//! classifier can only help: on any failure (refused connection, error status, timeout,
//! malformed or ill-shaped JSON, an unknown task type, an impossible value) it logs a
//! warning and the rules' answer stands unchanged.

use std::str::FromStr as _;
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail, ensure};
use chrono::{DateTime, Utc};
use entity::{TaskType, Usd};
use rust_decimal::Decimal;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::valid_point;
use super::rules::{Detection, Location, MAX_TITLE_CHARS, shorten};
use crate::config::Config;

/// Confidence given to a detection the classifier confirmed or made: its verdict is trusted
/// above the rules' threshold.
const CLASSIFIER_CONFIDENCE: f32 = 0.9;
/// The largest reply read; a chat completion of this shape is a few hundred bytes.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;
/// The longest address accepted from the model.
const MAX_ADDRESS_CHARS: usize = 300;

const INSTRUCTIONS: &str = "You decide whether an AI agent's message asks for a person to do something \
in the physical world: pick up or deliver something (PICKUP), inspect a place or thing (INSPECTION), \
verify a fact on site (VERIFICATION), attend an event or be present somewhere (ATTENDANCE), or another \
physical errand (OTHER). Software work (verifying a signature, inspecting a schema, reviewing code), \
reports of work already done and questions relayed from a user do not need a person. The user message \
is JSON with the agent's `text`, the current time `now` and `rules_guess`, a rule-based guess that may \
be wrong. Answer with one JSON object only: {\"needs_human\": boolean, \"task_type\": one of PICKUP, \
INSPECTION, VERIFICATION, ATTENDANCE, OTHER or null, \"title\": a short imperative title of at most 120 \
characters or null, \"budget_usd\": the budget as a decimal string or null, \"deadline\": an RFC 3339 \
UTC timestamp or null, \"address\": the street address as written or null, \"lat\": number or null, \
\"lng\": number or null}.";

/// Refines detections with an LLM. Built once from the configuration and shared.
#[derive(Debug, Clone)]
pub struct Classifier {
    client: reqwest::Client,
    endpoint: reqwest::Url,
    model: String,
    api_key: Option<SecretString>,
}

impl Classifier {
    /// The classifier the configuration asks for: `None` when `classifier_url` is unset (or
    /// unusable, which is logged), so detection runs on the rules alone.
    pub fn from_config(config: &Config) -> Option<Classifier> {
        let url = config.classifier_url.as_deref()?;
        match Self::build(config, url) {
            Ok(classifier) => Some(classifier),
            Err(err) => {
                tracing::warn!(error = %format!("{err:#}"), "detection classifier disabled");
                None
            }
        }
    }

    fn build(config: &Config, url: &str) -> anyhow::Result<Classifier> {
        let endpoint =
            reqwest::Url::parse(&format!("{}/chat/completions", url.trim_end_matches('/')))
                .context("HUMANAIOS_CLASSIFIER_URL is not a URL")?;
        ensure!(
            matches!(endpoint.scheme(), "http" | "https"),
            "HUMANAIOS_CLASSIFIER_URL must be http or https"
        );
        crate::startup::install_tls_provider();
        let client = reqwest::Client::builder()
            // A chat endpoint that redirects is misconfigured or hostile; the key must not
            // follow it anywhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_millis(config.classifier_timeout_ms))
            .user_agent("HumanAIOS-Detection")
            .build()?;
        Ok(Classifier {
            client,
            endpoint,
            model: config.classifier_model.clone(),
            api_key: config.classifier_api_key.clone(),
        })
    }

    /// The classifier's verdict on `text` given the rules' answer: `None` when it says no
    /// person is needed, its detection when it says one is (details it leaves out are kept
    /// from the rules), and the rules' answer unchanged when the call fails in any way.
    pub async fn refine(&self, text: &str, rules: Option<Detection>) -> Option<Detection> {
        match self.ask(text, rules.as_ref()).await {
            Ok(verdict) => verdict,
            Err(err) => {
                tracing::warn!(
                    error = %format!("{err:#}"),
                    endpoint = %self.endpoint,
                    "detection classifier failed; the rules' answer stands"
                );
                rules
            }
        }
    }

    async fn ask(
        &self,
        text: &str,
        rules: Option<&Detection>,
    ) -> anyhow::Result<Option<Detection>> {
        let question = json!({ "text": text, "now": Utc::now(), "rules_guess": guess(rules) });
        let body = json!({
            "model": self.model,
            "response_format": { "type": "json_object" },
            "messages": [
                { "role": "system", "content": INSTRUCTIONS },
                { "role": "user", "content": question.to_string() },
            ],
        });
        let mut request = self.client.post(self.endpoint.clone()).json(&body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key.expose_secret());
        }
        let mut response = request
            .send()
            .await
            .context("calling the classifier")?
            .error_for_status()?;
        let mut reply = Vec::new();
        while let Some(chunk) = response.chunk().await.context("reading the classifier")? {
            reply.extend_from_slice(&chunk);
            ensure!(
                reply.len() <= MAX_RESPONSE_BYTES,
                "classifier reply too large"
            );
        }
        let reply: ChatResponse =
            serde_json::from_slice(&reply).context("classifier reply is not a chat completion")?;
        let content = reply
            .choices
            .into_iter()
            .next()
            .and_then(|choice| choice.message.content)
            .ok_or_else(|| anyhow!("classifier reply has no message content"))?;
        let verdict: Verdict = serde_json::from_str(&content)
            .context("classifier answer is not the JSON asked for")?;
        verdict.into_detection(rules)
    }
}

/// The rules' answer as the model is shown it (the same shape it answers in).
fn guess(rules: Option<&Detection>) -> Value {
    let Some(d) = rules else {
        return json!({ "needs_human": false });
    };
    let (address, lat, lng) = match &d.location {
        Some(Location::Address(address)) => (Some(address.as_str()), None, None),
        Some(Location::Point { lat, lng }) => (None, Some(*lat), Some(*lng)),
        None => (None, None, None),
    };
    json!({
        "needs_human": true,
        "task_type": d.task_type,
        "title": d.title,
        "budget_usd": d.budget_usd,
        "deadline": d.deadline,
        "address": address,
        "lat": lat,
        "lng": lng,
    })
}

#[derive(Deserialize)]
struct ChatResponse {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: ChatMessage,
}

#[derive(Deserialize)]
struct ChatMessage {
    content: Option<String>,
}

/// The model's answer, before validation. Unknown fields are ignored; a field of the wrong
/// JSON type fails the whole answer.
#[derive(Deserialize)]
struct Verdict {
    needs_human: bool,
    #[serde(default)]
    task_type: Option<String>,
    #[serde(default)]
    title: Option<String>,
    /// A decimal string or a JSON number.
    #[serde(default)]
    budget_usd: Option<Value>,
    #[serde(default)]
    deadline: Option<String>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    lat: Option<f64>,
    #[serde(default)]
    lng: Option<f64>,
}

impl Verdict {
    /// Validates every field; details the model leaves out come from the rules' answer.
    fn into_detection(self, rules: Option<&Detection>) -> anyhow::Result<Option<Detection>> {
        if !self.needs_human {
            return Ok(None);
        }
        let task_type = self
            .task_type
            .ok_or_else(|| anyhow!("needs_human without a task_type"))?;
        let task_type = TaskType::from_str(&task_type.to_ascii_uppercase())?;
        let title = self
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| anyhow!("needs_human without a title"))?;
        let budget_usd = self.budget_usd.map(budget).transpose()?;
        let deadline = self
            .deadline
            .map(|d| {
                DateTime::parse_from_rfc3339(&d)
                    .map(|d| d.with_timezone(&Utc))
                    .with_context(|| format!("deadline {d:?} is not RFC 3339"))
            })
            .transpose()?;
        let location = match (self.lat, self.lng, self.address) {
            (Some(lat), Some(lng), _) => {
                ensure!(valid_point(lat, lng), "no such place: {lat}, {lng}");
                Some(Location::Point { lat, lng })
            }
            (None, None, Some(address)) => {
                let address = address.trim();
                ensure!(
                    address.chars().count() <= MAX_ADDRESS_CHARS,
                    "address too long"
                );
                (!address.is_empty()).then(|| Location::Address(address.to_owned()))
            }
            (None, None, None) => None,
            _ => bail!("lat and lng come together"),
        };
        let rules = rules.cloned();
        Ok(Some(Detection {
            task_type,
            title: shorten(title, MAX_TITLE_CHARS),
            location: location.or_else(|| rules.as_ref().and_then(|r| r.location.clone())),
            budget_usd: budget_usd.or_else(|| rules.as_ref().and_then(|r| r.budget_usd)),
            deadline: deadline.or_else(|| rules.as_ref().and_then(|r| r.deadline)),
            confidence: CLASSIFIER_CONFIDENCE,
        }))
    }
}

fn budget(value: Value) -> anyhow::Result<Usd> {
    let text = match &value {
        Value::String(s) => s.trim().trim_start_matches('$').replace(',', ""),
        Value::Number(n) => n.to_string(),
        other => bail!("budget_usd {other} is not an amount"),
    };
    let amount = Decimal::from_str_exact(&text)
        .with_context(|| format!("budget_usd {value} is not a decimal"))?;
    Ok(Usd::new(amount)?)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::Router;
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse as _, Response};
    use axum::routing::post;
    use chrono::TimeZone as _;

    use super::super::rules::detect;
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
    }

    /// An OpenAI-style chat endpoint on a free local port; returns its base URL.
    async fn serve(router: Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        format!("http://{addr}/v1")
    }

    fn completion(content: &str) -> Response {
        axum::Json(json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "content": content },
                "finish_reason": "stop"
            }]
        }))
        .into_response()
    }

    /// An endpoint that always answers `content`.
    async fn answering(content: &'static str) -> String {
        serve(Router::new().route(
            "/v1/chat/completions",
            post(move || async move { completion(content) }),
        ))
        .await
    }

    fn classifier(url: &str, timeout_ms: u64) -> Classifier {
        Classifier::from_config(&Config {
            classifier_url: Some(url.to_owned()),
            classifier_api_key: Some(SecretString::from("test-key")),
            classifier_timeout_ms: timeout_ms,
            ..Config::default()
        })
        .expect("a classifier is configured")
    }

    const VENUE: &str = "Can someone go to the venue at 51.5033, -0.1195 and confirm the stage is set up as described? Up to $40.";

    fn rules_on(text: &str) -> Option<Detection> {
        let found = detect(text, now());
        assert!(found.is_some(), "the rules flag {text:?}");
        found
    }

    #[tokio::test]
    async fn a_valid_answer_wins_and_the_rules_fill_in_what_it_leaves_out() {
        let seen: Arc<Mutex<Option<(HeaderMap, Value)>>> = Arc::default();
        let record = seen.clone();
        let url = serve(Router::new().route(
            "/v1/chat/completions",
            post(move |headers: HeaderMap, axum::Json(body): axum::Json<Value>| {
                let record = record.clone();
                async move {
                    *record.lock().unwrap() = Some((headers, body));
                    completion(
                        r#"{"needs_human": true, "task_type": "INSPECTION", "title": "Inspect the stage set-up at the venue", "budget_usd": "55.50", "deadline": "2026-11-27T18:00:00Z", "address": null, "lat": null, "lng": null}"#,
                    )
                }
            }),
        ))
        .await;
        let rules = rules_on(VENUE);
        assert_eq!(rules.as_ref().unwrap().task_type, TaskType::Verification);

        let refined = classifier(&url, 3_000)
            .refine(VENUE, rules.clone())
            .await
            .expect("the classifier says a person is needed");
        assert_eq!(refined.task_type, TaskType::Inspection);
        assert_eq!(refined.title, "Inspect the stage set-up at the venue");
        assert_eq!(refined.budget_usd, Some("55.50".parse().unwrap()));
        assert_eq!(
            refined.deadline,
            Some(Utc.with_ymd_and_hms(2026, 11, 27, 18, 0, 0).unwrap())
        );
        // No place in the answer: the rules' coordinates are kept.
        assert_eq!(refined.location, rules.unwrap().location);

        let (headers, body) = seen
            .lock()
            .unwrap()
            .take()
            .expect("the endpoint was called");
        assert_eq!(headers["authorization"], "Bearer test-key");
        assert_eq!(body["model"], "gpt-4o-mini");
        assert_eq!(body["response_format"]["type"], "json_object");
        let question: Value =
            serde_json::from_str(body["messages"][1]["content"].as_str().unwrap()).unwrap();
        assert_eq!(question["text"], VENUE);
        assert_eq!(question["rules_guess"]["task_type"], "VERIFICATION");
        assert_eq!(question["rules_guess"]["lat"], 51.5033);
    }

    #[tokio::test]
    async fn the_classifier_can_find_a_need_the_rules_missed() {
        let text = "The lease has to reach the landlord's office today and nobody here can leave.";
        assert_eq!(detect(text, now()), None);
        let url = answering(
            r#"{"needs_human": true, "task_type": "pickup", "title": "Deliver the lease to the landlord's office", "address": "12 Oak Lane, Austin, TX 78701"}"#,
        )
        .await;
        let found = classifier(&url, 3_000).refine(text, None).await.unwrap();
        assert_eq!(found.task_type, TaskType::Pickup);
        assert_eq!(
            found.location,
            Some(Location::Address(
                "12 Oak Lane, Austin, TX 78701".to_owned()
            ))
        );
    }

    #[tokio::test]
    async fn a_no_human_answer_overrides_a_rules_false_alarm() {
        let text = "Can someone collect the feedback forms from the team chat?";
        let rules = rules_on(text);
        let url = answering(r#"{"needs_human": false}"#).await;
        assert_eq!(classifier(&url, 3_000).refine(text, rules).await, None);
    }

    #[tokio::test]
    async fn malformed_or_invalid_answers_leave_the_rules_answer_standing() {
        let rules = rules_on(VENUE);
        for content in [
            "not json {",
            r#"["needs_human", true]"#,
            r#"{"needs_human": "yes"}"#,
            r#"{"needs_human": true, "task_type": "DELIVERY", "title": "Deliver it"}"#,
            r#"{"needs_human": true, "task_type": "PICKUP"}"#,
            r#"{"needs_human": true, "task_type": "PICKUP", "title": "Go", "budget_usd": "-5"}"#,
            r#"{"needs_human": true, "task_type": "PICKUP", "title": "Go", "budget_usd": true}"#,
            r#"{"needs_human": true, "task_type": "PICKUP", "title": "Go", "deadline": "Friday"}"#,
            r#"{"needs_human": true, "task_type": "PICKUP", "title": "Go", "lat": 95.0, "lng": 10.0}"#,
            r#"{"needs_human": true, "task_type": "PICKUP", "title": "Go", "lat": 45.0}"#,
        ] {
            let url = answering(content).await;
            assert_eq!(
                classifier(&url, 3_000).refine(VENUE, rules.clone()).await,
                rules,
                "answer {content}"
            );
        }
        // Not a chat completion at all.
        let url = serve(Router::new().route(
            "/v1/chat/completions",
            post(|| async { axum::Json(json!({ "needs_human": false })) }),
        ))
        .await;
        assert_eq!(
            classifier(&url, 3_000).refine(VENUE, rules.clone()).await,
            rules
        );
    }

    #[tokio::test]
    async fn an_error_status_leaves_the_rules_answer_standing() {
        let url = serve(Router::new().route(
            "/v1/chat/completions",
            post(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "upstream overloaded") }),
        ))
        .await;
        let rules = rules_on(VENUE);
        assert_eq!(
            classifier(&url, 3_000).refine(VENUE, rules.clone()).await,
            rules
        );
    }

    #[tokio::test]
    async fn a_redirect_is_not_followed_and_the_rules_answer_stands() {
        // Where the redirect points: a valid endpoint that would overturn the rules.
        let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = hits.clone();
        let elsewhere = serve(Router::new().route(
            "/v1/chat/completions",
            post(move || {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                async { completion(r#"{"needs_human": false}"#) }
            }),
        ))
        .await;
        let target = format!("{elsewhere}/chat/completions");
        let url = serve(Router::new().route(
            "/v1/chat/completions",
            post(move || async move { axum::response::Redirect::temporary(&target) }),
        ))
        .await;
        let rules = rules_on(VENUE);
        assert_eq!(
            classifier(&url, 3_000).refine(VENUE, rules.clone()).await,
            rules
        );
        assert_eq!(
            hits.load(std::sync::atomic::Ordering::SeqCst),
            0,
            "the key never leaves for the redirect's target"
        );
    }

    #[tokio::test]
    async fn a_slow_classifier_times_out_and_the_rules_answer_stands() {
        let url = serve(Router::new().route(
            "/v1/chat/completions",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                completion(r#"{"needs_human": false}"#)
            }),
        ))
        .await;
        let rules = rules_on(VENUE);
        assert_eq!(
            classifier(&url, 200).refine(VENUE, rules.clone()).await,
            rules
        );
    }

    #[tokio::test]
    async fn an_unreachable_classifier_leaves_the_rules_answer_standing() {
        // A port that was free a moment ago: the connection is refused.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let rules = rules_on(VENUE);
        let refined = classifier(&format!("http://{addr}/v1"), 3_000)
            .refine(VENUE, rules.clone())
            .await;
        assert_eq!(refined, rules);
    }

    #[test]
    fn no_url_no_classifier_and_a_bad_url_is_refused() {
        assert!(Classifier::from_config(&Config::default()).is_none());
        for url in ["not a url", "ftp://models.example.com/v1"] {
            let config = Config {
                classifier_url: Some(url.to_owned()),
                ..Config::default()
            };
            assert!(Classifier::from_config(&config).is_none(), "{url}");
        }
    }
}
