"""``manage.py purge [--json]``: delete what has outlived its retention (schedule it hourly).

Expired idempotency records (24 hours after their request) and finished webhook deliveries older
than ``WEBHOOK_DELIVERY_RETENTION_DAYS``.
"""

from datetime import timedelta

from django.conf import settings

from tenants.management.commands._output import OpsCommand
from tenants.services import idempotency_records_purge
from webhooks.delivery import deliveries_purge


class Command(OpsCommand):
    help = "Delete expired idempotency records and old webhook deliveries. Run it hourly (cron or a scheduler)."

    def handle(self, *args, **options):
        removed = {
            "idempotencyRecords": idempotency_records_purge(),
            "webhookDeliveries": deliveries_purge(older_than=timedelta(days=settings.WEBHOOK_DELIVERY_RETENTION_DAYS)),
        }
        self.emit(
            options,
            f"Purged {removed['idempotencyRecords']} idempotency records"
            f" and {removed['webhookDeliveries']} webhook deliveries.",
            removed,
        )
