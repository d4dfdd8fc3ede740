"""Smoke: the test database exists and tests run as the runtime role."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_runs_as_runtime_role():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == "secre_app"
