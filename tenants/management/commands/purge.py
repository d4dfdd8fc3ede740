"""``manage.py purge [--json]``: delete what has outlived its retention (schedule it hourly).

Now: expired idempotency records (24 hours after their request).
"""

from tenants.management.commands._output import OpsCommand
from tenants.services import idempotency_records_purge


class Command(OpsCommand):
    help = "Delete expired idempotency records. Run it from cron or a scheduler, e.g. hourly."

    def handle(self, *args, **options):
        removed = {"idempotencyRecords": idempotency_records_purge()}
        self.emit(options, f"Purged {removed['idempotencyRecords']} expired idempotency records.", removed)
