//! The control API's operations, one per route of `control_routes::ROUTES` and of the
//! dashboard's files: who may call each (the optional `--control-token`, R7.8), what it
//! takes and what it answers.

use serde_json::{json, Value};

use super::{
    components::schema_ref,
    operation::{param, Operation, Shape},
};
use crate::{
    app::{
        control_routes::{self, ControlRoute, Endpoint},
        dashboard,
    },
    control::journal,
};

/// Every control operation, dashboard files included.
pub fn operations() -> Vec<Operation> {
    let mut all: Vec<Operation> = control_routes::ROUTES.iter().map(operation).collect();
    all.extend(dashboard::ASSETS.iter().enumerate().map(|(i, asset)| {
        let id = ["mockDashboard", "mockDashboardScript", "mockDashboardStyle"][i];
        let media_type = asset.content_type.split(';').next().unwrap_or_default();
        guarded(
            Operation::new(
                "control",
                axum::http::Method::GET,
                asset.path.to_owned(),
                id.to_owned(),
                format!("The dashboard's {media_type} (R7.11)"),
            )
            .binary(200, "the file", media_type),
            true,
            false,
        )
    }));
    all
}

fn operation(route: &ControlRoute) -> Operation {
    use Endpoint as E;
    let (id, summary) = names(route);
    let public = control_routes::is_public(&route.method, route.path);
    let changes_state = route.method != axum::http::Method::GET;
    let mut op = Operation::new(
        "control",
        route.method.clone(),
        route.path.to_owned(),
        id,
        summary.to_owned(),
    );
    op = match route.endpoint {
        E::Index => op
            .answer(200, "what the mock serves (HTML for an Accept that asks for text/html first)", schema_ref("MockIndex"))
            .content(200, "", "text/html", json!({ "type": "string" })),
        E::Health => op
            .answer(200, "ready", schema_ref("MockHealth"))
            .answer(503, "a fleet's shared store is unreachable", schema_ref("MockHealth")),
        E::OpenApi => op.answer(200, "this document", json!({ "type": "object", "required": ["openapi", "paths"] })),
        E::Apps => op.answer(200, "the apps, their credentials and sample ids", schema_ref("MockApps")),
        E::GetClock => op.answer(200, "the mock clock", schema_ref("MockClock")),
        E::SetClock => op
            .body(schema_ref("MockSetClock"))
            .answer(200, "the clock, moved", schema_ref("MockClock")),
        E::AdvanceClock => op
            .body(schema_ref("MockAdvance"))
            .answer(200, "the clock, moved", schema_ref("MockClock")),
        E::ListFaults => op.answer(200, "the fault rules", schema_ref("MockFaults")),
        E::AddFault => op
            .body(schema_ref("MockFaultRule"))
            .answer(201, "the rule's id", count("id")),
        E::ClearFaults => op.answer(200, "how many rules were deleted", count("deleted")),
        E::DeleteFault => {
            op.parameters.push(json!({
                "name": "id", "in": "path", "required": true,
                "schema": { "type": "integer", "minimum": 0 },
            }));
            op.answer(200, "deleted", count("deleted")).errors(Shape::Jiguang, &[404])
        }
        E::GetRateLimits => op.answer(200, "the quotas", schema_ref("MockRateLimits")),
        E::SetRateLimits => op
            .body(schema_ref("MockRateLimitsChange"))
            .answer(200, "the quotas, changed", schema_ref("MockRateLimits")),
        E::ReadJournal => {
            op.parameters = journal_params();
            op.answer(200, "a page of the journal", schema_ref("MockJournalPage"))
        }
        E::CountJournal => {
            op.parameters = journal_params().into_iter().filter(|p| p["name"] != "limit").collect();
            op.answer(200, "how many entries pass the filters", count("count"))
        }
        E::ClearJournal => op.answer(
            200,
            "the journal, emptied",
            json!({ "type": "object", "properties": { "entries": { "type": "array", "maxItems": 0 } }, "required": ["entries"], "additionalProperties": false }),
        ),
        E::Reset => op.answer(
            200,
            "back to the startup state",
            json!({ "type": "object", "properties": { "reset": { "const": true }, "clock": schema_ref("MockClock") }, "required": ["reset", "clock"], "additionalProperties": false }),
        ),
    };
    guarded(op, public, changes_state)
}

