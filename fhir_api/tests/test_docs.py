"""docs/fhir.md stays true: its identifier-system table is every document type, and every system the
facade gives out is in it."""

import re
from pathlib import Path

import pytest

from fhir_api.codes import document_system
from patients.models import DocumentType

pytestmark = pytest.mark.django_db
DOC = Path(__file__).resolve().parents[2] / "docs" / "fhir.md"
ROW = re.compile(r"^\| (\d+) (\w+), [^|]+ \| `(urn:secre:fhir:sid:document:\w+)` \|$", re.MULTILINE)


def test_the_identifier_system_table_lists_every_document_type():
    documented = {(int(pk), code, system) for pk, code, system in ROW.findall(DOC.read_text())}
    expected = {(row.pk, row.code, document_system(row.code)) for row in DocumentType.objects.all()}
    assert documented == expected and len(expected) >= 14


def test_the_readme_links_the_fhir_page():
    readme = (DOC.parents[1] / "README.md").read_text()
    assert "(docs/fhir.md)" in readme
