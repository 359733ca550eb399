//! The files around the code tell the truth: every variable that docker-compose.yml sets is
//! one the config reads, and .env.example documents exactly the variables the config reads.

use std::collections::BTreeSet;

use humanaios::config::ENV_VARS;

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|err| panic!("reading {path}: {err}"))
}

#[test]
fn docker_compose_sets_only_variables_the_config_knows() {
    let compose: serde_yaml::Value = serde_yaml::from_str(&read("docker-compose.yml")).unwrap();
    let services = compose["services"].as_mapping().expect("services");
    let mut api_services = 0;
    for (name, service) in services {
        let is_api = !service["build"].is_null()
            || service["image"]
                .as_str()
                .is_some_and(|i| i.contains("humanaios"));
        if !is_api {
            continue;
        }
        api_services += 1;
        let env = service["environment"]
            .as_mapping()
            .unwrap_or_else(|| panic!("{name:?} has an environment map"));
        for key in env.keys() {
            let key = key.as_str().unwrap();
            assert!(
                ENV_VARS.contains(&key),
                "{name:?} sets {key}, which the config does not read"
            );
        }
        assert!(
            env.contains_key("DATABASE_URL"),
            "{name:?} must point at PostgreSQL"
        );
    }
    assert!(api_services >= 2, "compose runs two api replicas");
    for needed in ["postgres", "redis"] {
        assert!(services.contains_key(needed), "compose has {needed}");
    }
}

#[test]
fn env_example_documents_exactly_the_variables_the_config_reads() {
    let documented: BTreeSet<String> = read(".env.example")
        .lines()
        .map(|line| line.trim_start_matches('#').trim())
        .filter_map(|line| line.split_once('=').map(|(k, _)| k.trim().to_owned()))
        .filter(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .collect();
    let known: BTreeSet<String> = ENV_VARS.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(documented, known);
}
