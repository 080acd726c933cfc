//! Checks the simulator's bodies and status codes against PagerDuty's OpenAPI document,
//! `../shared/reference/pagerduty-rest-openapiv3.json`, read at test time (never copied into
//! the repository). Without `../shared` each test prints that it skipped and returns.
//!
//! The `validator` module is a small JSON-schema checker for exactly the OpenAPI 3.0
//! keywords the user, team, pagination and error schemas use (`$ref`, including refs into
//! `allOf` members and `responses`, `allOf`, `type`, `properties`, `required`, `items`,
//! `enum`, `nullable`, `minLength`, `maxLength`, `format`, `uniqueItems`); any other
//! keyword or format is reported as an error, so an unsupported schema can never pass
//! silently. It is also stricter than JSON schema in one way: an object may carry only
//! properties some branch of its schema declares, which catches misspelt fields.

use hr2pagerduty::sim::{self, Seed, SimHandle};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

mod validator {
    use serde_json::Value;
    use std::collections::HashSet;

    /// Keywords that carry no constraint for a response check.
    const ANNOTATIONS: [&str; 8] = [
        "description",
        "readOnly",
        "writeOnly",
        "default",
        "example",
        "title",
        "deprecated",
        "externalDocs",
    ];

    pub struct Spec {
        pub root: Value,
        time_zones: HashSet<String>,
        /// Property names accepted as `null` although the schema does not say `nullable`
        /// (known, documented deviations of the real API; see `lenient_spec`).
        null_ok: HashSet<&'static str>,
    }

    impl Spec {
        pub fn new(root: Value, time_zones: HashSet<String>, null_ok: &[&'static str]) -> Spec {
            Spec {
                root,
                time_zones,
                null_ok: null_ok.iter().copied().collect(),
            }
        }

        /// Follows a local reference such as `#/components/schemas/Tag/allOf/0` or
        /// `#/components/responses/Conflict/content/application~1json/schema`.
        pub fn resolve(&self, reference: &str) -> &Value {
            let pointer = reference
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("non-local $ref {reference}"));
            self.root
                .pointer(pointer)
                .unwrap_or_else(|| panic!("unresolvable $ref {reference}"))
        }

        /// The schema of a documented response: `paths[path][method].responses[status]`,
        /// following a `$ref` to `components/responses`.
        pub fn response_schema(&self, path: &str, method: &str, status: &str) -> &Value {
            let mut response = &self.root["paths"][path][method]["responses"][status];
            assert!(
                !response.is_null(),
                "{method} {path} documents no {status} response"
            );
            if let Some(r) = response.get("$ref").and_then(Value::as_str) {
                response = self.resolve(r);
            }
            &response["content"]["application/json"]["schema"]
        }

        /// Every problem of `instance` against `schema`, each prefixed with its JSON path.
        pub fn validate(&self, schema: &Value, instance: &Value) -> Vec<String> {
            let mut errors = Vec::new();
            self.validate_at(schema, instance, "$", &mut errors);
            errors
        }

        fn validate_at(&self, schema: &Value, inst: &Value, path: &str, errors: &mut Vec<String>) {
            if let (Some(obj), Some(declared)) = (inst.as_object(), self.declared(schema)) {
                for key in obj.keys() {
                    if !declared.contains(key.as_str()) {
                        errors.push(format!("{path}.{key}: property not declared by the schema"));
                    }
                }
            }
            self.check(schema, inst, path, errors);
        }

