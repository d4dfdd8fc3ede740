"""The MCP server at ``/mcp``: Streamable HTTP, stateless, a plain synchronous Django view. The one module
that knows django-mcpz (young: pinned in requirements/base.txt, and used nowhere else).

Why django-mcpz: it is a synchronous view, so each tool runs on the request's own thread and database
connection, inside the tenancy middleware's transaction and tenant context (RLS, the key's scopes, rate
limits, the audit trail with origin ``mcp``, events, the JSON logs hold as for REST). It speaks the
initialize handshake of the 2025 revisions statelessly (n8n's MCP Client Tool, the MCP TypeScript and
Python SDKs' Streamable HTTP clients) and the stateless 2026-07-28 revision.

What this module adds around each tool call (agents/tools.py declares the tools):

* the key's scope: read tools need ``read``, write tools ``write`` (a tool error ``permission_denied``
  with ``missingScope`` otherwise: nothing runs);
* a savepoint: a tool that fails leaves nothing written (JSON-RPC answers tool errors with HTTP 200, so
  the middleware's "status >= 400 rolls back" never fires);
* errors as MCP tool errors (``isError: true``) whose text is a compact JSON object: the problem
  ``code`` of docs/errors.md, a one-sentence ``detail``, the problem's own members (``errors``,
  ``conflictingAppointmentId``, ``nextFreeSlots``...). An unexpected exception is ``server_error``,
  logged with the request id;
* one ``tool call`` log line: tool name, outcome, problem code, duration (never the arguments);
* bodies nested deeper than the REST API's limit refused before decoding;
* the Origin guard (the MCP specification's DNS-rebinding defence): an ``Origin`` header that is
  present and not in ``MCP_ALLOWED_ORIGINS`` is a 403; requests without one (n8n and other
  server-side clients) pass.
"""

from __future__ import annotations

import json
import logging
import time
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django_mcpz.jsonrpc import PARSE_ERROR, error_response
from django_mcpz.server import MCPServer, ToolError
from drf_standardized_errors.formatter import flatten_errors
from rest_framework import exceptions

from agents.tools import TOOLS, ToolContext, ToolSpec
from secre.parsers import MAX_DEPTH, nesting_exceeds, unstorable_text
from secre.problems import AuthenticationFailed, PermissionDenied, Problem, problem_response_for
from tenants.scopes import READ

logger = logging.getLogger("agents.mcp")

SERVER_NAME = "secre"
SERVER_VERSION = "1.0.0"
INSTRUCTIONS = (
    "Tools of one clinic's scheduling in Secre: find or register the patient, look up specialties, doctors "
    "and free slots, hold a slot while the patient decides, book, reschedule, confirm or cancel. Times: "
    "results give each time in the clinic's local time (startLocal, with its UTC offset) and in UTC "
    "(startUtc); arguments take either, and a time without an offset is the clinic's local time. A failed "
    "tool returns a JSON error with a code and, for a taken slot, nextFreeSlots to offer instead."
)


def origin_allowed(origin: str | None) -> bool:
    """No ``Origin`` (a server-side client) or one listed in ``MCP_ALLOWED_ORIGINS`` (scheme://host[:port],
    compared without a trailing slash, case-insensitively)."""
    if origin is None:
        return True
    allowed = {entry.rstrip("/").lower() for entry in settings.MCP_ALLOWED_ORIGINS}
    return origin.strip().rstrip("/").lower() in allowed


class _SecreMCPServer(MCPServer):
    """django-mcpz's server with Secre's Origin guard in place of its own (which compares the Origin's
    host with ALLOWED_HOSTS): the allowed browser origins are a setting of their own."""

    def _origin_allowed(self, request: HttpRequest) -> bool:
        return origin_allowed(request.headers.get("Origin"))


def _key_checked(request: HttpRequest) -> HttpResponse | None:
    """The server's auth hook: the tenancy middleware has resolved the key (401 before any view
    otherwise); a request that reached here without a tenant key is refused all the same."""
    client = getattr(request, "api_client", None)
    if client is None or client.is_platform:
        return problem_response_for(AuthenticationFailed(), request)
    return None


