"""Cursor pagination for the paged lists: ``{"results": [...], "next": url|null, "previous": url|null}``."""

from __future__ import annotations

import binascii
from base64 import b64decode
from collections import OrderedDict
from urllib.parse import parse_qs
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.response import Response

from secre.dialects import query_param
from secre.problems import InvalidCursor

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


_CURSOR_TOKENS = {"o", "r", "p"}  # DRF's offset, reverse and position


def _well_formed(raw: str) -> bool:
    """Whether ``raw`` is what DRF's encode_cursor writes: strict base64 of a query string of its tokens
    (DRF's own decoding skips characters outside the alphabet, so ``%%%`` would read as the first page)."""
    try:
        decoded = b64decode(raw.encode("ascii"), validate=True).decode("ascii")
    except (UnicodeError, binascii.Error, ValueError):
        return False
    tokens = parse_qs(decoded, keep_blank_values=True)
    return bool(tokens) and set(tokens) <= _CURSOR_TOKENS and all(len(values) == 1 for values in tokens.values())


class ReadWindow:
    """The rows a selector has already read for :meth:`StablePagination.forward_window`'s ``(after,
    limit)`` — in id order, after ``after``, at most ``limit`` — standing in for the queryset
    :meth:`StablePagination.paginate_queryset` would have read them from, so that DRF's own cursor code
    computes the page and its ``next``/``previous`` links exactly as for a queryset (one statement built
    once instead of the ORM's; issue 16, docs/benchmarks.md).

    It answers only the calls that window implies — ``order_by("id")``, ``filter(id__gt=after)`` when
    there is a cursor, and a slice within ``[0, limit)`` — and raises TypeError for any other: a cursor
    the window was not read for is never answered from it.
    """

    def __init__(self, rows: list, *, after: UUID | None, limit: int) -> None:
        self.rows = rows
        self.after = after
        self.limit = limit
        self.filtered = after is None

    def order_by(self, *fields: str) -> ReadWindow:
        if fields != (StablePagination.ordering,):
            raise TypeError(f"a window read in id order cannot be ordered by {fields}")
        return self

    def filter(self, **conditions) -> ReadWindow:
        if self.after is None or conditions.keys() != {"id__gt"} or UUID(str(conditions["id__gt"])) != self.after:
            raise TypeError(f"a window read after {self.after} cannot answer {conditions}")
        self.filtered = True
        return self

    def __getitem__(self, window: slice) -> list:
        if not self.filtered or (window.start or 0) != 0 or window.stop is None or window.stop > self.limit:
            raise TypeError(f"a window of {self.limit} rows after {self.after} cannot answer {window}")
        return self.rows[window]


class StablePagination(CursorPagination):
    """Keyset pagination in a stable order (``id``: UUIDv7, so creation order), absolute links.

    ``pageSize`` (or ``size``) is 1-100 (default 20); anything else is a 400 naming ``pageSize``.
    Links honour ``X-Forwarded-Proto``/``-Host`` behind a proxy (USE_PROXY_HEADERS). The cursor is opaque
    and carries no personal data; one this API did not give out (undecodable, or crafted) is a 400
    ``invalid_cursor``.
    """

    ordering = "id"
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "pageSize"
    max_page_size = MAX_PAGE_SIZE
    cursor_query_param = "cursor"

    def __init__(
        self,
        page_size: object | None = None,
        ordering: str | tuple[str, ...] | None = None,
        max_page_size: int | None = None,
    ) -> None:
        # A page size given in a JSON body (POST .../search) instead of the query string.
        self.body_page_size = page_size
        if ordering is not None:
            self.ordering = ordering
        if max_page_size is not None:
            self.max_page_size = max_page_size
            self.page_size = min(self.page_size, max_page_size)

    def decode_cursor(self, request):
        raw = request.query_params.get(self.cursor_query_param)
        if raw and not _well_formed(raw):
            raise InvalidCursor()
        try:
            cursor = super().decode_cursor(request)
        except (NotFound, UnicodeError, ValueError):
            raise InvalidCursor() from None
        if (
            cursor is not None
            and cursor.position is not None
            and ("\x00" in cursor.position or len(cursor.position) > 100)
        ):
            raise InvalidCursor()
        return cursor

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (DjangoValidationError, ValueError, TypeError, OverflowError, DataError):
            if request.query_params.get(self.cursor_query_param) is None:
                raise
            raise InvalidCursor() from None  # a position that is not a value of the ordering field

    def get_page_size(self, request) -> int:
        raw = self.body_page_size
        if raw is None:
            raw, _ = query_param(request.query_params, self.page_size_query_param, "size")
        if raw is None or raw == "":
            return self.page_size
        try:
            size = int(raw)
            if isinstance(raw, bool) or str(size) != str(raw).strip():
                raise ValueError
        except (TypeError, ValueError):
            raise ValidationError(
                {"pageSize": [f"A whole number from 1 to {self.max_page_size} is required."]}, code="invalid"
            ) from None
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({"pageSize": [f"Must be from 1 to {self.max_page_size}."]}, code="out_of_range")
        return size

    def position(self, request) -> UUID | None:
        """For a list paged by hand in id order (rows kept by a test the database cannot make): the id the
        ``cursor`` continues after, or None on the first page. InvalidCursor (400) for any other cursor."""
        position = self.text_position(request)
        if position is None:
            return None
        try:
            return UUID(position)
        except ValueError:
            raise InvalidCursor() from None

    def text_position(self, request) -> str | None:
        """For a list paged by hand in the order of a text key (computed rows: FHIR Slots): the key the
        ``cursor`` continues after, or None on the first page. InvalidCursor (400) for a cursor this API
        did not give out; the caller refuses a key it cannot read the same way."""
        self.base_url = request.build_absolute_uri()
        cursor = self.decode_cursor(request)
        if cursor is None or cursor.position is None:
            return None
        if cursor.reverse or cursor.offset:
            raise InvalidCursor()
        return cursor.position

    def forward_window(self, request) -> tuple[UUID | None, int] | None:
        """``(after, limit)`` of the rows this request's page reads in id order: after the cursor's id
        (None on the first page), ``pageSize + 1`` of them (the extra one says whether a next page
        exists). None when the cursor goes backwards or is not one this API gave out: the caller then
        reads its whole result and :meth:`paginate_queryset` answers (or refuses) as always. For a
        selector that can stop at the page, such as the name search (patients/selectors.py)."""
        try:
            after = self.position(request)
        except (APIException, ValueError):
            return None
        return after, self.get_page_size(request) + 1

    def link_after(self, position: UUID | str | None) -> str | None:
        """The ``next`` link of a list paged by hand: continue after ``position`` (None: the last page)."""
        if position is None:
            return None
        return self.encode_cursor(Cursor(offset=0, reverse=False, position=str(position)))

    def get_paginated_response(self, data) -> Response:
        return Response(
            OrderedDict([("results", data), ("next", self.get_next_link()), ("previous", self.get_previous_link())])
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["results", "next", "previous"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "format": "uri", "nullable": True},
                "previous": {"type": "string", "format": "uri", "nullable": True},
            },
        }
