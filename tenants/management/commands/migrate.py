"""``manage.py migrate`` that runs as the owner role unless told otherwise.

The app's ``default`` connection is the runtime role, which owns nothing and may not create
tables; migrations belong to the ``owner`` connection (DATABASE_OWNER_URL).
"""

from django.core.management.commands.migrate import Command as DjangoMigrateCommand


class Command(DjangoMigrateCommand):
    help = DjangoMigrateCommand.help + " Runs on the 'owner' database connection by default."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(database="owner")
