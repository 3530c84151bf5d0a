//! What the handlers' annotations cannot say, added to the generated document from the code that
//! enforces it: the constraints of every validated field (from `domain::rules` and the bounds
//! beside each domain type), the bearer scheme and each route's scope (from
//! [`crate::auth::ROUTES`]), the statuses the shared middleware and extractors answer with, and
//! the links from each create to the routes that use what it created.

use domain::Money;
use domain::feed::Feed;
use domain::pagination::{IdCursor, PageLimit, ProductCursor};
use domain::product::{Attributes, MAX_TAGS, PriceSort};
use domain::rules::{self, TextRule};
use domain::session::SessionTtl;
use serde_json::{Map, Value, json};

use crate::auth::{Access, ROUTES, Route, Scope};
use crate::http::headers::IF_MATCH_PATTERN;

/// The name of the bearer security scheme.
pub(crate) const BEARER: &str = "bearer";

/// A constraint the service enforces on one value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Constraint {
    /// Text shaped by a rule.
    Text(&'static TextRule),
    /// A whole number in a range.
    Int(i64, i64),
    /// A UUID.
    Uuid,
    /// A product listing's cursor.
    ProductCursor,
    /// An id-ordered listing's cursor.
    IdCursor,
    /// A product listing's order.
    Sort,
    /// A product's tags.
    Tags,
    /// A product's free-form attributes.
    Attributes,
    /// A feed's product ids.
    FeedIds,
    /// A strong entity tag this service issued.
    EntityTag,
}

const MONEY: Constraint = Constraint::Int(0, Money::MAX_MINOR);

/// Every validated property of a request body: (schema, property, constraint). A test checks that
/// every property of every request schema is listed.
pub(crate) const BODY_FIELDS: &[(&str, &str, Constraint)] = &[
    ("ProductInput", "sku", Constraint::Text(&rules::SKU)),
    ("ProductInput", "name", Constraint::Text(&rules::PRODUCT_NAME)),
    ("ProductInput", "category", Constraint::Text(&rules::CATEGORY)),
    ("ProductInput", "price_minor", MONEY),
    ("ProductInput", "currency", Constraint::Text(&rules::CURRENCY)),
    ("ProductInput", "attributes", Constraint::Attributes),
    ("ProductInput", "tags", Constraint::Tags),
    ("WalletInput", "owner", Constraint::Text(&rules::OWNER)),
    ("WalletInput", "currency", Constraint::Text(&rules::CURRENCY)),
    ("WalletInput", "opening_balance_minor", MONEY),
    ("TransferInput", "from", Constraint::Uuid),
    ("TransferInput", "to", Constraint::Uuid),
    ("TransferInput", "amount_minor", Constraint::Int(1, Money::MAX_MINOR)),
    ("TransferInput", "currency", Constraint::Text(&rules::CURRENCY)),
    ("SessionInput", "user_id", Constraint::Uuid),
    ("SessionInput", "ttl_seconds", Constraint::Int(1, SessionTtl::MAX_SECONDS as i64)),
    ("FeedInput", "product_ids", Constraint::FeedIds),
];

/// Every validated parameter: (operation, location, name, constraint); `*` is every operation.
pub(crate) const PARAMETERS: &[(&str, &str, &str, Constraint)] = &[
    ("*", "path", "id", Constraint::Uuid),
    ("*", "path", "user_id", Constraint::Uuid),
    ("*", "path", "token", Constraint::Text(&rules::SESSION_TOKEN)),
    ("*", "path", "category", Constraint::Text(&rules::CATEGORY)),
    ("*", "header", "Idempotency-Key", Constraint::Text(&rules::IDEMPOTENCY_KEY)),
    ("*", "header", "If-Match", Constraint::EntityTag),
    ("*", "query", "limit", Constraint::Int(1, PageLimit::MAX as i64)),
    ("listProducts", "query", "category", Constraint::Text(&rules::CATEGORY)),
    ("listProducts", "query", "min_price", Constraint::Int(i64::MIN, i64::MAX)),
    ("listProducts", "query", "max_price", Constraint::Int(i64::MIN, i64::MAX)),
    ("listProducts", "query", "sort", Constraint::Sort),
    ("listProducts", "query", "cursor", Constraint::ProductCursor),
    ("getLedger", "query", "cursor", Constraint::IdCursor),
    ("listAudit", "query", "cursor", Constraint::IdCursor),
    ("listAudit", "query", "subject", Constraint::Text(&rules::AUDIT_SUBJECT)),
    ("listAudit", "query", "action", Constraint::Text(&rules::AUDIT_ACTION)),
];

