"""``manage.py run_worker``: deliver webhooks and emit reminders until stopped (SIGINT/SIGTERM)."""

import signal

from django.core.management.base import BaseCommand

from secre.acting import acting_as
from webhooks.worker import run_worker


class Command(BaseCommand):
    help = "Deliver due webhooks (retries with backoff) and emit appointment reminders. Runs until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--poll-seconds", type=float, default=1.0, help="sleep when nothing is due")

    def handle(self, *args, **options):
        stopping = {"now": False}

        def stop(signum, frame):
            stopping["now"] = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write("worker: delivering webhooks")
        with acting_as(origin="worker"):
            run_worker(stop=lambda: stopping["now"], poll_seconds=options["poll_seconds"])
        self.stdout.write("worker: stopped")