server = _SecreMCPServer(
    name=SERVER_NAME,
    title="Secre scheduling",
    version=SERVER_VERSION,
    instructions=INSTRUCTIONS,
    auth=_key_checked,
)


def _register(spec: ToolSpec) -> None:
    def call(request: HttpRequest, arguments: dict[str, Any]) -> dict[str, Any]:
        return run_tool(spec, request, arguments)

    server.tool(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        input_schema=spec.input_schema,
        read_only=spec.scope == READ,
        destructive=spec.destructive,
        idempotent=spec.idempotent,
        open_world=False,
    )(call)


def run_tool(spec: ToolSpec, request: HttpRequest, arguments: dict[str, Any]) -> dict[str, Any]:
    """Run one tool call: scope, argument text, savepoint, errors as tool errors, the log line."""
    started = time.perf_counter()
    code = None
    try:
        client = request.api_client
        if not client.has_scope(spec.scope):
            raise PermissionDenied(f"This API key lacks the {spec.scope!r} scope.", missingScope=spec.scope)
        where = unstorable_text(arguments)
        if where is not None:
            raise exceptions.ValidationError(
                {where: ["Text may not contain NUL characters or unpaired surrogates."]}, code="invalid_characters"
            )
        with transaction.atomic():  # the tool's savepoint: all of its writes, or none
            return spec.handler(ToolContext(request=request, tenant=request.tenant, client=client), arguments)
    except exceptions.APIException as exc:
        body = problem_of(exc)
        code = body["code"]
        raise ToolError(json.dumps(body, ensure_ascii=False, default=str)) from None
    except Exception:
        code = "server_error"
        logger.exception("tool failed", extra={"tool": spec.name})
        body = {
            "code": code,
            "detail": "An unexpected error occurred; it has been logged with this request id.",
            "requestId": getattr(request, "request_id", None),
        }
        raise ToolError(json.dumps(body)) from None
    finally:
        logger.info(
            "tool call",
            extra={
                "tool": spec.name,
                "outcome": "ok" if code is None else "error",
                "code": code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )


def problem_of(exc: exceptions.APIException) -> dict[str, Any]:
    """The compact problem an agent acts on: ``code``, ``detail`` (one sentence), and the problem's own
    members (``errors`` naming each argument, ``conflictingAppointmentId``, ``nextFreeSlots``...)."""
    if isinstance(exc, exceptions.ValidationError):
        errors = [
            {
                "field": None if error.attr == "non_field_errors" else error.attr,
                "message": error.detail,
                "code": error.code,
            }
            for error in flatten_errors(exc.detail)
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors)
        return {"code": "validation_error", "detail": detail, "errors": errors}
    code = exc.default_code if isinstance(exc, Problem) else str(getattr(exc, "default_code", "bad_request"))
    body: dict[str, Any] = {"code": code, "detail": str(exc.detail)}
    if isinstance(exc, Problem):
        body |= {name: value for name, value in exc.extra.items() if name not in body}
    return body


for _spec in TOOLS:
    _register(_spec)


@csrf_exempt  # API keys, not cookies
def mcp_view(request: HttpRequest) -> HttpResponse:
    """``/mcp``. A body that is not UTF-8, or JSON nested deeper than the REST API accepts (64), is a
    JSON-RPC parse error (HTTP 400) before the server decodes it (a document nested thousands deep
    would exhaust the decoder's recursion)."""
    if request.method == "POST":
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            return error_response(None, PARSE_ERROR, "The body is not UTF-8 text.", status=HTTPStatus.BAD_REQUEST)
        if nesting_exceeds(text):
            return error_response(
                None, PARSE_ERROR, f"JSON nested more than {MAX_DEPTH} levels deep.", status=HTTPStatus.BAD_REQUEST
            )
    return server(request)
