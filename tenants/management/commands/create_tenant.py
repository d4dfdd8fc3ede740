"""``manage.py create_tenant NAME [--timezone TZ] [--json]``: onboard a clinic."""

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from tenants.management.commands._output import OpsCommand
from tenants.services import tenant_create


class Command(OpsCommand):
    help = 'Create a tenant (clinic). --json prints {"tenantId": ...}.'

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("name")
        parser.add_argument("--timezone", help="IANA time zone (default America/Bogota)")

    def handle(self, *args, **options):
        try:
            tenant = tenant_create(name=options["name"], timezone=options["timezone"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.emit(
            options,
            f"Created tenant {tenant.id} ({tenant.timezone}).",
            {"tenantId": str(tenant.id), "timezone": tenant.timezone},
        )