        /// Property names declared at this level, through `$ref` and `allOf`.
        fn declared<'a>(&'a self, schema: &'a Value) -> Option<HashSet<&'a str>> {
            if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
                return self.declared(self.resolve(r));
            }
            let mut names: Option<HashSet<&str>> = schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|p| p.keys().map(String::as_str).collect());
            for branch in schema
                .get("allOf")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(more) = self.declared(branch) {
                    names.get_or_insert_with(HashSet::new).extend(more);
                }
            }
            names
        }

        fn check(&self, schema: &Value, inst: &Value, path: &str, errors: &mut Vec<String>) {
            let Some(schema) = schema.as_object() else {
                errors.push(format!("{path}: schema is not an object"));
                return;
            };
            if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
                self.check(self.resolve(r), inst, path, errors);
                return;
            }
            for key in schema.keys() {
                let known = [
                    "allOf",
                    "type",
                    "properties",
                    "required",
                    "items",
                    "enum",
                    "nullable",
                    "minLength",
                    "maxLength",
                    "format",
                    "uniqueItems",
                ];
                if !known.contains(&key.as_str()) && !ANNOTATIONS.contains(&key.as_str()) {
                    errors.push(format!("{path}: unsupported schema keyword {key:?}"));
                }
            }
            if inst.is_null() {
                if schema.get("nullable") == Some(&Value::Bool(true)) {
                    return;
                }
                if schema.contains_key("type") || schema.contains_key("enum") {
                    errors.push(format!("{path}: null where the schema is not nullable"));
                    return;
                }
            }
            for branch in schema
                .get("allOf")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                self.check(branch, inst, path, errors);
            }
            if let Some(t) = schema.get("type").and_then(Value::as_str) {
                let ok = match t {
                    "object" => inst.is_object(),
                    "array" => inst.is_array(),
                    "string" => inst.is_string(),
                    "integer" => inst.is_i64() || inst.is_u64(),
                    "number" => inst.is_number(),
                    "boolean" => inst.is_boolean(),
                    other => {
                        errors.push(format!("{path}: unsupported type {other:?}"));
                        true
                    }
                };
                if !ok {
                    errors.push(format!("{path}: expected {t}, got {inst}"));
                    return;
                }
            }
            if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
                && !allowed.contains(inst)
            {
                errors.push(format!("{path}: {inst} is not one of {allowed:?}"));
            }
            if let Some(s) = inst.as_str() {
                let len = s.chars().count() as u64;
                if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
                    && len > max
                {
                    errors.push(format!("{path}: longer than {max} characters"));
                }
                if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
                    && len < min
                {
                    errors.push(format!("{path}: shorter than {min} characters"));
                }
                if let Some(format) = schema.get("format").and_then(Value::as_str) {
                    let ok = match format {
                        "email" => is_email(s),
                        "url" | "uri" => s.starts_with("https://") || s.starts_with("http://"),
                        "tzinfo" => self.time_zones.contains(s),
                        other => {
                            errors.push(format!("{path}: unsupported format {other:?}"));
                            true
                        }
                    };
                    if !ok {
                        errors.push(format!("{path}: {s:?} is not a valid {format}"));
                    }
                }
            }
            if let Some(obj) = inst.as_object() {
                for name in schema
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let name = name.as_str().unwrap();
                    if !obj.contains_key(name) {
                        errors.push(format!("{path}: missing required property {name:?}"));
                    }
                }
                if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                    for (name, sub) in props {
                        match obj.get(name) {
                            Some(Value::Null) if self.null_ok.contains(name.as_str()) => {}
                            Some(v) => self.validate_at(sub, v, &format!("{path}.{name}"), errors),
                            None => {}
                        }
                    }
                }
            }
            if let Some(items) = inst.as_array() {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.validate_at(item_schema, item, &format!("{path}[{i}]"), errors);
                    }
                }
                if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
                    for (i, item) in items.iter().enumerate() {
                        if items[..i].contains(item) {
                            errors.push(format!("{path}[{i}]: duplicate item"));
                        }
                    }
                }
            }
        }
    }

    fn is_email(s: &str) -> bool {
        match s.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !s.contains(char::is_whitespace)
            }
            None => false,
        }
    }
}

use validator::Spec;

fn shared_reference(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/reference")
        .join(name)
}

/// The spec, validating strictly; `None` (with a notice) when `../shared` is absent.
fn strict_spec() -> Option<Spec> {
    load_spec(&[])
}

/// The spec, accepting `null` for `job_title` (User) and `description` (Team) although the
/// schemas do not mark them nullable: PagerDuty's own earlier `listUsers` example shows
/// `"job_title": null` on a user and `"description": null` on an included team, and the
/// shared models serialise an unset value as `null`.
fn lenient_spec() -> Option<Spec> {
    load_spec(&["job_title", "description"])
}

fn load_spec(null_ok: &[&'static str]) -> Option<Spec> {
    let spec_path = shared_reference("pagerduty-rest-openapiv3.json");
    let zones_path = shared_reference("pagerduty-time-zones.txt");
    let (Ok(spec), Ok(zones)) = (
        std::fs::read_to_string(&spec_path),
        std::fs::read_to_string(&zones_path),
    ) else {
        eprintln!("skipped: ../shared not present ({})", spec_path.display());
        return None;
    };
    let root: Value = serde_json::from_str(&spec).expect("the OpenAPI document is JSON");
    let zones = zones
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    Some(Spec::new(root, zones, null_ok))
}

const SEED: &str = r#"{
  "api_keys": ["k"],
  "rate_limit": {"requests": 40, "window_seconds": 60},
  "subdomain": "acme",
  "teams": [
    {"id": "PTEAM01", "name": "IT Operations", "description": "Keeps the lights on"},
    {"id": "PTEAM02", "name": "Database", "default_role": "none"}
  ],
  "users": [
    {"id": "POWNER1", "name": "Olive Owner", "email": "owner@example.com", "role": "owner"},
    {"id": "PBOT001", "name": "Provisioning Bot", "email": "bot@example.com", "role": "admin",
     "job_title": "Automation", "description": "bio", "teams": [{"team": "IT Operations"}]},
    {"id": "PUSER01", "name": "Rita Responder", "email": "rita@example.com", "role": "limited_user",
     "time_zone": "Asia/Kolkata", "teams": [{"team": "Database"}, {"team": "IT Operations", "role": "observer"}]}
  ]
}"#;

