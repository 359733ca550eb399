//! PII is replaced by typed placeholders before an activity is stored, the count is kept on
//! the activity, and admins (only) turn rules off and add their own patterns, validated on
//! every path that writes them.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Backend, TestApp, activity, error_code, spawn_app};
use humanaios::on_both_backends;

on_both_backends!(
    each_kind_is_replaced_before_storage_and_counted,
    an_admin_turns_a_rule_off_and_adds_a_pattern,
    only_admins_change_the_rules_and_bad_rules_are_refused_naming_the_field,
);

const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
const PRIVATE_KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----";

const STORED: &str =
    "{ activities(first: 10) { nodes { id payload name errorMessage redactions } } }";
const RULES: &str = "{ redactionSettings { rules { name builtIn enabled pattern description } } }";
const UPDATE: &str = "mutation($input: UpdateRedactionSettingsInput!) { updateRedactionSettings(input: $input) { rules { name builtIn enabled pattern description } } }";

/// The stored activity with `id`, as the `activities` query reads it back.
async fn stored(app: &TestApp, token: &str, id: &Value) -> Value {
    let data = app.graphql_ok(Some(token), STORED, json!({})).await;
    data["activities"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|node| node["id"] == *id)
        .cloned()
        .unwrap_or_else(|| panic!("activity {id} not stored: {data}"))
}

