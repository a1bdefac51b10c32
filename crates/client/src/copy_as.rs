//! The same call as a learner would type it outside the playground: a command (curl, grpcurl,
//! websocat) and a short Python snippet, so every lane can be repeated by hand.

use crate::call::{Call, Credential, Protocol};
use crate::requests::{self, Target, SOAP_NAMESPACE};

/// A command and a Python snippet for one lane.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct CopyAs {
    /// curl, grpcurl or websocat.
    pub command: String,
    /// A short script with requests, grpcio or websockets.
    pub python: String,
}

/// `'text'` for a POSIX shell.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn header_flags(credential: &Credential) -> String {
    match credential {
        Credential::None => String::new(),
        Credential::ApiKey(key) => format!(" -H {}", quoted(&format!("X-API-Key: {key}"))),
        Credential::Bearer(token) => format!(" -H {}", quoted(&format!("Authorization: Bearer {token}"))),
    }
}

fn python_headers(credential: &Credential) -> String {
    match credential {
        Credential::None => "{}".to_owned(),
        Credential::ApiKey(key) => format!("{{\"X-API-Key\": {key:?}}}"),
        Credential::Bearer(token) => format!("{{\"Authorization\": \"Bearer {token}\"}}"),
    }
}

/// A JSON value as a Python literal (`None`, `True`, `False`; strings and numbers as in JSON).
fn python(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(_) | Value::String(_) => value.to_string(),
        Value::Array(items) => format!("[{}]", items.iter().map(python).collect::<Vec<_>>().join(", ")),
        Value::Object(fields) => format!(
            "{{{}}}",
            fields
                .iter()
                .map(|(k, v)| format!("{}: {}", Value::from(k.as_str()), python(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub fn copy_as(protocol: Protocol, call: &Call, target: &Target, credential: &Credential) -> CopyAs {
    let base = target.base();
    let headers = python_headers(credential);
    match protocol {
        Protocol::Rest => {
            let request = requests::rest(call, target, credential).ok();
            let (method, path, body) = request.map_or_else(Default::default, |r| {
                (r.method().to_string(), r.uri().to_string(), String::from_utf8_lossy(r.body()).into_owned())
            });
            let data = if body.is_empty() {
                String::new()
            } else {
                format!(" -H 'Content-Type: application/json' -d {}", quoted(&body))
            };
            let python_body =
                serde_json::from_str(&body).map(|json| format!(", json={}", python(&json))).unwrap_or_default();
            CopyAs {
                command: format!("curl -i -X {method}{}{data} {base}{path}", header_flags(credential)),
                python: format!(
                    "import requests\n\nanswer = requests.request({method:?}, \"{base}{path}\", headers={headers}{python_body})\nprint(answer.status_code, answer.text)\n"
                ),
            }
        }
        Protocol::Graphql => {
            let (query, variables) = requests::graphql_document(call);
            let body = serde_json::json!({"query": query, "variables": variables}).to_string();
            CopyAs {
                command: format!(
                    "curl -i{} -H 'Content-Type: application/json' -d {} {base}/graphql",
                    header_flags(credential),
                    quoted(&body)
                ),
                python: format!(
                    "import requests\n\nquery = {query:?}\nvariables = {}\nanswer = requests.post(\"{base}/graphql\", headers={headers}, json={{\"query\": query, \"variables\": variables}})\nprint(answer.json())\n",
                    python(&variables)
                ),
            }
        }
        Protocol::Grpc => {
            let (_, message) = requests::grpc_message(call);
            let json = crate::decode::grpc_messages(&requests::grpc_path(call))
                .and_then(|(input, _)| prost_reflect::DynamicMessage::decode(input, message.as_slice()).ok())
                .and_then(|dynamic| serde_json::to_string(&dynamic).ok())
                .unwrap_or_else(|| "{}".to_owned());
            let path = requests::grpc_path(call);
            let method = path.trim_start_matches('/');
            let metadata = match credential {
                Credential::None => "[]".to_owned(),
                Credential::ApiKey(key) => format!("[(\"x-api-key\", {key:?})]"),
                Credential::Bearer(token) => format!("[(\"authorization\", \"Bearer {token}\")]"),
            };
            let grpcurl_header = header_flags(credential).to_lowercase().replace("bearer", "Bearer");
            CopyAs {
                command: format!("grpcurl -plaintext{grpcurl_header} -d {} {} {method}", quoted(&json), target.authority),
                python: format!(
                    "import grpc\n\n# The request message, protobuf-encoded ({json}).\nrequest = bytes.fromhex(\"{}\")\nchannel = grpc.insecure_channel(\"{}\")\ncall = channel.unary_unary(\"{path}\")\nreply = call(request, metadata={metadata})\nprint(reply.hex())\n",
                    message.iter().map(|b| format!("{b:02x}")).collect::<String>(),
                    target.authority
                ),
            }
        }
        Protocol::Websocket => {
            let message = requests::jsonrpc_message(call);
            let ws = format!("ws://{}/ws", target.authority);
            CopyAs {
                command: format!("echo {} | websocat{} {ws}", quoted(&message), header_flags(credential)),
                python: format!(
                    "import asyncio, websockets\n\nasync def main():\n    async with websockets.connect(\"{ws}\", additional_headers={headers}) as socket:\n        await socket.send({message:?})\n        print(await socket.recv())\n\nasyncio.run(main())\n"
                ),
            }
        }
        Protocol::Soap => {
            let envelope = requests::soap_envelope(call);
            let action = format!("\"{SOAP_NAMESPACE}/{}\"", call.pascal());
            CopyAs {
                command: format!(
                    "curl -i{} -H 'Content-Type: text/xml; charset=utf-8' -H {} -d {} {base}/soap",
                    header_flags(credential),
                    quoted(&format!("SOAPAction: {action}")),
                    quoted(&envelope)
                ),
                python: format!(
                    "import requests\n\nenvelope = \"\"\"{envelope}\"\"\"\nheaders = {{**{headers}, \"Content-Type\": \"text/xml; charset=utf-8\", \"SOAPAction\": {action:?}}}\nanswer = requests.post(\"{base}/soap\", data=envelope, headers=headers)\nprint(answer.status_code, answer.text)\n"
                ),
            }
        }
    }
}
