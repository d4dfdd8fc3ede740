"""Who is acting: one context, set once per request, command or job, read by the JSON logs and by the
audit trail alike.

``origin`` is ``api`` (/v1), ``fhir`` (/fhir/R4), ``mcp`` (/mcp, the MCP tools of agents/), ``console``,
``command``, ``worker`` (an API surface names its own in secre/surfaces.py) or ``system``;
``request_id``, ``tenant_id`` and ``api_key_id`` are ids; ``actor_id`` is the signed-in staff member
(console); ``remote_addr`` the client's address from the trusted proxy chain.
Nothing here is personal data: log lines may carry all of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from uuid import UUID


@dataclass(frozen=True)
class Acting:
    origin: str = "system"
    request_id: str | None = None
    tenant_id: UUID | None = None
    api_key_id: UUID | None = None
    actor_id: UUID | None = None
    remote_addr: str | None = None

    def log_ids(self) -> dict[str, str | None]:
        """The ids every log line carries."""
        return {
            "request_id": self.request_id,
            "tenant_id": None if self.tenant_id is None else str(self.tenant_id),
            "api_key_id": None if self.api_key_id is None else str(self.api_key_id),
        }


_current: ContextVar[Acting] = ContextVar("secre_acting", default=Acting())  # noqa: B039 (frozen: immutable)


def current() -> Acting:
    return _current.get()


@contextmanager
def acting_as(**values) -> Iterator[Acting]:
    """Within the block, the context is the current one with ``values`` changed (a command, a job)."""
    token = _current.set(replace(_current.get(), **values))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def bind(**values) -> None:
    """Change the context for the rest of the enclosing ``acting_as`` block (a request, once the caller
    is known)."""
    _current.set(replace(_current.get(), **values))