/// `PUT /api/v1/redaction` with `body`: status and answer.
async fn put_rules(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    let response = app
        .client
        .put(app.url("/api/v1/redaction"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Records one activity with `payload` and returns it as stored.
async fn record_payload(app: &TestApp, credential: &str, agent: &str, payload: Value) -> Value {
    let mut sent = activity(agent, "TOOL_CALL", "0.1");
    sent["payload"] = payload;
    let answer = app.record(credential, json!([sent])).await;
    assert_eq!(
        answer["data"]["recordActivities"]["inserted"], 1,
        "{answer}"
    );
    stored(app, credential, &sent["id"]).await
}

async fn each_kind_is_replaced_before_storage_and_counted(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "pii").await;
    let key = app.create_api_key(&admin.token).await;
    let request_id = Uuid::new_v4().to_string();
    let trace_id = Uuid::now_v7().to_string();

    let mut sent = activity(&agent, "ERROR", "0.1");
    sent["name"] = json!("send_mail jane.doe@example.com");
    sent["errorMessage"] = json!("AWS refused key AKIAIOSFODNN7EXAMPLE");
    sent["payload"] = json!({
        "jane.doe@example.com": "object keys stay",
        "args": {
            "to": "jane.doe@example.com",
            "sms": ["+1 415 555 2671"],
            "card": "4111 1111 1111 1111",
            "wrongCard": "4111 1111 1111 1112",
            "iban": "DE89 3704 0044 0532 0130 00",
            "headers": { "Authorization": "Bearer sk-proj-Ab3dEf6hIj9kLmN0pQrStUvWxYz1234567890" },
            "session": JWT,
            "deployKey": PRIVATE_KEY,
        },
        "requestId": request_id,
        "traceId": trace_id,
        "at": "2026-11-25T10:00:00.123+01:00",
        "epochMillis": "1795600000000",
        "tokens": 1795600000000_i64,
        "cost": "0.000123",
        "host": "192.168.100.200",
    });
    let answer = app.record(&key, json!([sent])).await;
    assert_eq!(
        answer["data"]["recordActivities"]["inserted"], 1,
        "{answer}"
    );

    // Only the values holding PII change; ids, times, numbers, addresses and keys stay.
    let mut expected_payload = sent["payload"].clone();
    for (pointer, placeholder) in [
        ("/args/to", "[REDACTED:EMAIL]"),
        ("/args/sms/0", "[REDACTED:PHONE]"),
        ("/args/card", "[REDACTED:CARD]"),
        ("/args/iban", "[REDACTED:IBAN]"),
        ("/args/headers/Authorization", "Bearer [REDACTED:SECRET]"),
        ("/args/session", "[REDACTED:JWT]"),
        ("/args/deployKey", "[REDACTED:PRIVATE_KEY]"),
    ] {
        *expected_payload.pointer_mut(pointer).unwrap() = json!(placeholder);
    }
    let node = stored(&app, &admin.token, &sent["id"]).await;
    assert_eq!(node["payload"], expected_payload);
    assert_eq!(node["name"], "send_mail [REDACTED:EMAIL]");
    assert_eq!(node["errorMessage"], "AWS refused key [REDACTED:SECRET]");
    assert_eq!(
        node["redactions"], 9,
        "seven in the payload, one each in name and error"
    );

    // REST reads the same stored payload.
    let (status, body) = app
        .get_json(&admin.token, &format!("/api/v1/agents/{agent}/activities"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"][0]["payload"], expected_payload);

    // An activity with nothing to redact counts zero.
    let clean = record_payload(&app, &key, &agent, json!({ "q": "weather in Paris" })).await;
    assert_eq!(clean["payload"], json!({ "q": "weather in Paris" }));
    assert_eq!(clean["redactions"], 0);
}

async fn an_admin_turns_a_rule_off_and_adds_a_pattern(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let agent = app.create_agent(&admin.token, "hr-bot").await;
    let payload =
        json!({ "who": "EMP-123456", "phone": "+44 20 7946 0958", "mail": "hr@example.com" });

    let rules = app.graphql_ok(Some(&admin.token), RULES, json!({})).await;
    let rules = rules["redactionSettings"]["rules"]
        .as_array()
        .unwrap()
        .clone();
    let names: Vec<&str> = rules.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "PRIVATE_KEY",
            "JWT",
            "SECRET",
            "EMAIL",
            "IBAN",
            "CARD",
            "PHONE"
        ]
    );
    assert!(
        rules
            .iter()
            .all(|r| r["enabled"] == true && r["builtIn"] == true)
    );

    let input = json!({
        "disabledRules": ["PHONE"],
        "extraPatterns": [{ "name": "EMPLOYEE_ID", "pattern": "EMP-\\d{6}" }],
    });
    let data = app
        .graphql_ok(Some(&admin.token), UPDATE, json!({ "input": input }))
        .await;
    let rules = &data["updateRedactionSettings"]["rules"];
    let rule = |name: &str| {
        rules
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(rule("PHONE")["enabled"], false);
    assert_eq!(
        rule("EMPLOYEE_ID"),
        json!({ "name": "EMPLOYEE_ID", "builtIn": false, "enabled": true, "pattern": "EMP-\\d{6}", "description": null })
    );

    let node = record_payload(&app, &admin.token, &agent, payload.clone()).await;
    assert_eq!(
        node["payload"],
        json!({ "who": "[REDACTED:EMPLOYEE_ID]", "phone": "+44 20 7946 0958", "mail": "[REDACTED:EMAIL]" })
    );
    assert_eq!(node["redactions"], 2);

    // The change is audited with the settings before and after.
    let audit = app
        .graphql_ok(
            Some(&admin.token),
            "{ auditLog(first: 5) { nodes { action summary } } }",
            json!({}),
        )
        .await;
    let entry = &audit["auditLog"]["nodes"][0];
    assert_eq!(entry["action"], "redaction.update");
    assert_eq!(entry["summary"]["before"]["disabledRules"], json!([]));
    assert_eq!(entry["summary"]["after"]["disabledRules"], json!(["PHONE"]));

    // REST shows the same rules, and a PUT turns PHONE back on, keeping the pattern it
    // does not mention.
    let (status, body) = app.get_json(&admin.token, "/api/v1/redaction").await;
    assert_eq!(status, 200);
    assert_eq!(body["rules"], *rules);
    let (status, body) = put_rules(&app, &admin.token, json!({ "disabledRules": [] })).await;
    assert_eq!(status, 200, "{body}");
    let enabled: Vec<(&str, bool)> = body["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["enabled"].as_bool().unwrap()))
        .collect();
    assert!(enabled.contains(&("PHONE", true)));
    assert!(enabled.contains(&("EMPLOYEE_ID", true)));

    let node = record_payload(&app, &admin.token, &agent, payload).await;
    assert_eq!(node["payload"]["phone"], "[REDACTED:PHONE]");
    assert_eq!(node["redactions"], 3);
}

async fn only_admins_change_the_rules_and_bad_rules_are_refused_naming_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.sign_up().await;
    let viewer = app.add_member(&admin.token, entity::Role::Viewer).await;
    let turn_phone_off = json!({ "input": { "disabledRules": ["PHONE"] } });

    let answer = app.graphql(Some(&viewer), UPDATE, turn_phone_off).await;
    assert_eq!(error_code(&answer), "FORBIDDEN");
    // Viewers may read the rules.
    app.graphql_ok(Some(&viewer), RULES, json!({})).await;

    let refused = [
        (
            json!({ "extraPatterns": [{ "name": "EMPLOYEE_ID", "pattern": "EMP-(\\d{6}" }] }),
            "extraPatterns[0].pattern",
        ),
        (
            json!({ "disabledRules": ["EMAIL", "FAX"] }),
            "disabledRules[1]",
        ),
        (
            json!({ "extraPatterns": [{ "name": "employee id", "pattern": "EMP" }] }),
            "extraPatterns[0].name",
        ),
        (
            json!({ "extraPatterns": [{ "name": "HUGE", "pattern": "\\w{100}{100}" }] }),
            "extraPatterns[0].pattern",
        ),
    ];
    for (input, field) in refused {
        let answer = app
            .graphql(Some(&admin.token), UPDATE, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&answer), "BAD_USER_INPUT", "{answer}");
        assert_eq!(
            answer["errors"][0]["extensions"]["field"], field,
            "{answer}"
        );
    }

    // REST refuses the same way.
    let (status, body) = put_rules(&app, &admin.token, json!({ "disabledRules": ["FAX"] })).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("BAD_USER_INPUT"))
    );

    // Replacing the organization's settings whole cannot slip bad rules past validation.
    let answer = app
        .graphql(
            Some(&admin.token),
            "mutation($s: JSON!) { updateOrganization(input: { settings: $s }) { id } }",
            json!({ "s": { "redaction": { "extraPatterns": [{ "name": "X", "pattern": "(" }] } } }),
        )
        .await;
    assert_eq!(error_code(&answer), "BAD_USER_INPUT", "{answer}");
    assert_eq!(
        answer["errors"][0]["extensions"]["field"],
        "settings.redaction.extraPatterns[0].pattern"
    );

    // Nothing changed.
    let data = app.graphql_ok(Some(&admin.token), RULES, json!({})).await;
    let rules = data["redactionSettings"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 7);
    assert!(rules.iter().all(|r| r["enabled"] == true));
}