/// What the guard and the HTTP limits may answer: 401 without the token (unless public),
/// 403 from a foreign origin, 415 for a state change whose body is not JSON, 400/413/414/431
/// from the limits, 503 in a fleet whose store is unreachable.
fn guarded(op: Operation, public: bool, changes_state: bool) -> Operation {
    let mut statuses = vec![400, 403, 413, 414, 431, 503];
    if !public {
        statuses.push(401);
    }
    if changes_state {
        statuses.push(415);
    }
    let op = if public {
        op
    } else {
        op.optionally_secured("controlToken")
    };
    op.errors(Shape::Jiguang, &statuses)
}

/// `{"<name>": N}`.
fn count(name: &str) -> Value {
    json!({
        "type": "object",
        "properties": { name: { "type": "integer", "minimum": 0 } },
        "required": [name],
        "additionalProperties": false,
    })
}

fn journal_params() -> Vec<Value> {
    control_routes::JOURNAL_PARAMS
        .iter()
        .map(|&name| match name {
            "family" => param(
                name,
                false,
                "only this family's requests",
                json!({ "type": "string", "enum": ["jpush", "jmessage", "easemob"] }),
            ),
            "status" => param(
                name,
                false,
                "only answers of this status",
                json!({ "type": "integer", "minimum": 100, "maximum": 599 }),
            ),
            "path" => param(
                name,
                false,
                "only this path",
                json!({ "type": "string", "maxLength": journal::MAX_FIELD_BYTES }),
            ),
            "app" => param(
                name,
                false,
                "only this app (appKey, or org#app)",
                json!({ "type": "string", "maxLength": journal::MAX_FIELD_BYTES }),
            ),
            "warnings" => param(
                name,
                false,
                "only entries with contract warnings",
                json!({ "type": "boolean" }),
            ),
            "since" => param(
                name,
                false,
                "only entries after this seq",
                json!({ "type": "integer", "minimum": 0 }),
            ),
            "limit" => param(
                name,
                false,
                &format!("entries per page (default {})", journal::DEFAULT_PAGE),
                json!({ "type": "integer", "minimum": 1, "maximum": journal::MAX_PAGE }),
            ),
            other => panic!("no description of journal parameter {other}"),
        })
        .collect()
}

/// The operation id and summary of a control route.
fn names(route: &ControlRoute) -> (String, &'static str) {
    use Endpoint as E;
    let summary = match route.endpoint {
        E::Index => "The index: families, demo apps, control routes, documents (R7.9)",
        E::Health => "Readiness (R7.1)",
        E::OpenApi => "This OpenAPI document (R7.13)",
        E::Apps => "The demo apps with credentials and sample ids (R7.2)",
        E::GetClock => "The mock clock (R7.3)",
        E::SetClock => "Move or freeze the mock clock (R7.3)",
        E::AdvanceClock => "Move the mock clock by some seconds (R7.3)",
        E::ListFaults => "The fault rules (§5)",
        E::AddFault => "Add a fault rule (§5)",
        E::ClearFaults => "Delete every fault rule (§5)",
        E::DeleteFault => "Delete one fault rule (§5)",
        E::GetRateLimits => "The rate limits (R7.4)",
        E::SetRateLimits => "Change the rate limits (R7.4)",
        E::ReadJournal => "Read the request journal (R7.5)",
        E::ClearJournal => "Empty the request journal (R7.5)",
        E::CountJournal => "Count journal entries (R7.5)",
        E::Reset => "Back to the startup state (R7.7)",
    };
    // `/` and `/_mock` serve the same index: the root gets its own id.
    let id = if route.path == "/" {
        "mockRoot".to_owned()
    } else {
        format!("mock{:?}", route.endpoint)
    };
    (id, summary)
}
