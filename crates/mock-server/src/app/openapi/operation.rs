//! One operation of the document as it is built: its method and path, who may call it,
//! its parameters and body, and every status it answers with the shape of each.

use std::collections::BTreeMap;

use axum::http::Method;
use serde_json::{json, Map, Value};

use super::components::schema_ref;

/// The shape of a family's errors.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// `{"error":{"code","message"}}`: JPush, JMessage and the control API.
    Jiguang,
    /// `{"error","exception","timestamp","duration","error_description"}`.
    Easemob,
}

impl Shape {
    fn schema(self) -> Value {
        match self {
            Shape::Jiguang => schema_ref("JiguangError"),
            Shape::Easemob => schema_ref("EasemobError"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub tag: &'static str,
    pub method: Method,
    pub path: String,
    pub id: String,
    pub summary: String,
    /// The security scheme the operation needs, if any.
    security: Option<&'static str>,
    /// Whether that scheme may be left out (the control token, when none is configured).
    security_optional: bool,
    pub parameters: Vec<Value>,
    request_body: Option<Value>,
    pub responses: BTreeMap<u16, Value>,
}

impl Operation {
    pub fn new(tag: &'static str, method: Method, path: String, id: String, summary: String) -> Operation {
        Operation {
            tag,
            method,
            path,
            id,
            summary,
            security: None,
            security_optional: false,
            parameters: Vec::new(),
            request_body: None,
            responses: BTreeMap::new(),
        }
    }

    pub fn secured(mut self, scheme: &'static str) -> Operation {
        self.security = Some(scheme);
        self
    }

    /// Secured by `scheme` when the mock is configured so, open otherwise.
    pub fn optionally_secured(mut self, scheme: &'static str) -> Operation {
        self.security = Some(scheme);
        self.security_optional = true;
        self
    }

    /// A JSON request body of this schema, required.
    pub fn body(mut self, schema: Value) -> Operation {
        self.request_body = Some(json!({
            "required": true,
            "content": { "application/json": { "schema": schema } },
        }));
        self
    }

    /// A JSON answer of `status`.
    pub fn answer(self, status: u16, description: &str, schema: Value) -> Operation {
        self.content(status, description, "application/json", schema)
    }

    /// An answer of `status` whose body is `media_type` text or bytes.
    pub fn binary(self, status: u16, description: &str, media_type: &str) -> Operation {
        self.content(status, description, media_type, json!({ "type": "string" }))
    }

    pub fn content(mut self, status: u16, description: &str, media_type: &str, schema: Value) -> Operation {
        let response = self
            .responses
            .entry(status)
            .or_insert_with(|| json!({ "description": description, "content": {} }));
        response["content"][media_type] = json!({ "schema": schema });
        self
    }

    /// The family's error shape for each of `statuses` not already answered otherwise.
    pub fn errors(mut self, shape: Shape, statuses: &[u16]) -> Operation {
        for &status in statuses {
            self.responses.entry(status).or_insert_with(|| {
                json!({
                    "description": reason(status),
                    "content": { "application/json": { "schema": shape.schema() } },
                })
            });
        }
        self
    }

    /// JPush's window headers, on its answers and its 429.
    pub fn rate_limited(mut self) -> Operation {
        let header = |description: &str| json!({ "description": description, "schema": { "type": "integer" } });
        let headers = json!({
            "X-Rate-Limit-Limit": header("requests per window per app"),
            "X-Rate-Limit-Remaining": header("requests left in this window"),
            "X-Rate-Limit-Reset": header("seconds until the window ends"),
        });
        for status in [200, 429] {
            if let Some(response) = self.responses.get_mut(&status) {
                response["headers"] = headers.clone();
            }
        }
        self
    }

    /// Easemob's 429 says when to retry.
    pub fn retry_after(mut self) -> Operation {
        if let Some(response) = self.responses.get_mut(&429) {
            response["headers"] = json!({
                "Retry-After": { "description": "seconds until the app's window ends", "schema": { "type": "integer", "minimum": 1 } },
            });
        }
        self
    }

    pub fn to_json(&self) -> Value {
        let mut operation = Map::new();
        operation.insert("tags".into(), json!([self.tag]));
        operation.insert("operationId".into(), json!(self.id));
        operation.insert("summary".into(), json!(self.summary));
        if !self.parameters.is_empty() {
            operation.insert("parameters".into(), json!(self.parameters));
        }
        if let Some(body) = &self.request_body {
            operation.insert("requestBody".into(), body.clone());
        }
        let responses: Map<String, Value> = self
            .responses
            .iter()
            .map(|(status, response)| (status.to_string(), response.clone()))
            .collect();
        operation.insert("responses".into(), Value::Object(responses));
        let security = match (self.security, self.security_optional) {
            (None, _) => json!([]),
            (Some(scheme), false) => json!([{ scheme: [] }]),
            (Some(scheme), true) => json!([{}, { scheme: [] }]),
        };
        operation.insert("security".into(), security);
        Value::Object(operation)
    }
}

/// A query parameter.
pub fn param(name: &str, required: bool, description: &str, schema: Value) -> Value {
    json!({
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    })
}

/// What an error status means, whichever family answers it.
fn reason(status: u16) -> &'static str {
    match status {
        400 => "invalid parameters or body, or a malformed request (raw bytes in the target or headers, broken chunking, a body that stalls)",
        401 => "missing, malformed or wrong credentials",
        403 => "not allowed: a non-VIP app on a VIP endpoint, a download link not issued or expired, a control call from a foreign web origin",
        404 => "no such user, group, chatroom, app, hour file or fault rule",
        413 => "a request body over 2 MiB",
        414 => "a request target over 32 KiB",
        415 => "a control call with a body not declared application/json",
        429 => "over the rate limit, or an injected fault",
        431 => "request headers over 64 KiB",
        500 => "an injected fault, or a failure to build a file",
        503 => "an injected fault, or a fleet's shared store is unreachable",
        _ => "an error",
    }
}
