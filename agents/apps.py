"""The agents app: Secre's booking conversation as MCP tools for AI agents (n8n's AI Agent), at /mcp."""

from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "AI agent tools (MCP)"

    def ready(self) -> None:
        from secre import surfaces

        # The tenancy middleware and the request-body limits serve /mcp as they serve /v1 (keys, scopes,
        # rate limits, the request transaction and tenant context), with origin "mcp" in the audit trail
        # and logs; refusals before the MCP server runs (401, 403, 413, 415, 429) are problem+json.
        surfaces.register(surfaces.ApiSurface(prefix="/mcp", origin="mcp"))
