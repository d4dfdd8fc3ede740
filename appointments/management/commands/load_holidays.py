"""``manage.py load_holidays --tenant ID --year YYYY [--country CO] [--json]``: festivos as closed days."""

from django.core.management.base import CommandError

from appointments.services import holidays_load
from tenants.context import tenant_context
from tenants.management.commands._lookup import parse_uuid, tenant_in_context
from tenants.management.commands._output import OpsCommand


class Command(OpsCommand):
    help = "Load a year's public holidays (default: Colombia) as the tenant's closed days. Idempotent."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--tenant", required=True, help="tenant id (UUID)")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--country", default="CO", help="ISO 3166 country code of the holidays package")

    def handle(self, *args, **options):
        tenant_id = parse_uuid(options["tenant"], "--tenant")
        if not 2000 <= options["year"] <= 2100:
            raise CommandError("--year must be from 2000 to 2100.")
        with tenant_context(tenant_id):
            tenant = tenant_in_context(tenant_id)
            try:
                added = holidays_load(tenant=tenant, year=options["year"], country=options["country"])
            except NotImplementedError:
                raise CommandError(f"No holiday calendar for country {options['country']!r}.") from None
        dates = [closed.date.isoformat() for closed in added]
        self.emit(
            options,
            f"Added {len(dates)} closed days for {options['year']} to tenant {tenant_id}.",
            {"tenantId": str(tenant_id), "year": options["year"], "added": dates},
        )
