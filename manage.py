#!/usr/bin/env python
"""Django's command-line utility for Secre's administrative tasks.

Without DATABASE_URL (development), a command that needs the database gets the embedded PostgreSQL
(secre/devdb.py): started for the command and stopped after it, unless it was already running — so
``python manage.py shell``, ``createsuperuser`` or ``dbshell`` work in a checkout after ``make run`` or
``make test`` with nothing exported. With DATABASE_URL set nothing is started.
"""

import os
import sys

# Commands that never touch the database (collectstatic runs in the image's build, with no database).
DATABASELESS = {
    "check",
    "collectstatic",
    "compilemessages",
    "diffsettings",
    "help",
    "makemessages",
    "spectacular",
    "version",
}


def _needs_database(argv: list[str]) -> bool:
    command = argv[1] if len(argv) > 1 else "help"
    if command.startswith("-") or command in DATABASELESS - {"check"}:
        return False
    return command != "check" or "--database" in argv


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secre.settings")
    from django.core.management import execute_from_command_line

    if os.environ.get("DATABASE_URL") or not _needs_database(sys.argv):
        execute_from_command_line(sys.argv)
        return
    from secre import devdb

    devdb.run_in_process(lambda: execute_from_command_line(sys.argv))


if __name__ == "__main__":
    main()
