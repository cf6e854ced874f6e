//! The mock's answers held to its OpenAPI document (docs/SPEC.md R7.13): each answer the
//! scenarios and the end-to-end tests see must have a status its operation documents, a
//! content type it documents for that status, and a JSON body that validates against the
//! documented schema.
//!
//! The document is this build's (`mock_server::app::openapi`), the one the mock serves.
//! Each (operation, status) schema is compiled once per process and kept, so holding
//! thousands of answers costs a lookup and a validation each.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
};

use jsonschema::{Draft, Validator};
use serde_json::{json, Value};

/// Which documented answer a schema is for: path template, method, status, media type.
type Key = (String, String, u16, String);

/// Checks one answer to `method path` (the path may carry its query): its status, its
/// content type, and `json`, its body as the caller parsed it (`None`: not JSON). Answers
/// to routes the document does not name (unknown paths: 404; wrong methods: 405) have
/// nothing to be held to and pass.
pub fn check(method: &str, path: &str, status: u16, content_type: &str, json: Option<&Value>) -> Result<(), String> {
    let document = mock_server::app::openapi::document();
    let path = path.split('?').next().unwrap_or_default();
    let is_head = method.eq_ignore_ascii_case("HEAD");
    let method = if is_head {
        "get".to_owned()
    } else {
        method.to_ascii_lowercase()
    };
    let Some(template) = template_of(document, path) else {
        return Ok(());
    };
    let Some(operation) = document["paths"][template].get(&method) else {
        return Ok(());
    };
    let what = format!(
        "{} {path} (operation {})",
        method.to_uppercase(),
        operation["operationId"]
    );
    let Some(response) = operation["responses"].get(status.to_string()) else {
        return Err(format!("{what}: status {status} is not documented"));
    };
    if is_head {
        return Ok(());
    }
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let Some(content) = response["content"].get(&media_type) else {
        return Err(format!(
            "{what}: status {status} answered with content type `{content_type}`, documented: {}",
            response["content"]
                .as_object()
                .map(|c| c.keys().cloned().collect::<Vec<_>>().join(", "))
                .unwrap_or_default()
        ));
    };
    if media_type != "application/json" {
        return Ok(());
    }
    let instance = json.ok_or_else(|| format!("{what}: status {status} answered with a body that is not JSON"))?;
    let key = (template.to_owned(), method, status, media_type);
    let validator = validator(key, &content["schema"])?;
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .take(5)
        .map(|error| format!("at `{}`: {error}", error.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{what}: the {status} body breaks its schema: {}",
            errors.join("; ")
        ))
    }
}

/// The document's path template that serves `path`: the one matching segment by segment
/// (a `{name}` segment stands for any non-empty one) with the most literal segments, as
/// the router prefers literals.
pub fn template_of<'d>(document: &'d Value, path: &str) -> Option<&'d str> {
    let segments: Vec<&str> = path.split('/').collect();
    document["paths"]
        .as_object()?
        .keys()
        .filter_map(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            let matches = parts.len() == segments.len()
                && parts.iter().zip(&segments).all(|(part, segment)| {
                    if part.starts_with('{') {
                        !segment.is_empty()
                    } else {
                        part == segment
                    }
                });
            matches.then(|| (parts.iter().filter(|p| !p.starts_with('{')).count(), template.as_str()))
        })
        .max_by_key(|(literals, _)| *literals)
        .map(|(_, template)| template)
}

/// The compiled schema of one documented answer, compiled on first use.
fn validator(key: Key, schema: &Value) -> Result<Arc<Validator>, String> {
    static COMPILED: OnceLock<Mutex<HashMap<Key, Arc<Validator>>>> = OnceLock::new();
    let compiled = COMPILED.get_or_init(Default::default);
    if let Some(validator) = compiled.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(validator.clone());
    }
    // The schema's `$ref`s point into the document's components: they travel with it.
    let root = json!({
        "components": mock_server::app::openapi::document()["components"],
        "allOf": [schema],
    });
    let validator = jsonschema::options()
        .with_draft(Draft::Draft202012)
        .build(&root)
        .map(Arc::new)
        .map_err(|err| format!("the schema of {key:?} does not compile: {err}"))?;
    compiled
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, validator.clone());
    Ok(validator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_held_to_their_operation_and_status() {
        let json = "application/json";
        let error = json!({"error": {"code": 3001, "message": "Basic authentication failed"}});
        let utf8 = "application/json; charset=utf-8";
        assert_eq!(check("GET", "/v3/received?msg_ids=1", 401, utf8, Some(&error)), Ok(()));
        assert_eq!(check("GET", "/v3/report/received", 401, json, Some(&error)), Ok(()));
        let renamed = json!({"error": {"code": 3001, "msg": "Basic authentication failed"}});
        assert!(check("GET", "/v3/received", 401, json, Some(&renamed)).is_err());
        assert!(check("GET", "/v3/received", 401, json, None)
            .unwrap_err()
            .contains("not JSON"));
        let undocumented = check("GET", "/v3/received", 418, json, Some(&error)).unwrap_err();
        assert!(undocumented.contains("not documented"), "{undocumented}");
        assert!(check("GET", "/v3/received", 401, "text/plain", Some(&error)).is_err());
        let item = |msg_id: Value| json!([{ "msg_id": msg_id }]);
        assert!(check("GET", "/v3/received", 200, json, Some(&item(json!(1)))).is_err());
        assert_eq!(check("GET", "/v3/received", 200, json, Some(&item(json!("1")))), Ok(()));
        // Nothing to hold these to: an unknown route, a wrong method.
        assert_eq!(check("GET", "/v3/nowhere", 404, json, Some(&error)), Ok(()));
        assert_eq!(check("PATCH", "/v3/received", 405, json, Some(&error)), Ok(()));
    }

    #[test]
    fn literal_segments_win_over_free_ones() {
        let document = mock_server::app::openapi::document();
        assert_eq!(template_of(document, "/v2/messages"), Some("/v2/messages"));
        assert_eq!(template_of(document, "/org/app/token"), Some("/{org}/{app}/token"));
        assert_eq!(template_of(document, "/_mock/faults/7"), Some("/_mock/faults/{id}"));
        assert_eq!(
            template_of(document, "/v2/users/u/messages"),
            Some("/v2/users/{username}/messages")
        );
        assert_eq!(template_of(document, "/nowhere"), None);
    }

    #[test]
    fn message_variants_are_told_apart_by_their_tag() {
        let page = |body: Value| {
            json!({ "total": 1, "count": 1, "messages": [{
                "target_type": "single", "msg_type": "text", "target_name": "b", "target_id": "b",
                "from_id": "a", "from_name": "a", "from_type": "user", "from_platform": "a",
                "from_appkey": "k", "target_appkey": "k", "msg_body": body, "create_time": 1,
                "version": 1, "msgid": 1, "msg_level": 0, "msg_ctime": 1000,
            }]})
        };
        let check_page = |page: &Value| check("GET", "/v2/messages", 200, "application/json", Some(page));
        assert_eq!(check_page(&page(json!({ "text": "hi", "extras": {} }))), Ok(()));
        let image_body = json!({
            "media_id": "m", "media_crc32": 1, "width": 1, "height": 1, "format": "jpg", "hash": "h", "fsize": 1,
        });
        assert!(
            check_page(&page(image_body)).is_err(),
            "an image body on a text message"
        );
    }
}
