"""``manage.py createsuperuser``: Django's command, run through the operator path.

A platform operator (a superuser without a tenant) can only be written by the operator role: the
runtime role's policies refuse superusers and tenantless rows. This runs Django's own command inside
``operator_access()`` on its connection, so ``make manage ARGS="createsuperuser"`` works as Django
users expect (interactive prompts, ``--noinput`` with ``DJANGO_SUPERUSER_*``).
"""

from django.contrib.auth.management.commands.createsuperuser import Command as DjangoCreateSuperuserCommand

from tenants.bypass import OPERATOR_DB, operator_access


class Command(DjangoCreateSuperuserCommand):
    help = DjangoCreateSuperuserCommand.help + " Runs through the operator path (the 'console' connection)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(database=OPERATOR_DB)

    def execute(self, *args, **options):
        with operator_access():
            return super().execute(*args, **options)
