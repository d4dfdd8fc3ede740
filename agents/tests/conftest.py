"""A live Secre for the MCP tests: gunicorn as in production (secre/tests/children.py) on this session's
test database, and the official MCP Python client (``mcp``) talking Streamable HTTP to its ``/mcp``."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from secre.tests.children import start_gunicorn, stop

ALLOWED_ORIGIN = "https://agents.example.com"


@dataclass(frozen=True)
class LiveServer:
    base: str
    log: Path

    @property
    def mcp_url(self) -> str:
        return f"{self.base}/mcp"


@pytest.fixture(scope="module")
def live_secre(django_db_setup, tmp_path_factory):
    """gunicorn (2 sync workers) serving this session's test database; its log is checked for tracebacks."""
    log = tmp_path_factory.mktemp("mcp") / "gunicorn.log"
    process, base = start_gunicorn(
        log, LOG_LEVEL="INFO", GUNICORN_ACCESS_LOG="false", MCP_ALLOWED_ORIGINS=ALLOWED_ORIGIN
    )
    try:
        yield LiveServer(base=base, log=log)
    finally:
        stop(process)
    assert "Traceback" not in log.read_text()


def mcp_client(
    server: LiveServer, key: str, *, bearer: bool = False, mode: str = "legacy", statuses: list | None = None
) -> Client:
    """The official client with the key as n8n's Header Auth (``X-Api-Key``) or Bearer Auth sends it.
    ``legacy``: the initialize handshake, as n8n's MCP Client Tool (the TypeScript SDK) does.
    ``statuses`` collects the HTTP status of every response."""
    headers = {"Authorization": f"Bearer {key}"} if bearer else {"X-Api-Key": key}

    async def record(response) -> None:
        if statuses is not None:
            statuses.append(response.status_code)

    http = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0), event_hooks={"response": [record]})
    return Client(streamable_http_client(server.mcp_url, http_client=http), mode=mode, cache=None)


@dataclass
class Answer:
    """A tool's answer: the JSON object it returned (or its error), and whether it is an error."""

    is_error: bool
    data: dict[str, Any]


async def call(client: Client, name: str, **arguments: Any) -> Answer:
    result = await client.call_tool(name, arguments)
    text = "".join(block.text for block in result.content if getattr(block, "type", None) == "text")
    data = json.loads(text) if text else {}
    if not result.is_error:
        assert result.structured_content == data  # structured and text content agree
    return Answer(is_error=bool(result.is_error), data=data)


def run(scenario) -> Any:
    """Run an async scenario (one client session, as one n8n execution) from a synchronous test."""
    return asyncio.run(scenario())
