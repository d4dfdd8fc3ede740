"""``/mcp``: the MCP server (Streamable HTTP, stateless; agents/mcp_server.py)."""

from django.urls import path

from agents.mcp_server import mcp_view

urlpatterns = [path("mcp", mcp_view, name="mcp")]
