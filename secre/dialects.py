"""Request dialects: the spellings of the integration contract, normalised before validation.

Clients built from the seeds send the same body in different shapes (seed 000 camelCase, the
seed 001 README snake_case, n8n's envelope ``{"eventType": "PATIENT", "actionType": "CREATE"}``).
:func:`normalize_body` turns any of them into the canonical camelCase keys the serializers use,
and remembers how each field was spelled so that errors name fields as the client sent them.

* ``first_name`` and ``firstName`` are the same field; both at once is a 400 ``conflicting_fields``.
* Extra aliases (seed 001's ``start_datetime``) map to a canonical name.
* Keys nobody knows are a 400 ``unknown_fields`` (a typo must not silently do nothing), in bodies and
  query strings alike.
* The envelope, when present, must name the right entity and an allowed action.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import cache
from typing import Any

import humps
from rest_framework.exceptions import ValidationError

from secre.problems import ConflictingFields, UnknownFields
from secre.serializing import validating

ENVELOPE_KEYS = {"eventType": ("eventType", "event_type"), "actionType": ("actionType", "action_type")}


def canonical_name(key: str, fields: Collection[str], aliases: Mapping[str, str]) -> str | None:
    """The canonical (camelCase) field a request key stands for, or None when unknown."""
    if key in fields:
        return key
    if key in aliases:
        return aliases[key]
    camel = humps.camelize(key)
    return camel if camel in fields else None


def normalize_body(
    data: Any,
    *,
    fields: Collection[str],
    aliases: Mapping[str, str] | None = None,
    event_type: str | None = None,
    allowed_actions: Collection[str] = (),
) -> tuple[dict[str, Any], dict[str, str]]:
    """Return ``(body with canonical keys, {canonical name: name as sent})``.

    Raises ``ValidationError`` (400 validation_error) when the body is not a JSON object or the
    envelope is wrong, :class:`ConflictingFields` and :class:`UnknownFields` as described above.
    """
    aliases = aliases or {}
    if not isinstance(data, Mapping):
        raise ValidationError({"non_field_errors": ["The request body must be a JSON object."]}, code="invalid")
    body: dict[str, Any] = {}
    spelling: dict[str, str] = {}
    unknown: list[str] = []
    envelope: dict[str, tuple[str, Any]] = {}
    for key, value in data.items():
        envelope_name = next((name for name, spellings in ENVELOPE_KEYS.items() if key in spellings), None)
        if envelope_name is not None and event_type is not None:
            envelope[envelope_name] = (key, value)
            continue
        name = canonical_name(key, fields, aliases)
        if name is None:
            unknown.append(key)
            continue
        if name in body:
            raise ConflictingFields(
                f"'{spelling[name]}' and '{key}' are the same field; send one of them.",
                errors=[
                    {"field": spelling[name], "message": "Given twice in two spellings.", "code": "conflicting"},
                    {"field": key, "message": "Given twice in two spellings.", "code": "conflicting"},
                ],
            )
        body[name] = value
        spelling[name] = key
    if unknown:
        raise UnknownFields(
            f"Unknown field(s): {', '.join(sorted(unknown))}.",
            errors=[
                {"field": key, "message": "This field is not accepted here.", "code": "unknown_field"}
                for key in unknown
            ],
        )
    _check_envelope(envelope, event_type, allowed_actions)
    return body, spelling


def _check_envelope(
    envelope: dict[str, tuple[str, Any]], event_type: str | None, allowed_actions: Collection[str]
) -> None:
    errors: dict[str, list[str]] = {}
    if "eventType" in envelope:
        key, value = envelope["eventType"]
        if value != event_type:
            errors[key] = [f"Must be {event_type!r} on this endpoint."]
    if "actionType" in envelope:
        key, value = envelope["actionType"]
        if value not in allowed_actions:
            errors[key] = [f"Must be one of {', '.join(sorted(allowed_actions))} on this operation."]
    if errors:
        raise ValidationError(errors, code="invalid_envelope")


def query_param(params: Mapping[str, str], name: str, *aliases: str) -> tuple[str | None, str]:
    """Read a query parameter given in camelCase, snake_case or a listed alias.

    Returns ``(value, spelling used)``; two spellings at once is a 400 ``conflicting_fields``.
    """
    candidates = [name, humps.decamelize(name), *aliases]
    present = [key for key in dict.fromkeys(candidates) if key in params]
    if len(present) > 1:
        raise ConflictingFields(
            f"'{present[0]}' and '{present[1]}' are the same parameter; send one of them.",
            errors=[
                {"field": key, "message": "Given twice in two spellings.", "code": "conflicting"} for key in present
            ],
        )
    if not present:
        return None, name
    return params[present[0]], present[0]


@cache
def writable_field_names(serializer_class) -> tuple[str, ...]:
    """The names of ``serializer_class``'s writable fields, in order; built once per class (DRF
    deep-copies every declared field each time a serializer is made: a POST paid for it twice).
    Our serializers' fields never depend on the request."""
    return tuple(name for name, field in serializer_class().fields.items() if not field.read_only)


