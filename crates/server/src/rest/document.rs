//! The OpenAPI document as served: poem-openapi's, generated from the handlers (their types,
//! bounds and answers), completed with what the gate decides for every operation at once and
//! the handlers therefore never mention: who may call (the credential kinds as security
//! schemes, and each operation's scope from the one operation table), the rate-limit and request-id headers, and
//! the range of the integer types.

use playground_domain::{Operation, Scope};
use serde_json::{json, Map, Value};

/// Every credential kind the gate takes, each a scheme of the document.
fn security_schemes(base_url: &str) -> Value {
    let scopes: Map<String, Value> = Scope::ALL
        .iter()
        .map(|scope| (scope.as_str().to_owned(), Value::from(format!("the {} scope", scope.as_str()))))
        .collect();
    json!({
        "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key",
            "description": "An API key: demo-read-key, demo-write-key, or one [auth] api_keys names."},
        "ApiKeyQuery": {"type": "apiKey", "in": "query", "name": "api_key",
            "description": "The same key where a header cannot be set (EventSource, a browser WebSocket)."},
        "Bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
            "description": "An ES256 JWT from POST /auth/login or /oauth/token, verified against /.well-known/jwks.json."},
        "OAuth2": {"type": "oauth2", "flows": {
            "authorizationCode": {
                "authorizationUrl": format!("{base_url}/oauth/authorize"),
                "tokenUrl": format!("{base_url}/oauth/token"),
                "refreshUrl": format!("{base_url}/oauth/token"),
                "scopes": scopes.clone(),
            },
            "clientCredentials": {"tokenUrl": format!("{base_url}/oauth/token"), "scopes": scopes},
        }},
    })
}

/// The operation a handler runs, by the contract name its summary ends with: `Get one user (getUser)`.
fn operation_of(summary: &str) -> Option<Operation> {
    let name = summary.strip_suffix(')')?.rsplit_once('(')?.1;
    Operation::ALL.into_iter().find(|operation| operation.name() == name)
}

fn string_header(description: &str) -> Value {
    json!({"description": description, "required": false, "deprecated": false, "schema": {"type": "string"}})
}

/// An unsigned integer's format names its width, but JSON Schema has no such bound: state the
/// type's range, so a client knows a 21-digit id is refused before it sends one.
fn bound_integers(value: &mut Value) {
    match value {
        Value::Object(object) => {
            let maximum = match object.get("format").and_then(Value::as_str) {
                Some("uint64") => Some(u64::MAX),
                Some("uint32") => Some(u64::from(u32::MAX)),
                _ => None,
            };
            if let Some(maximum) = maximum {
                object.entry("maximum").or_insert_with(|| Value::from(maximum));
                object.entry("minimum").or_insert_with(|| Value::from(0));
            }
            object.values_mut().for_each(bound_integers);
        }
        Value::Array(items) => items.iter_mut().for_each(bound_integers),
        _ => {}
    }
}

/// Completes `spec` (poem-openapi's document, as JSON text) for a server at `base_url`.
pub fn complete(spec: &str, base_url: &str) -> anyhow::Result<String> {
    let mut document: Value = serde_json::from_str(spec)?;
    bound_integers(&mut document);
    document["components"]["securitySchemes"] = security_schemes(base_url);
    let Some(paths) = document["paths"].as_object_mut() else {
        anyhow::bail!("the document has no paths");
    };
    for item in paths.values_mut() {
        let Some(methods) = item.as_object_mut() else { continue };
        for operation in methods.values_mut() {
            let gated = operation["summary"].as_str().and_then(operation_of);
            // Which scheme a call uses is the caller's choice among the four; what the operation
            // asks of it is one scope. Stated as an extension rather than as per-operation
            // `security` requirements, under which schemathesis' stateful runs stop being
            // repeatable (its generated auth alternatives change what each step leaves behind).
            if let Some(gated) = gated {
                operation["x-required-scope"] = Value::from(gated.scope().as_str());
            }
            let Some(responses) = operation["responses"].as_object_mut() else { continue };
            for response in responses.values_mut() {
                let headers = response.as_object_mut().map(|r| r.entry("headers").or_insert_with(|| json!({})));
                let Some(headers) = headers.and_then(Value::as_object_mut) else { continue };
                headers.insert(
                    "X-Request-Id".into(),
                    string_header("This answer's id, the client's own when it sent one; the access log has it too."),
                );
                if gated.is_some() {
                    headers.insert(
                        "RateLimit-Policy".into(),
                        string_header(
                            "The caller's budget: `\"tier\";q=BURST;w=SECONDS`, when the call spent from it.",
                        ),
                    );
                    headers.insert(
                        "RateLimit".into(),
                        string_header(
                            "What is left of it: `\"tier\";r=REMAINING;t=SECONDS`, when the call spent from it.",
                        ),
                    );
                }
            }
        }
    }
    Ok(serde_json::to_string_pretty(&document)?)
}