fn text(rule: &TextRule) -> Value {
    json!({"type": "string", "minLength": rule.min_chars, "maxLength": rule.max_chars, "pattern": rule.pattern()})
}

const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// An attribute value `depth` levels down (the top-level map's values are at depth 1).
fn attribute_value(depth: usize) -> Value {
    let mut options = vec![
        json!({"type": "null"}),
        json!({"type": "boolean"}),
        json!({"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX}),
        json!({"type": "number", "exclusiveMinimum": -TWO_POW_63, "exclusiveMaximum": TWO_POW_63}),
        json!({"type": "string", "maxLength": Attributes::MAX_TEXT_CHARS}),
    ];
    if depth < Attributes::MAX_DEPTH {
        options.push(json!({"type": "array", "items": attribute_value(depth + 1)}));
        options.push(attribute_map(depth + 1));
    }
    json!({"anyOf": options})
}

/// A map of attributes whose values are at `depth`.
fn attribute_map(depth: usize) -> Value {
    json!({"type": "object", "propertyNames": text(&rules::ATTRIBUTE_KEY), "additionalProperties": attribute_value(depth)})
}

impl Constraint {
    /// The JSON Schema of the constraint.
    pub(crate) fn schema(self) -> Value {
        match self {
            Self::Text(rule) => text(rule),
            Self::Int(min, max) => json!({"type": "integer", "format": "int64", "minimum": min, "maximum": max}),
            Self::Uuid => json!({"type": "string", "format": "uuid"}),
            Self::ProductCursor => json!({"type": "string", "pattern": ProductCursor::pattern()}),
            Self::IdCursor => json!({"type": "string", "pattern": IdCursor::pattern()}),
            Self::Sort => {
                json!({"type": "string", "enum": PriceSort::NAMES.iter().map(|(name, _)| *name).collect::<Vec<_>>()})
            }
            Self::Tags => json!({"type": "array", "maxItems": MAX_TAGS, "items": text(&rules::TAG)}),
            Self::Attributes => {
                let mut map = attribute_map(1);
                map["description"] = json!(format!(
                    "Free-form attributes: keys 1–{} characters, never starting with `$`, without `.` or NUL; \
                     values nest at most {} levels; at most {} entries over all levels (a bound JSON Schema \
                     cannot state)",
                    rules::ATTRIBUTE_KEY.max_chars,
                    Attributes::MAX_DEPTH,
                    Attributes::MAX_ENTRIES
                ));
                map
            }
            Self::FeedIds => json!({"type": "array", "maxItems": Feed::MAX_ITEMS, "uniqueItems": true,
                "items": {"type": "string", "format": "uuid"}}),
            Self::EntityTag => json!({"type": "string", "pattern": IF_MATCH_PATTERN}),
        }
    }
}

/// The constraint's schema, keeping `old`'s description unless the constraint has its own.
fn constrained(old: &Value, constraint: Constraint) -> Value {
    let mut schema = constraint.schema();
    if let (Some(description), None) = (old.get("description"), schema.get("description")) {
        schema["description"] = description.clone();
    }
    schema
}

fn problem(description: &str) -> Value {
    json!({"description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
}

/// Adds `status` to `responses` unless the handler documents it already.
fn respond(responses: &mut Map<String, Value>, status: &str, description: &str) {
    responses.entry(status.to_owned()).or_insert_with(|| problem(description));
}

fn scope_text(access: Access) -> String {
    match access {
        Access::Open => "Open: no credentials needed.".to_owned(),
        Access::Scope(scope) => format!("Needs an API key with the `{scope}` scope."),
        Access::AdminUnlessLoopback => {
            "Open when the service is bound to a loopback address; otherwise needs the `admin` scope.".to_owned()
        }
    }
}

/// A link from a response: (operation, status, link name, target operation, parameters).
type Link = (&'static str, &'static str, &'static str, &'static str, &'static [(&'static str, &'static str)]);

/// The links from each create (and update) to the routes that read, change or delete what it made.
pub(crate) const LINKS: &[Link] = &[
    ("createProduct", "201", "GetProduct", "getProduct", &[("path.id", "$response.body#/id")]),
    (
        "createProduct",
        "201",
        "UpdateProduct",
        "updateProduct",
        &[("path.id", "$response.body#/id"), ("header.If-Match", "$response.header.ETag")],
    ),
    ("createProduct", "201", "DeleteProduct", "deleteProduct", &[("path.id", "$response.body#/id")]),
    ("createProduct", "201", "GetCategoryStats", "getCategoryStats", &[("path.category", "$response.body#/category")]),
    ("updateProduct", "200", "GetProduct", "getProduct", &[("path.id", "$response.body#/id")]),
    ("updateProduct", "200", "DeleteProduct", "deleteProduct", &[("path.id", "$response.body#/id")]),
    ("createWallet", "201", "GetWallet", "getWallet", &[("path.id", "$response.body#/id")]),
    ("createWallet", "201", "GetLedger", "getLedger", &[("path.id", "$response.body#/id")]),
    ("createTransfer", "201", "GetTransfer", "getTransfer", &[("path.id", "$response.body#/id")]),
    ("createTransfer", "201", "GetDebitedWallet", "getWallet", &[("path.id", "$response.body#/from")]),
    ("createTransfer", "201", "GetDebitedLedger", "getLedger", &[("path.id", "$response.body#/from")]),
    ("createSession", "201", "GetSession", "getSession", &[("path.token", "$response.body#/token")]),
    ("createSession", "201", "DeleteSession", "deleteSession", &[("path.token", "$response.body#/token")]),
    ("putFeed", "200", "GetFeed", "getFeed", &[("path.user_id", "$response.body#/user_id")]),
];

/// Links that fill part of the target's request body (the rest is the client's): (operation,
/// status, link name, target operation, body fields).
pub(crate) const BODY_LINKS: &[Link] = &[
    (
        "createWallet",
        "201",
        "TransferFromWallet",
        "createTransfer",
        &[("from", "$response.body#/id"), ("currency", "$response.body#/currency")],
    ),
    (
        "createWallet",
        "201",
        "TransferToWallet",
        "createTransfer",
        &[("to", "$response.body#/id"), ("currency", "$response.body#/currency")],
    ),
];

/// Every operation of `document` with its route.
fn operations(document: &mut Value) -> Vec<(&'static Route, &mut Map<String, Value>)> {
    let mut found = Vec::new();
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else { return found };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (method, operation) in item.iter_mut() {
            let route = ROUTES.iter().find(|route| route.path == path && route.method.eq_ignore_ascii_case(method));
            if let (Some(route), Some(operation)) = (route, operation.as_object_mut()) {
                found.push((route, operation));
            }
        }
    }
    found
}

fn complete_operation(route: &Route, operation: &mut Map<String, Value>) {
    operation.insert("operationId".to_owned(), json!(route.name));
    let description = operation.get("description").and_then(Value::as_str).unwrap_or_default().to_owned();
    let separator = if description.is_empty() { "" } else { "\n\n" };
    operation.insert("description".to_owned(), json!(format!("{description}{separator}{}", scope_text(route.access))));
    let security = match route.access {
        Access::Open => json!([]),
        Access::Scope(scope) => json!([{BEARER: [scope.as_str()]}]),
        Access::AdminUnlessLoopback => json!([{BEARER: [Scope::Admin.as_str()]}, {}]),
    };
    operation.insert("security".to_owned(), security);
    let mut has_path_parameters = false;
    let mut has_header_parameters = false;
    for parameter in operation.get_mut("parameters").and_then(Value::as_array_mut).into_iter().flatten() {
        let location = parameter["in"].as_str().unwrap_or_default().to_owned();
        let name = parameter["name"].as_str().unwrap_or_default().to_owned();
        has_path_parameters |= location == "path";
        has_header_parameters |= location == "header";
        let found = PARAMETERS.iter().find(|(operation, at, wanted, _)| {
            (*operation == "*" || *operation == route.name) && *at == location && *wanted == name
        });
        if let Some((_, _, _, constraint)) = found {
            parameter["schema"] = constrained(&parameter["schema"], *constraint);
        }
    }
    let has_body = operation.contains_key("requestBody");
    let Some(responses) = operation.entry("responses").or_insert_with(|| json!({})).as_object_mut() else { return };
    if route.access != Access::Open {
        respond(
            responses,
            "401",
            "`unauthenticated`: no credential, or an unknown API key or session token (with `WWW-Authenticate: Bearer`)",
        );
        respond(
            responses,
            "403",
            "`forbidden`: the key lacks this route's scope, or the route is not open to a user's session",
        );
    }
    if has_header_parameters {
        let body = if has_body { "`malformed-json`: the body is not JSON; " } else { "" };
        respond(responses, "400", &format!("{body}`invalid-header`: a header is malformed (the problem names it)"));
    }
    respond(responses, "414", "`uri-too-long`: the request target (path and query) exceeds the configured limit");
    respond(responses, "431", "`headers-too-large`: the header section exceeds the configured limit");
    if has_body {
        respond(responses, "400", "`malformed-json`: the body is not JSON");
        respond(
            responses,
            "408",
            "`body-timeout`: the body did not arrive within the body read time-out (the connection is closed)",
        );
        respond(responses, "413", "`body-too-large`: the body exceeds the configured limit");
        respond(responses, "415", "`unsupported-media-type`: the body is not sent as `application/json`");
        respond(responses, "422", "`invalid-input`: a field is invalid (the problem names it)");
    }
    if has_path_parameters {
        respond(responses, "404", "`not-found`: no such resource, or a path segment that cannot name one");
    }
    if route.path.starts_with("/v1/") {
        respond(responses, "500", "`internal`: an unexpected error (its details are logged, never sent)");
        respond(
            responses,
            "503",
            "`unavailable`: nothing was applied, retry at will; `outcome-unknown`: a write may have been applied \
             (its reply was lost, or the time budget ended during its commit), retry with the same Idempotency-Key; \
             `timeout`: the request outlasted its time budget and the store gave no answer of its own; \
             `too-many-connections`: the server holds as many connections as it accepts (written before \
             the request is read, with `Retry-After: 1`)",
        );
    }
}

/// Adds everything this module states to the generated `document`.
pub(crate) fn complete(document: &mut Value) {
    let scopes: Vec<_> = Scope::ALL.iter().map(|scope| format!("`{scope}`: {}", scope.description())).collect();
    document["components"]["securitySchemes"][BEARER] = json!({
        "type": "http", "scheme": "bearer",
        "description": format!("An API key issued by the service's operator (`shop_` and 43 characters), or an end user's \
            session token from `POST /v1/sessions` (43 characters), sent as `Authorization: Bearer <credential>`. \
            A key holds scopes, and the operations below name the scope each needs. A session needs none: \
            it reaches only its user's wallets (those whose `owner` is the user's id), ledgers, transfers \
            from those wallets, feed and sessions, plus the catalogue reads; another user's object answers \
            404, every other operation 403. Scopes: {}.", scopes.join("; ")),
    });
    if let Some(schemas) = document["components"]["schemas"].as_object_mut() {
        for (schema, property, constraint) in BODY_FIELDS {
            if let Some(slot) = schemas.get_mut(*schema).and_then(|s| s["properties"].get_mut(*property)) {
                *slot = constrained(slot, *constraint);
            }
        }
    }
    for (route, operation) in operations(document) {
        complete_operation(route, operation);
    }
    let links =
        LINKS.iter().map(|link| (link, "parameters")).chain(BODY_LINKS.iter().map(|link| (link, "requestBody")));
    for ((from, status, name, target, values), member) in links {
        let values: Map<String, Value> = values.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
        for (route, operation) in operations(document) {
            if route.name == *from
                && let Some(response) = operation.get_mut("responses").and_then(|r| r.get_mut(*status))
            {
                response["links"][*name] = json!({"operationId": target, member: values});
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn document() -> Value {
        crate::http::openapi::document()
    }

    /// Whether every keyword of `expected` is in `actual` with the same value.
    fn states(actual: &Value, expected: &Value) -> bool {
        expected.as_object().is_some_and(|expected| expected.iter().all(|(key, value)| actual.get(key) == Some(value)))
    }

    #[test]
    fn every_request_field_and_parameter_states_the_constraint_its_validation_enforces() {
        let mut document = document();
        let schemas = document["components"]["schemas"].clone();
        let mut bodies = Vec::new();
        for (route, operation) in operations(&mut document) {
            let body = &operation.get("requestBody").cloned().unwrap_or_default()["content"]["application/json"];
            if let Some(reference) = body["schema"]["$ref"].as_str() {
                bodies.push(reference.trim_start_matches("#/components/schemas/").to_owned());
            }
            for parameter in operation.get("parameters").and_then(Value::as_array).into_iter().flatten() {
                let (at, name) =
                    (parameter["in"].as_str().unwrap_or_default(), parameter["name"].as_str().unwrap_or_default());
                let found = PARAMETERS.iter().find(|(operation, location, wanted, _)| {
                    (*operation == "*" || *operation == route.name) && *location == at && *wanted == name
                });
                let Some((_, _, _, constraint)) = found else { panic!("{} {at} {name}: no constraint", route.name) };
                assert!(states(&parameter["schema"], &constraint.schema()), "{} {name}: {}", route.name, parameter);
            }
        }
        assert!(bodies.len() >= 5, "request bodies found: {bodies:?}");
        for schema in bodies {
            let properties = schemas[&schema]["properties"].as_object().cloned().unwrap_or_default();
            assert!(!properties.is_empty(), "{schema} has no properties");
            for (property, stated) in properties {
                let found = BODY_FIELDS.iter().find(|(s, p, _)| *s == schema && *p == property);
                let Some((_, _, constraint)) = found else { panic!("{schema}.{property}: no constraint") };
                assert!(states(&stated, &constraint.schema()), "{schema}.{property}: {stated}");
            }
        }
    }

    #[test]
    fn every_route_declares_its_scope_and_the_statuses_of_authentication() {
        let mut document = document();
        assert_eq!(document["components"]["securitySchemes"][BEARER]["scheme"], "bearer");
        let found = operations(&mut document);
        assert_eq!(found.len(), ROUTES.len(), "every route is documented once");
        for (route, operation) in found {
            assert_eq!(operation["operationId"], route.name);
            let responses = &operation["responses"];
            match route.access {
                Access::Scope(scope) => {
                    assert_eq!(operation["security"], json!([{BEARER: [scope.as_str()]}]), "{}", route.name);
                    assert!(responses["401"].is_object() && responses["403"].is_object(), "{}", route.name);
                }
                Access::Open => assert_eq!(operation["security"], json!([]), "{}", route.name),
                Access::AdminUnlessLoopback => assert!(responses["403"].is_object()),
            }
            for status in ["414", "431"] {
                assert!(responses[status].is_object(), "{} lacks {status}", route.name);
            }
            if operation.contains_key("requestBody") {
                for status in ["400", "408", "413", "415", "422"] {
                    assert!(responses[status].is_object(), "{} lacks {status}", route.name);
                }
            }
        }
    }

    #[test]
    fn every_create_links_to_the_routes_that_use_what_it_made() {
        let mut document = document();
        for (from, status, name, target, _) in LINKS.iter().chain(BODY_LINKS) {
            assert!(ROUTES.iter().any(|route| route.name == *target), "{name} targets an unknown {target}");
            let linked = operations(&mut document).into_iter().any(|(route, operation)| {
                route.name == *from && operation["responses"][*status]["links"][*name]["operationId"] == *target
            });
            assert!(linked, "{from} {status} has no link {name}");
        }
        for create in ["createProduct", "createWallet", "createTransfer", "createSession"] {
            assert!(LINKS.iter().any(|(from, ..)| from == &create), "{create} links nowhere");
        }
    }

    fn text_rules() -> Vec<&'static TextRule> {
        let mut found = vec![&rules::TAG, &rules::ATTRIBUTE_KEY];
        let constraints = BODY_FIELDS.iter().map(|(_, _, c)| c).chain(PARAMETERS.iter().map(|(_, _, _, c)| c));
        found.extend(constraints.filter_map(|constraint| match constraint {
            Constraint::Text(rule) => Some(*rule),
            _ => None,
        }));
        found
    }

    /// Whether the stated schema (pattern and lengths) admits `value`.
    fn admitted(rule: &TextRule, pattern: &regex::Regex, value: &str) -> bool {
        let length = value.chars().count();
        pattern.is_match(value) && (rule.min_chars..=rule.max_chars).contains(&length)
    }

    const SAMPLES: &[&str] = &[
        "",
        "a",
        "A",
        "0",
        "EUR",
        "eur",
        "Lamp",
        " Lamp ",
        "\tLamp",
        "La\u{7}mp",
        " ",
        "\u{3000}",
        "\u{a0}x",
        "x\u{85}",
        "\u{1f600}",
        "$where",
        "a.b",
        "a\0b",
        "a b",
        "ABC-123_x.1",
        "kitchen-2",
        "wallet:0190",
        "a:b.c",
        "\u{7f}",
        "\u{9f}",
        "~!",
        "x\u{2028}",
    ];

    #[test]
    fn every_pattern_admits_exactly_what_its_rule_accepts_on_samples() {
        for rule in text_rules() {
            let pattern = regex::Regex::new(&rule.pattern()).expect("the pattern compiles");
            let long = ["a".repeat(rule.max_chars), "a".repeat(rule.max_chars + 1), "A".repeat(rule.min_chars)];
            for value in SAMPLES.iter().copied().chain(long.iter().map(String::as_str)) {
                let accepted = rule.check(value).is_ok();
                assert_eq!(admitted(rule, &pattern, value), accepted, "{}: {value:?}", rule.field);
            }
        }
    }

    proptest! {
        #[test]
        fn every_pattern_admits_exactly_what_its_rule_accepts(value in "(\\PC|[\\t\\u{0}\\u{7f}\\u{85} $.]){0,70}") {
            for rule in text_rules() {
                let pattern = regex::Regex::new(&rule.pattern()).expect("the pattern compiles");
                prop_assert_eq!(admitted(rule, &pattern, &value), rule.check(&value).is_ok(), "{}: {:?}", rule.field, value);
            }
        }
    }
}
