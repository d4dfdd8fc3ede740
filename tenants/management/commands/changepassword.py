"""``manage.py changepassword USERNAME``: Django's command, run through the operator path.

Staff rows are visible to the runtime role only inside their tenant, and operators' rows never; an
ops engineer resetting anyone's password crosses tenants, so this goes through ``operator_access()``.
"""

from django.contrib.auth.management.commands.changepassword import Command as DjangoChangePasswordCommand

from tenants.bypass import OPERATOR_DB, operator_access


class Command(DjangoChangePasswordCommand):
    help = DjangoChangePasswordCommand.help + " Runs through the operator path (the 'console' connection)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(database=OPERATOR_DB)

    def execute(self, *args, **options):
        with operator_access():
            return super().execute(*args, **options)
