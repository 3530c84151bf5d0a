"""A check that keeps the point of `positive_data_acceptance` where schemathesis.toml widens it.

Some operations answer a schema-valid request with 412 or 422 because of state no schema can
express (schemathesis.toml says which and why). This check still fails any schema-valid request
that the service refuses as malformed input: its problem `type` must never be one of the input
problems below, on any operation.
"""

import uuid

import schemathesis

# Problem types (suffixes of `type`) saying "the request does not fit the API", as
# crates/app/src/http/error.rs names them.
# A schema-valid request past the target or header limits would mean the document allows more
# than the service accepts, so those count too.
INPUT_PROBLEMS = (
    "/invalid-input",
    "/malformed-json",
    "/invalid-header",
    "/unsupported-media-type",
    "/uri-too-long",
    "/headers-too-large",
)


@schemathesis.check
def schema_valid_input_is_never_refused_as_invalid(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code not in (400, 414, 415, 422, 431):
        return None
    try:
        kind = response.json().get("type", "")
    except Exception:  # a 4xx that is not JSON fails other checks (content type, response schema)
        return None
    if kind.endswith(INPUT_PROBLEMS):
        raise AssertionError(f"a schema-valid request was refused as {kind}: {response.text}")
    return None


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    """Sends what a careful client sends: a fresh Idempotency-Key for each new request (a key names
    one logical request; its replays are tested in tests/http), and, for positive session creates,
    a lifetime no shorter than the run, so a session cannot end by itself between the create and
    the reads `ensure_resource_availability` makes."""
    meta = case.meta
    positive = meta is not None and meta.generation.mode.is_positive
    if not positive:
        return None
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key":
            headers[name] = str(uuid.uuid4())
    if case.operation.label == "POST /v1/sessions" and isinstance(case.body, dict):
        ttl = case.body.get("ttl_seconds")
        if isinstance(ttl, int) and not isinstance(ttl, bool) and 0 < ttl < 3600:
            case.body["ttl_seconds"] = 3600
    return None
