"""The worker's settings are checked before any command runs (webhooks.E003, E004)."""

import pytest

from webhooks.checks import check_worker_settings


def test_the_default_worker_settings_pass():
    assert check_worker_settings(None) == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WEBHOOK_LEASE_SECONDS", 1),
        ("WEBHOOK_TIMEOUT_SECONDS", 0),
        ("WEBHOOK_CLAIM_BATCH", 0),
        ("WEBHOOK_WORKER_THREADS", 0),
        ("WEBHOOK_ENDPOINT_CONCURRENCY", 0),
    ],
)
def test_a_worker_setting_out_of_range_is_an_error(settings, name, value):
    setattr(settings, name, value)
    errors = check_worker_settings(None)
    assert [error.id for error in errors] == ["webhooks.E003"] and name in errors[0].msg


def test_with_sqs_the_lease_must_outlast_an_sqs_call(settings):
    settings.EVENTS_SQS_QUEUE_URL = "https://sqs.example/000/q"
    settings.WEBHOOK_TIMEOUT_SECONDS, settings.WEBHOOK_LEASE_SECONDS = 15, 30
    assert [error.id for error in check_worker_settings(None)] == ["webhooks.E004"]
    settings.WEBHOOK_LEASE_SECONDS = 31
    assert check_worker_settings(None) == []
