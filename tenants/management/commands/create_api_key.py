"""``manage.py create_api_key --tenant ID --name NAME [--expires-in-days N] [--json]``."""

from datetime import timedelta

from django.core.management.base import CommandError
from django.utils import timezone

from tenants.api_keys import api_key_create
from tenants.context import tenant_context
from tenants.management.commands._lookup import parse_uuid, tenant_in_context
from tenants.management.commands._output import OpsCommand
from tenants.scopes import ALL_SCOPES, DEFAULT_SCOPES


class Command(OpsCommand):
    help = "Create an API key for a tenant; the plaintext is printed once. --json prints {tenantId, apiKeyId, apiKey}."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--tenant", required=True, help="tenant id (UUID)")
        parser.add_argument("--name", required=True, help="what the key is for, e.g. 'n8n production'")
        parser.add_argument("--expires-in-days", type=int, help="optional lifetime in days")
        parser.add_argument(
            "--scopes",
            default=",".join(DEFAULT_SCOPES),
            help=f"comma-separated, from {', '.join(ALL_SCOPES)} (default: {','.join(DEFAULT_SCOPES)})",
        )

    def handle(self, *args, **options):
        tenant_id = parse_uuid(options["tenant"], "--tenant")
        name = options["name"].strip()
        if not name or len(name) > 50:
            raise CommandError("--name must be 1 to 50 characters.")
        expires_at = None
        if options["expires_in_days"] is not None:
            if options["expires_in_days"] < 1:
                raise CommandError("--expires-in-days must be at least 1.")
            expires_at = timezone.now() + timedelta(days=options["expires_in_days"])
        scopes = sorted({scope.strip() for scope in options["scopes"].split(",") if scope.strip()})
        if not scopes or set(scopes) - set(ALL_SCOPES):
            raise CommandError(f"--scopes must be taken from {', '.join(ALL_SCOPES)}.")
        with tenant_context(tenant_id):
            tenant = tenant_in_context(tenant_id)
            api_key, plaintext = api_key_create(tenant=tenant, name=name, expires_at=expires_at, scopes=scopes)
        self.emit(
            options,
            f"Created API key {api_key.id} for tenant {tenant.id}. Store it now; it is not shown again:\n{plaintext}",
            {"tenantId": str(tenant.id), "apiKeyId": str(api_key.id), "apiKey": plaintext},
        )
