"""agents/ holds no rule: its modules never reach the ORM (``.objects``) nor save, delete or update a row
themselves; every read goes through a selector and every write through a service."""

import ast
from pathlib import Path

AGENTS = Path(__file__).resolve().parents[1]
WRITES = {"save", "delete", "update", "bulk_create", "create"}


def test_no_agents_module_reads_or_writes_the_orm_itself():
    modules = sorted(path for path in AGENTS.glob("*.py"))
    assert {path.name for path in modules} >= {"mcp_server.py", "tools.py", "arguments.py", "results.py"}
    offenders = [
        f"{path.name}:{node.lineno} {node.attr}"
        for path in modules
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and (node.attr == "objects" or node.attr in WRITES)
    ]
    assert offenders == []


def test_only_mcp_server_imports_django_mcpz():
    importers = [
        path.name
        for path in AGENTS.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom | ast.Import)
        and any(name.startswith("django_mcpz") for name in _imported(node))
    ]
    assert sorted(set(importers)) == ["mcp_server.py", "test_mcp_server.py"]


def _imported(node) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""]
    return [alias.name for alias in node.names]
