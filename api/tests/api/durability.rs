//! A request we acknowledged is durable: the real binary is killed with SIGKILL in the
//! middle of a stream of ingests, started again, and every acknowledged activity is there.

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Backend, TEST_JWT_SECRET, TestApp, activity, spawn_app};
use humanaios::on_both_backends;

on_both_backends!(a_killed_server_loses_no_acknowledged_activity);

/// Writers sending batches at once while the server dies.
const WRITERS: usize = 6;
/// Activities per batch.
const BATCH: usize = 25;

async fn a_killed_server_loses_no_acknowledged_activity(backend: Backend) {
    // The in-process app creates the database, the account and the key; the binary under
    // test shares that database.
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "steady").await;
    let key = app.create_api_key(&admin.token).await;

    let (mut server, base) = start_binary(&app).await;
    let acknowledged = Arc::new(Mutex::new(HashSet::<String>::new()));
    let client = reqwest::Client::new();
    let writers: Vec<_> = (0..WRITERS)
        .map(|_| {
            let (client, base, key, agent) =
                (client.clone(), base.clone(), key.clone(), agent.clone());
            let acknowledged = acknowledged.clone();
            tokio::spawn(async move {
                loop {
                    let batch: Vec<Value> = (0..BATCH)
                        .map(|_| activity(&agent, "TOOL_CALL", "0.001"))
                        .collect();
                    let ids: Vec<String> = batch
                        .iter()
                        .map(|a| a["id"].as_str().unwrap().to_owned())
                        .collect();
                    let answer = client
                        .post(format!("{base}/api/v1/ingest"))
                        .bearer_auth(&key)
                        .json(&json!({ "activities": batch }))
                        .send()
                        .await;
                    match answer {
                        Ok(answer) if answer.status() == 200 => {
                            acknowledged.lock().unwrap().extend(ids)
                        }
                        // The server is gone: whatever was not answered is not promised.
                        _ => return,
                    }
                }
            })
        })
        .collect();

    // Kill it once a good number of batches went through, while the writers keep going.
    while acknowledged.lock().unwrap().len() < 40 * BATCH {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().expect("SIGKILL delivered");
    server.wait().unwrap();
    for writer in writers {
        writer.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();

    let (mut restarted, base) = start_binary(&app).await;
    let stored = stored_ids(&client, &base, &key, &agent).await;
    restarted.kill().unwrap();
    restarted.wait().unwrap();
    let lost: Vec<&String> = acknowledged.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged activities were lost, e.g. {:?}",
        lost.len(),
        acknowledged.len(),
        lost.first()
    );
}

/// Starts `humanaios serve` on the test app's database and waits until it is ready.
async fn start_binary(app: &TestApp) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data_dir = std::env::temp_dir().join(format!("humanaios-kill-{port}"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_humanaios"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", app.database_url())
        .env("HUMANAIOS_DATA_DIR", &data_dir)
        .env("HUMANAIOS_JWT_SECRET", TEST_JWT_SECRET)
        // The writers are one client address; the limit is not what this test is about.
        .env("HUMANAIOS_RATE_LIMIT_PER_MINUTE", "1000000")
        .env_remove("REDIS_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(answer) = client.get(format!("{base}/readyz")).send().await
            && answer.status() == 200
        {
            return (child, base);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not become ready");
}

/// Every activity id the server has, read page by page over REST.
async fn stored_ids(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    agent: &str,
) -> HashSet<String> {
    let mut ids = HashSet::new();
    let mut after = String::new();
    loop {
        let page: Value = client
            .get(format!(
                "{base}/api/v1/agents/{agent}/activities?first=100{after}"
            ))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for node in page["items"].as_array().expect("a page of activities") {
            ids.insert(node["id"].as_str().unwrap().to_owned());
        }
        match page["pageInfo"]["endCursor"].as_str() {
            Some(cursor) if page["pageInfo"]["hasNextPage"] == true => {
                after = format!("&after={cursor}")
            }
            _ => return ids,
        }
    }
}