def validated_body(
    request,
    serializer_class,
    *,
    event_type: str | None = None,
    allowed_actions: Collection[str] = (),
    partial: bool = False,
    aliases: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Normalise ``request.data`` and validate it with ``serializer_class``; return validated_data.

    ``defaults`` (canonical names) fill fields the body does not give, such as ids from the URL.
    Field names in any validation error are reported as the client spelled them. Raises the
    400s of :func:`normalize_body` and DRF's ValidationError.
    """
    writable = writable_field_names(serializer_class)
    body, spelling = normalize_body(
        request.data,
        fields=writable,
        aliases=aliases,
        event_type=event_type,
        allowed_actions=allowed_actions,
    )
    for name, value in (defaults or {}).items():
        body.setdefault(name, value)
    if any(sent != name and "_" in sent for name, sent in spelling.items()):
        # A snake_case client: name fields it did not send (missing ones) in snake_case too.
        spelling = {name: humps.decamelize(name) for name in writable} | spelling
    request._request.field_spelling = spelling
    context = context or {"request": request}
    with validating(serializer_class, data=body, partial=partial, context=context) as serializer:
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


PAGINATION_PARAMETERS = {"pageSize": ("size",), "cursor": ()}


@cache
def _query_fields(serializer_class) -> tuple[tuple[str, ...], dict[str, str]]:
    """A query serializer's field names and ``{camelCase or snake_case spelling: name}``, built once
    per class (None: no fields). Callers copy the mapping before adding to it."""
    if serializer_class is None:
        return (), {}
    fields = tuple(serializer_class().fields)
    return fields, {name: name for name in fields} | {humps.decamelize(name): name for name in fields}


def validated_query(
    request,
    serializer_class=None,
    *,
    aliases: Mapping[str, str] | None = None,
    paged: bool = False,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Validate the query string with ``serializer_class`` (None: the operation takes no parameters).

    Every field is accepted in camelCase or snake_case, plus ``aliases`` (alias -> field); a paged list
    also takes ``pageSize`` (alias ``size``), ``cursor`` and ``page=1`` (a higher ``page`` is a 400
    pointing to ``cursor``). Anything else is a 400 ``unknown_fields`` naming it — a parameter is never
    silently ignored (a client asking for one day must not get every day). Two spellings of one
    parameter are a 400 ``conflicting_fields``. Field names in errors are as the client spelled them.
    """
    fields, spellings = _query_fields(serializer_class)
    aliases = dict(aliases or {})
    params = request.query_params
    recognised = spellings | aliases
    if paged:
        for name, extra in PAGINATION_PARAMETERS.items():
            recognised |= {name: name, humps.decamelize(name): name, **{alias: name for alias in extra}}
        recognised["page"] = "page"
    unknown = [key for key in params if key not in recognised]
    if unknown:
        raise UnknownFields(
            f"Unknown query parameter(s): {', '.join(sorted(unknown))}.",
            errors=[
                {"field": key, "message": "This parameter is not accepted here.", "code": "unknown_field"}
                for key in unknown
            ],
        )
    if paged and "page" in params and params["page"].strip() != "1":
        raise ValidationError(
            {"page": ["Pages are reached with cursor (the next link of the previous page); page=1 is the first."]},
            code="invalid",
        )
    body: dict[str, Any] = {}
    spelling: dict[str, str] = {}
    for name in fields:
        own_aliases = [alias for alias, target in aliases.items() if target == name]
        value, used = query_param(params, name, *own_aliases)
        if value is not None:
            body[name] = value
            spelling[name] = used
    if paged:
        query_param(params, "pageSize", "size")  # two spellings at once: conflicting_fields
    request._request.field_spelling = spelling
    if serializer_class is None:
        return {}
    with validating(serializer_class, data=body, context=context or {"request": request}) as serializer:
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
