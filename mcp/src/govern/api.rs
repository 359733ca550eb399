//! The few HumanAIOS API calls the policy needs, with the agent's API key: open an approval
//! task and read or withdraw it, read the agent's spend today, and report a `tools/list`
//! for pinning. Every call is bounded by a timeout; an unreachable API is an error the
//! caller decides about (held calls fail closed, the budget fails open).

use std::time::Duration;

use serde_json::{Value, json};

/// How long one API call may take.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Where a human's decision stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Waiting,
    Approved,
    Rejected(Option<String>),
    /// Withdrawn (cancelled) by someone.
    Withdrawn(Option<String>),
}

/// The API as the proxy's policy sees it.
#[derive(Debug, Clone)]
pub struct Api {
    client: reqwest::Client,
    base: String,
    key: String,
    pub agent_id: String,
}

impl Api {
    /// A client of the API at `api_url` (e.g. `http://127.0.0.1:8080`) with `api_key`.
    pub fn new(api_url: &str, api_key: &str, agent_id: &str) -> anyhow::Result<Api> {
        Ok(Api {
            client: reqwest::Client::builder().timeout(TIMEOUT).build()?,
            base: format!("{}/api/v1", api_url.trim_end_matches('/')),
            key: api_key.to_owned(),
            agent_id: agent_id.to_owned(),
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().await?;
        let status = answer.status();
        let body: Value = answer.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            anyhow::bail!(
                "{status}: {}",
                body["error"]["message"].as_str().unwrap_or("no message")
            );
        }
        Ok(body)
    }

    /// Opens an approval task; returns its id.
    pub async fn ask_approval(&self, title: &str, description: &str) -> anyhow::Result<String> {
        let task = self
            .call(
                reqwest::Method::POST,
                "/tasks",
                Some(json!({
                    "agentId": self.agent_id,
                    "title": title,
                    "description": description,
                    "type": "APPROVAL",
                })),
            )
            .await?;
        task["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow::anyhow!("the API answered a task without an id"))
    }

    /// Where the approval task stands.
    pub async fn decision(&self, task: &str) -> anyhow::Result<Decision> {
        let task = self
            .call(reqwest::Method::GET, &format!("/tasks/{task}"), None)
            .await?;
        let why = task["failureReason"].as_str().map(str::to_owned);
        Ok(match task["status"].as_str() {
            Some("COMPLETED") => Decision::Approved,
            Some("REJECTED") => Decision::Rejected(why),
            Some("CANCELLED" | "FAILED") => Decision::Withdrawn(why),
            _ => Decision::Waiting,
        })
    }

    /// Withdraws an approval task nobody decided in time (or whose call was cancelled).
    pub async fn withdraw(&self, task: &str, reason: &str) -> anyhow::Result<()> {
        self.call(
            reqwest::Method::POST,
            &format!("/tasks/{task}/cancel"),
            Some(json!({ "reason": reason })),
        )
        .await
        .map(|_| ())
    }

    /// Whether the agent's daily budget is spent, and a sentence saying how much.
    pub async fn budget_spent(&self) -> anyhow::Result<(bool, String)> {
        let spend = self
            .call(
                reqwest::Method::GET,
                &format!("/agents/{}/spend", self.agent_id),
                None,
            )
            .await?;
        let exhausted = spend["exhausted"].as_bool().unwrap_or(false);
        let said = format!(
            "${} spent today of a daily budget of ${}",
            spend["costUsd"].as_str().unwrap_or("?"),
            spend["limitUsd"].as_str().unwrap_or("(none)")
        );
        Ok((exhausted, said))
    }

    /// Reports a `tools/list` result; returns the names of the tools whose definition
    /// changed since they were pinned and not yet accepted.
    pub async fn changed_tools(
        &self,
        server: &str,
        tools: &[Value],
    ) -> anyhow::Result<Vec<String>> {
        let answer = self
            .call(
                reqwest::Method::POST,
                "/mcp/tools",
                Some(json!({ "agentId": self.agent_id, "server": server, "tools": tools })),
            )
            .await?;
        Ok(answer["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["status"] == "CHANGED")
            .filter_map(|t| t["name"].as_str().map(str::to_owned))
            .collect())
    }
}
