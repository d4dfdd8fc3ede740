"""FHIR search on the wire: declared parameters, their values, date prefixes, references, tokens, and
``searchset`` Bundles paged by the same stable cursors as /v1 (secre/pagination.py).

Rules (docs/fhir.md):

* Only the declared parameters of a resource and ``_count``, ``_cursor`` (the ``next`` link's) and
  ``_format`` are accepted; any other name — modifiers (``name:exact``) included — is a 400
  ``unknown_fields`` naming it (Secre never ignores a parameter; FHIR's ``handling=strict``).
* A parameter is given once, its values comma-separated meaning OR where the parameter allows several;
  date parameters may repeat (``date=ge2030-09-01&date=lt2030-10-01``: AND). A value is 1-200 characters.
* ``_count`` is 1-100 (default 20; above 100 is served as 100, as FHIR lets a server do).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from rest_framework.exceptions import ValidationError

from appointments.times import local_midnight, parse_instant
from fhir_api.formats import BASE_PATH
from secre.fields import MAX_YEAR, MIN_YEAR
from secre.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, StablePagination
from secre.problems import UnknownFields

RESULT_PARAMETERS = ("_count", "_cursor", "_format")
MAX_VALUE_LENGTH = 200
DATE_PREFIXES = ("eq", "lt", "le", "gt", "ge")
_DATE_VALUE = re.compile(r"^(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2})(?P<time>T.+)?)?)?$")
_PREFIX = re.compile(r"^([a-z]{2})(?=[0-9])")


@dataclass(frozen=True)
class SearchParameter:
    """A search parameter a resource implements: its FHIR ``type`` (token, string, date, reference),
    whether commas give several values (OR), whether it may repeat (AND: date ranges), and its documentation
    (the CapabilityStatement's)."""

    name: str
    type: str
    documentation: str
    any_of: bool = False
    repeats: bool = False


def search_values(request, declared: tuple[SearchParameter, ...]) -> dict[str, list[list[str]]]:
    """The query string's values of the ``declared`` parameters: ``{name: [[value, ...] per occurrence]}``.
    400s as the module says."""
    params = request.query_params
    names = {parameter.name: parameter for parameter in declared}
    unknown = [key for key in params if key not in names and key not in RESULT_PARAMETERS]
    if unknown:
        raise UnknownFields(
            f"Unknown search parameter(s): {', '.join(sorted(unknown))}.",
            errors=[
                {"field": key, "message": "This search parameter is not implemented here.", "code": "unknown_field"}
                for key in unknown
            ],
        )
    for name in RESULT_PARAMETERS:
        if len(params.getlist(name)) > 1:
            raise ValidationError({name: ["Give this parameter once."]}, code="invalid")
    found: dict[str, list[list[str]]] = {}
    for name, parameter in names.items():
        occurrences = params.getlist(name)
        if not occurrences:
            continue
        if len(occurrences) > 1 and not parameter.repeats:
            raise ValidationError({name: ["Give this parameter once; separate values with commas."]}, code="invalid")
        values = []
        for occurrence in occurrences:
            items = [item.strip() for item in occurrence.split(",")] if parameter.any_of else [occurrence.strip()]
            if any(not item or len(item) > MAX_VALUE_LENGTH or "\x00" in item for item in items):
                raise ValidationError({name: [f"Each value is 1 to {MAX_VALUE_LENGTH} characters."]}, code="invalid")
            values.append(items)
        found[name] = values
    return found


def token(value: str) -> tuple[str | None, str | None]:
    """``system|code`` -> (system, code); ``code`` -> (None, code): any system; ``|code`` -> ("", code): no
    system; ``system|`` -> (system, None): any code of that system."""
    if "|" not in value:
        return None, value
    system, _, code = value.partition("|")
    return system, code or None


def reference_ids(values: list[str], *, resource_type: str, name: str) -> list[UUID]:
    """The ids of ``Type/id``, ``id`` or ``<base>/Type/id`` references to ``resource_type`` (a reference to
    another type is a 400 naming ``name``). Ids that cannot be Secre's (not UUIDs) match nothing."""
    ids = []
    for value in values:
        parts = value.rstrip("/").split("/")
        if len(parts) >= 2:
            if parts[-2] != resource_type:
                raise ValidationError({name: [f"Must reference a {resource_type}."]}, code="invalid")
            value = parts[-1]
        try:
            ids.append(UUID(value))
        except ValueError:
            continue
    return ids


def date_bounds(
    occurrences: list[list[str]], *, name: str, zone: ZoneInfo, dates_only: bool = False
) -> tuple[Any, Any]:
    """``[from, before)`` of every prefixed value together (AND). Dates (``2030``, ``2030-09``,
    ``2030-09-26``) are local days of the clinic (``zone``) for instants, or plain dates with
    ``dates_only`` (a birth date; a time there is a 400); a date-time without offset is the clinic's wall
    clock. Prefixes: ``eq`` (default), ``lt``, ``le``, ``gt``, ``ge``; others are a 400 naming ``name``."""
    low_bound = high_bound = None
    for values in occurrences:
        if len(values) != 1:
            raise ValidationError({name: ["One value per occurrence (repeat the parameter for a range)."]})
        prefix, low, high = _prefixed_range(values[0], name=name, zone=zone, dates_only=dates_only)
        if prefix in ("eq", "ge"):
            low_bound = low if low_bound is None else max(low_bound, low)
        if prefix == "gt":
            low_bound = high if low_bound is None else max(low_bound, high)
        if prefix in ("eq", "le"):
            high_bound = high if high_bound is None else min(high_bound, high)
        if prefix == "lt":
            high_bound = low if high_bound is None else min(high_bound, low)
    return low_bound, high_bound


def _prefixed_range(raw: str, *, name: str, zone: ZoneInfo, dates_only: bool) -> tuple[str, Any, Any]:
    prefix = "eq"
    match = _PREFIX.match(raw)
    if match:
        prefix, raw = match.group(1), raw[2:]
        if prefix not in DATE_PREFIXES:
            raise ValidationError(
                {name: [f"Prefix {prefix!r} is not implemented; use {', '.join(DATE_PREFIXES)}."]}, code="invalid"
            )
    parts = _DATE_VALUE.match(raw)
    if parts is None:
        raise ValidationError({name: ["A FHIR date: YYYY, YYYY-MM, YYYY-MM-DD or a date-time."]}, code="invalid")
    if parts["time"]:
        if dates_only:
            raise ValidationError({name: ["A date without a time: YYYY, YYYY-MM or YYYY-MM-DD."]}, code="invalid")
        instant = parse_instant(raw, zone, field=name)
        step = timedelta(seconds=1) if re.match(r"^T\d{2}:\d{2}:\d{2}", parts["time"]) else timedelta(minutes=1)
        return prefix, instant, instant + step
    low, high = _calendar_range(parts, name=name)
    if dates_only:
        return prefix, low, high
    return prefix, local_midnight(low, zone), local_midnight(high, zone)


def _calendar_range(parts, *, name: str) -> tuple[date, date]:
    year = int(parts["year"])
    if not MIN_YEAR <= year < MAX_YEAR:
        raise ValidationError({name: [f"Must be between the years {MIN_YEAR} and {MAX_YEAR}."]}, code="out_of_range")
    try:
        if parts["day"]:
            low = date(year, int(parts["month"]), int(parts["day"]))
            return low, low + timedelta(days=1)
        if parts["month"]:
            low = date(year, int(parts["month"]), 1)
            return low, date(year + low.month // 12, low.month % 12 + 1, 1)
    except ValueError:
        raise ValidationError({name: ["Not a calendar date."]}, code="invalid") from None
    return date(year, 1, 1), date(year + 1, 1, 1)


class FhirPagination(StablePagination):
    """secre/pagination.py's stable cursors under FHIR's names: ``_count`` (1-100, default 20, above 100
    served as 100) and ``_cursor`` (in the ``next`` link)."""

    cursor_query_param = "_cursor"

    def get_page_size(self, request) -> int:
        raw = request.query_params.get("_count")
        if raw is None or raw.strip() == "":
            return DEFAULT_PAGE_SIZE
        if not raw.strip().isdigit() or int(raw) < 1:
            raise ValidationError({"_count": ["A whole number from 1 to 100 is required."]}, code="out_of_range")
        return min(int(raw), MAX_PAGE_SIZE)


def searchset(request, resources: list[dict[str, Any]], next_link: str | None) -> dict[str, Any]:
    """A ``searchset`` Bundle of ``resources`` with ``self`` and (when more follow) ``next`` links; no
    ``total`` (counting would cost what paging saves)."""
    base = request.build_absolute_uri(BASE_PATH)
    links = [{"relation": "self", "url": request.build_absolute_uri()}]
    if next_link:
        links.append({"relation": "next", "url": next_link})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
            for resource in resources
        ],
    }
