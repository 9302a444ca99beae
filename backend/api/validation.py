"""Turning a signed body into its request model, with the reference's validation messages.

Where whitebit-v4 documents a message it is used verbatim, translation keys included
(`validation.max.integer`, `validation.min`, `validation.integer`; gap 18: keys stay keys, since
clients match on them). Elsewhere the message is Laravel-style English, as the documented ones
are (`The name has already been taken.`). Timestamps out of range are the documented 422
`Incorrect timestamp`, not a field error.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from backend.api.errors import ApiError, incorrect_timestamp, validation_failed

M = TypeVar("M", bound=BaseModel)

AUTH_FIELDS = frozenset({"request", "nonce", "nonceWindow"})
"""Body fields that belong to authentication, not to the endpoint."""

TIME_FIELDS = frozenset({"from", "to"})


def _message(error: dict[str, Any], field: str) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return f"The {field} field is required."
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return "validation.integer"
    if kind in {"less_than_equal", "less_than"}:
        return "validation.max.integer" if field == "limit" else "validation.max"
    if kind in {"greater_than_equal", "greater_than"}:
        return "validation.min"
    if kind == "string_type":
        return f"The {field} must be a string."
    if kind == "string_too_long":
        return f"The {field} may not be greater than {ctx.get('max_length')} characters."
    if kind == "string_pattern_mismatch":
        return f"The {field} format is invalid."
    if kind == "literal_error":
        return f"The selected {field} is invalid."
    if kind == "list_type":
        return f"The {field} must be an array."
    if kind == "too_short":
        return f"The {field} must have at least {ctx.get('min_length')} items."
    if kind == "too_long":
        return f"The {field} may not have more than {ctx.get('max_length')} items."
    return f"The {field} is invalid."


def parse_body(model: type[M], body: dict[str, Any]) -> M:
    """`body` (without its authentication fields) as `model`; ApiError in the v4 shape."""
    fields = {name: value for name, value in body.items() if name not in AUTH_FIELDS}
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise _failure(exc) from None


def _failure(exc: ValidationError) -> ApiError:
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        loc = error["loc"]
        field = str(loc[0]) if loc else "error"
        if field in TIME_FIELDS and error["type"] in {"greater_than_equal", "less_than_equal"}:
            return incorrect_timestamp()
        errors.setdefault(field, []).append(_message(error, field))
    return validation_failed(errors)
