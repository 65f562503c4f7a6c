//! A JSON Schema (draft-04) validator for the keywords the shipped SARIF 2.1.0 schema uses.
//!
//! Why not a crate: the maintained draft-04 validators pull in an IDNA/ICU stack (over 40
//! crates) that every `cargo test` on a fresh machine would compile for this one test. The
//! schema uses a small, fixed set of keywords; any other keyword makes validation fail loudly
//! rather than pass silently.

use serde_json::Value;

/// Keywords understood here; annotations are accepted and ignored.
const KNOWN: &[&str] = &[
    "$schema",
    "id",
    "title",
    "description",
    "default",
    "format",
    "definitions",
    "$ref",
    "type",
    "enum",
    "properties",
    "additionalProperties",
    "required",
    "items",
    "minItems",
    "uniqueItems",
    "minimum",
    "maximum",
    "pattern",
    "anyOf",
    "oneOf",
];

/// Validates `doc` against `schema` (whose `$ref`s point into its own `definitions`); returns
/// every violation with its JSON pointer.
pub fn validate(schema: &Value, doc: &Value) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    check(schema, schema, doc, "", &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn check(root: &Value, s: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(s) = s.as_object() else {
        return;
    };
    for k in s.keys() {
        if !KNOWN.contains(&k.as_str()) {
            errors.push(format!(
                "{at}: schema keyword {k:?} is not supported by this checker"
            ));
        }
    }
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r
            .strip_prefix("#/definitions/")
            .unwrap_or_else(|| panic!("unsupported $ref {r}"));
        check(root, &root["definitions"][name], v, at, errors);
        return;
    }
    if let Some(t) = s.get("type") {
        let types: Vec<&str> = match t {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if !types.iter().any(|t| is_type(v, t)) {
            errors.push(format!("{at}: expected {types:?}, found {v}"));
            return;
        }
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            errors.push(format!("{at}: {v} is not one of {e:?}"));
        }
    }
    if let (Some(p), Some(text)) = (s.get("pattern").and_then(Value::as_str), v.as_str()) {
        if !regex::Regex::new(p).unwrap().is_match(text) {
            errors.push(format!("{at}: {text:?} does not match {p}"));
        }
    }
    if let Some(n) = v.as_f64() {
        if s.get("minimum")
            .and_then(Value::as_f64)
            .is_some_and(|m| n < m)
        {
            errors.push(format!("{at}: {n} is below the minimum"));
        }
        if s.get("maximum")
            .and_then(Value::as_f64)
            .is_some_and(|m| n > m)
        {
            errors.push(format!("{at}: {n} is above the maximum"));
        }
    }
    if let Some(items) = v.as_array() {
        if let Some(min) = s.get("minItems").and_then(Value::as_u64) {
            if (items.len() as u64) < min {
                errors.push(format!("{at}: fewer than {min} items"));
            }
        }
        if s.get("uniqueItems") == Some(&Value::Bool(true)) {
            for (i, a) in items.iter().enumerate() {
                if items[..i].contains(a) {
                    errors.push(format!("{at}/{i}: duplicate item"));
                }
            }
        }
        if let Some(item) = s.get("items") {
            for (i, x) in items.iter().enumerate() {
                check(root, item, x, &format!("{at}/{i}"), errors);
            }
        }
    }
    if let Some(obj) = v.as_object() {
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let r = r.as_str().unwrap_or_default();
            if !obj.contains_key(r) {
                errors.push(format!("{at}: missing required property {r:?}"));
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        for (k, x) in obj {
            let path = format!("{at}/{k}");
            match props.and_then(|p| p.get(k)) {
                Some(ps) => check(root, ps, x, &path, errors),
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        errors.push(format!("{path}: property not allowed"))
                    }
                    Some(extra @ Value::Object(_)) => check(root, extra, x, &path, errors),
                    _ => {}
                },
            }
        }
    }
    let passing = |alts: &Vec<Value>| {
        alts.iter()
            .filter(|a| {
                let mut e = Vec::new();
                check(root, a, v, at, &mut e);
                e.is_empty()
            })
            .count()
    };
    if let Some(alts) = s.get("anyOf").and_then(Value::as_array) {
        if passing(alts) == 0 {
            errors.push(format!("{at}: matches none of anyOf"));
        }
    }
    if let Some(alts) = s.get("oneOf").and_then(Value::as_array) {
        if passing(alts) != 1 {
            errors.push(format!("{at}: does not match exactly one of oneOf"));
        }
    }
}

fn is_type(v: &Value, t: &str) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        "integer" => v.as_i64().is_some() || v.as_u64().is_some(),
        _ => false,
    }
}

#[test]
fn the_checker_catches_each_keyword() {
    let schema = serde_json::json!({
        "type": "object",
        "required": ["a"],
        "additionalProperties": false,
        "properties": {
            "a": {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"$ref": "#/definitions/n"}},
            "s": {"type": "string", "pattern": "^x", "enum": ["xa", "xb"]},
            "o": {"oneOf": [{"type": "string"}, {"type": "integer"}]}
        },
        "definitions": {"n": {"type": "integer", "minimum": 0, "maximum": 9}}
    });
    assert!(validate(
        &schema,
        &serde_json::json!({"a": [1, 2], "s": "xa", "o": 3})
    )
    .is_ok());
    for bad in [
        serde_json::json!({}),
        serde_json::json!({"a": []}),
        serde_json::json!({"a": [1, 1]}),
        serde_json::json!({"a": [10]}),
        serde_json::json!({"a": [-1]}),
        serde_json::json!({"a": [1], "s": "ya"}),
        serde_json::json!({"a": [1], "s": "xc"}),
        serde_json::json!({"a": [1], "o": true}),
        serde_json::json!({"a": [1], "z": 1}),
    ] {
        assert!(validate(&schema, &bad).is_err(), "{bad} passed");
    }
}