struct Client {
    sim: SimHandle,
    http: reqwest::Client,
}

impl Client {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut rb = self
            .http
            .request(method, format!("{}{}", self.sim.url(), path))
            .header("Authorization", "Token token=k")
            .header("From", "bot@example.com");
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let resp = rb.send().await.unwrap();
        let status = resp.status();
        let bytes = resp.bytes().await.unwrap();
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        (status, value)
    }
}

fn assert_valid(spec: &Spec, schema: &Value, body: &Value, what: &str) {
    let errors = spec.validate(schema, body);
    assert!(errors.is_empty(), "{what}: {errors:#?}\nbody: {body:#}");
}

/// The spec's path template for a concrete path, e.g. `/users/PX` → `/users/{id}`;
/// literal segments win over parameters.
fn template<'a>(spec: &'a Spec, path: &str) -> &'a str {
    let segments: Vec<&str> = path.split('/').collect();
    spec.root["paths"]
        .as_object()
        .unwrap()
        .keys()
        .filter_map(|t| {
            let ts: Vec<&str> = t.split('/').collect();
            let fits = ts.len() == segments.len()
                && ts
                    .iter()
                    .zip(&segments)
                    .all(|(a, b)| a == b || (a.starts_with('{') && a.ends_with('}')));
            fits.then(|| {
                (
                    ts.iter().filter(|s| !s.starts_with('{')).count(),
                    t.as_str(),
                )
            })
        })
        .max()
        .map(|(_, t)| t)
        .unwrap_or_else(|| panic!("no spec path for {path}"))
}

