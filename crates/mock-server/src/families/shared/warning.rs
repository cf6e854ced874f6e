//! Contract warnings: a family that sees a client break the contract in a way the answer
//! alone does not show (an expired cursor, parameters sent beside a cursor) attaches a
//! warning to its response; the outer request layer moves them into the journal.

use std::borrow::Cow;

use axum::response::Response;

/// The warnings attached to a response, in its extensions.
#[derive(Debug, Clone, Default)]
pub struct ContractWarnings(pub Vec<Cow<'static, str>>);

/// Attaches `warning` to `response`, after any attached before.
pub fn warn(response: &mut Response, warning: impl Into<Cow<'static, str>>) {
    let extensions = response.extensions_mut();
    match extensions.get_mut::<ContractWarnings>() {
        Some(warnings) => warnings.0.push(warning.into()),
        None => {
            extensions.insert(ContractWarnings(vec![warning.into()]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_accumulate_in_order() {
        let mut response = Response::new(axum::body::Body::empty());
        warn(&mut response, "first");
        warn(&mut response, format!("second {}", 2));
        let warnings = response.extensions().get::<ContractWarnings>().unwrap();
        assert_eq!(warnings.0, ["first", "second 2"]);
    }
}
