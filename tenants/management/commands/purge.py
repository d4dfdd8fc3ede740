"""``manage.py purge [--json]``: delete what has outlived its retention, now.

The worker runs the same purge steps by itself every ``HOUSEKEEPING_SECONDS`` (hourly), so a deployment
needs no cron; this is for ops. Each app registers its steps (secre/periodic.py): expired idempotency
records and console sessions, finished webhook deliveries past ``WEBHOOK_DELIVERY_RETENTION_DAYS``, and
event payloads past ``EVENT_RETENTION_DAYS`` (redacted, not deleted).
"""

from secre.periodic import purge_all
from tenants.management.commands._output import OpsCommand


class Command(OpsCommand):
    help = "Delete (or redact) records past their retention in every tenant. The worker also runs it hourly."

    def handle(self, *args, **options):
        removed = purge_all()
        self.emit(options, "Purged: " + ", ".join(f"{name} {count}" for name, count in removed.items()) + ".", removed)