#[tokio::test]
async fn success_bodies_match_the_spec() {
    let Some(spec) = lenient_spec() else { return };
    let sim = sim::start(Seed::from_json(SEED).unwrap(), 0).await.unwrap();
    let c = Client {
        sim,
        http: reqwest::Client::new(),
    };

    let (status, body) = c.call(Method::GET, "/users?total=true", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_valid(
        &spec,
        spec.response_schema("/users", "get", "200"),
        &body,
        "GET /users",
    );
    assert_eq!(body["users"].as_array().unwrap().len(), 3);

    let (status, body) = c
        .call(
            Method::POST,
            "/users",
            Some(json!({"user": {"type": "user", "name": "New Hire", "email": "New.Hire@Example.com"}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_valid(
        &spec,
        spec.response_schema("/users", "post", "201"),
        &body,
        "POST /users",
    );
    let id = body["user"]["id"].as_str().unwrap().to_string();

    let (_, body) = c.call(Method::GET, &format!("/users/{id}"), None).await;
    assert_valid(
        &spec,
        spec.response_schema("/users/{id}", "get", "200"),
        &body,
        "GET /users/{id}",
    );

    let (status, body) = c
        .call(
            Method::PUT,
            &format!("/users/{id}"),
            Some(json!({"user": {"job_title": "Engineer", "role": "observer"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_valid(
        &spec,
        spec.response_schema("/users/{id}", "put", "200"),
        &body,
        "PUT /users/{id}",
    );

    let (status, _) = c
        .call(
            Method::PUT,
            &format!("/teams/PTEAM01/users/{id}"),
            Some(json!({"role": "responder"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (_, body) = c.call(Method::GET, "/teams?total=true", None).await;
    assert_valid(
        &spec,
        spec.response_schema("/teams", "get", "200"),
        &body,
        "GET /teams",
    );
    assert_eq!(
        body["teams"][0]["description"],
        Value::Null,
        "Database has no description"
    );

    let (_, body) = c.call(Method::GET, "/teams/PTEAM01", None).await;
    assert_valid(
        &spec,
        spec.response_schema("/teams/{id}", "get", "200"),
        &body,
        "GET /teams/{id}",
    );

    let (_, body) = c.call(Method::GET, "/teams/PTEAM01/members", None).await;
    assert_valid(
        &spec,
        spec.response_schema("/teams/{id}/members", "get", "200"),
        &body,
        "GET /teams/{id}/members",
    );
    assert_eq!(body["members"].as_array().unwrap().len(), 3);

    // With include[]=teams the user's teams are full Team objects.
    let (_, body) = c
        .call(Method::GET, "/users?include%5B%5D=teams", None)
        .await;
    for user in body["users"].as_array().unwrap() {
        let mut user = user.clone();
        let teams = user["teams"].take();
        user["teams"] = json!([]);
        assert_valid(
            &spec,
            &json!({"$ref": "#/components/schemas/User"}),
            &user,
            "included user",
        );
        for team in teams.as_array().unwrap() {
            assert_valid(
                &spec,
                &json!({"$ref": "#/components/schemas/Team"}),
                team,
                "included team",
            );
        }
    }

    // Strictly, only the documented deviation (an unset job_title or team description is null)
    // stands between the simulator and the schema.
    let strict = strict_spec().unwrap();
    let (_, body) = c.call(Method::GET, "/users/PBOT001", None).await;
    assert_valid(
        &strict,
        strict.response_schema("/users/{id}", "get", "200"),
        &body,
        "strict",
    );
    let (_, body) = c.call(Method::GET, "/users/PUSER01", None).await;
    let errors = strict.validate(strict.response_schema("/users/{id}", "get", "200"), &body);
    assert_eq!(
        errors,
        ["$.user.job_title: null where the schema is not nullable"]
    );
}

#[tokio::test]
async fn error_bodies_and_status_codes_are_documented() {
    let Some(spec) = lenient_spec() else { return };
    let sim = sim::start(Seed::from_json(SEED).unwrap(), 0).await.unwrap();
    let c = Client {
        sim: sim.clone(),
        http: reqwest::Client::new(),
    };
    let mut answers = Vec::new();
    for (method, path, body) in [
        (
            Method::POST,
            "/users",
            Some(json!({"user": {"name": "X", "email": "bad"}})),
        ),
        (
            Method::POST,
            "/users",
            Some(json!({"user": {"name": "Rita", "email": "rita@example.com"}})),
        ),
        (Method::GET, "/users?offset=9990&limit=50", None),
        (Method::GET, "/users/PNOPE00", None),
        (
            Method::PUT,
            "/users/POWNER1",
            Some(json!({"user": {"role": "admin"}})),
        ),
        (Method::DELETE, "/users/POWNER1", None),
        (Method::DELETE, "/users/PNOPE00", None),
        (
            Method::PUT,
            "/teams/PTEAM02/users/PUSER01",
            Some(json!({"role": "boss"})),
        ),
        (
            Method::PUT,
            "/teams/PNOPE00/users/PUSER01",
            Some(json!({"role": "observer"})),
        ),
        (Method::GET, "/teams/PNOPE00/members", None),
    ] {
        let (status, body) = c.call(method.clone(), path, body).await;
        assert!(status.is_client_error(), "{method} {path}: {status}");
        answers.push((method, path, status, body));
    }
    // Unauthenticated, then over the rate limit.
    let resp = c
        .http
        .get(format!("{}/users", sim.url()))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    answers.push((Method::GET, "/users", status, resp.json().await.unwrap()));
    sim.set_rate_limit(0, 60);
    let (status, body) = c.call(Method::GET, "/teams", None).await;
    answers.push((Method::GET, "/teams", status, body));

    for (method, path, status, body) in &answers {
        let m = method.as_str().to_ascii_lowercase();
        let t = template(&spec, path.split('?').next().unwrap());
        let schema = spec.response_schema(t, &m, status.as_str());
        assert_valid(&spec, schema, body, &format!("{method} {path} → {status}"));
        assert!(body["error"]["code"].is_i64(), "{body}");
    }
    let statuses: Vec<u16> = answers.iter().map(|a| a.2.as_u16()).collect();
    assert_eq!(
        statuses,
        [400, 400, 400, 404, 403, 403, 404, 400, 404, 404, 401, 429]
    );

    // Every status the simulator answered in this test is one the spec documents for that
    // operation.
    for r in sim.requests() {
        let t = template(&spec, &r.path);
        let responses = &spec.root["paths"][t][r.method.to_ascii_lowercase()]["responses"];
        assert!(
            responses.get(r.status.to_string()).is_some(),
            "{} {} answered {}, which the spec does not document",
            r.method,
            r.path,
            r.status
        );
    }
}

#[tokio::test]
async fn the_validator_rejects_wrong_bodies() {
    let Some(spec) = lenient_spec() else { return };
    let good_user = json!({
        "id": "PXPGF42", "type": "user", "summary": "Earline", "self": "https://api.pagerduty.com/users/PXPGF42",
        "html_url": "https://acme.pagerduty.com/users/PXPGF42", "name": "Earline", "email": "earline@example.com",
        "time_zone": "America/Lima", "color": "green", "role": "admin", "description": null,
        "invitation_sent": false, "job_title": "Director",
        "teams": [{"id": "PQ9K7I8", "type": "team_reference", "summary": "Engineering"}]
    });
    let user_schema = spec.response_schema("/users/{id}", "get", "200");
    assert_valid(&spec, user_schema, &json!({"user": good_user}), "baseline");

    let broken = |path: &str, value: Value| {
        let mut u = good_user.clone();
        let target = u.pointer_mut(path).unwrap();
        *target = value;
        json!({"user": u})
    };
    let cases = [
        (broken("/email", json!("a@b")), "$.user.email"),
        (broken("/email", json!("x@y.z")), "shorter than 6"),
        (broken("/role", json!("superuser")), "$.user.role"),
        (broken("/role", json!("manager")), "$.user.role"),
        (broken("/name", Value::Null), "$.user.name: null"),
        (broken("/name", json!("n".repeat(101))), "longer than 100"),
        (broken("/time_zone", json!("US/Mountain")), "tzinfo"),
        (broken("/type", json!("user_reference")), "$.user.type"),
        (
            broken("/teams/0/type", json!("team")),
            "$.user.teams[0].type",
        ),
        (
            broken("/teams/0", json!({"type": "team_reference"})),
            "missing required property \"id\"",
        ),
        (broken("/invitation_sent", json!("no")), "expected boolean"),
        (broken("/self", json!("not a url")), "not a valid url"),
    ];
    for (body, needle) in cases {
        let errors = spec.validate(user_schema, &body);
        assert!(
            errors.iter().any(|e| e.contains(needle)),
            "expected an error containing {needle:?}, got {errors:?}"
        );
    }
    let mut missing = good_user.clone();
    missing.as_object_mut().unwrap().remove("email");
    let errors = spec.validate(user_schema, &json!({"user": missing}));
    assert!(
        errors
            .iter()
            .any(|e| e.contains("missing required property \"email\"")),
        "{errors:?}"
    );
    let mut misspelt = good_user.clone();
    misspelt["self_url"] = json!("https://x.io");
    let errors = spec.validate(user_schema, &json!({"user": misspelt}));
    assert_eq!(
        errors,
        ["$.user.self_url: property not declared by the schema"]
    );

    let list = spec.response_schema("/users", "get", "200");
    let errors = spec.validate(
        list,
        &json!({"users": [], "limit": 25, "offset": 0, "more": "yes", "total": null}),
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("$.more: expected boolean")),
        "{errors:?}"
    );
    let errors = spec.validate(list, &json!({"limit": 25, "offset": 0, "more": false}));
    assert!(errors.iter().any(|e| e.contains("\"users\"")), "{errors:?}");

    let members = spec.response_schema("/teams/{id}/members", "get", "200");
    let errors = spec.validate(
        members,
        &json!({"members": [{"user": {"type": "user"}, "role": "manager"}], "limit": 25, "offset": 0, "more": false, "total": null}),
    );
    assert!(
        errors.iter().any(|e| e.contains("$.members[0].user")),
        "{errors:?}"
    );

    let error_schema = spec.response_schema("/users", "post", "400");
    let errors = spec.validate(
        error_schema,
        &json!({"error": {"code": "2001", "message": "x"}}),
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("$.error.code: expected integer")),
        "{errors:?}"
    );
    let errors = spec.validate(
        error_schema,
        &json!({"error": {"code": 2001, "errors": "one"}}),
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("$.error.errors: expected array")),
        "{errors:?}"
    );

    // Keywords the validator does not implement make validation fail instead of passing.
    let errors = spec.validate(&json!({"oneOf": [{"type": "string"}]}), &json!(1));
    assert!(
        errors
            .iter()
            .any(|e| e.contains("unsupported schema keyword \"oneOf\"")),
        "{errors:?}"
    );
    let errors = spec.validate(
        &json!({"type": "string", "format": "date-time"}),
        &json!("x"),
    );
    assert!(
        errors.iter().any(|e| e.contains("unsupported format")),
        "{errors:?}"
    );

    // Without the documented leniency a null job title is an error.
    let strict = strict_spec().unwrap();
    let errors = strict.validate(user_schema, &broken("/job_title", Value::Null));
    assert_eq!(
        errors,
        ["$.user.job_title: null where the schema is not nullable"]
    );
}
