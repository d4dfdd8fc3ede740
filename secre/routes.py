"""The route template of a request: what logs name instead of its path (which carries documents,
names and phones)."""

from __future__ import annotations

import re

from django.http import HttpRequest
from django.urls import Resolver404, resolve

_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def route_template(request: HttpRequest) -> str | None:
    """``/v1/patients/by-document/{documentTypeId}/{documentNumber}`` for the matched route."""
    match = getattr(request, "resolver_match", None)
    if match is None:  # answered before routing (a 401 from the tenancy middleware)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
    if not match.route:
        return None
    route = _GROUP.sub(r"{\1}", match.route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)  # path() converters
    route = route.replace("^", "").replace("$", "").replace("/?", "")
    return "/" + route.lstrip("/")
