"""Shared output for ops commands: a human line by default, one JSON object with --json."""

import json
from typing import Any

from django.core.management.base import BaseCommand

from secre.acting import acting_as


class OpsCommand(BaseCommand):
    """Base for ops commands: adds ``--json`` and :meth:`emit`; changes are audited as ``command``."""

    def execute(self, *args, **options):
        with acting_as(origin="command"):
            return super().execute(*args, **options)

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print one JSON object instead of a sentence")

    def emit(self, options: dict, human: str, payload: dict[str, Any]) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(payload))
        else:
            self.stdout.write(human)
