"""The shape the code keeps: views validate, call a service or selector, and serialize — no view
module reaches the ORM itself (`.objects`), so no rule can hide there."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("tenants", "patients", "appointments", "audit", "webhooks", "fhir_api", "secre")


def _view_modules() -> list[Path]:
    found = []
    for app in APPS:
        found += [ROOT / app / "views.py"] if (ROOT / app / "views.py").exists() else []
        found += sorted((ROOT / app / "views").glob("*.py")) if (ROOT / app / "views").is_dir() else []
    return found


def test_no_view_module_uses_the_orm_directly():
    modules = _view_modules()
    assert any("appointments/views" in str(path) for path in modules) and len(modules) >= 6
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in modules
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr == "objects"
    ]
    assert offenders == []
