"""``manage.py revoke_api_key --tenant ID --key ID [--json]``: stop a key at once (final)."""

from tenants.api_keys import api_key_revoke
from tenants.context import tenant_context
from tenants.management.commands._lookup import api_key_in_context, parse_uuid
from tenants.management.commands._output import OpsCommand


class Command(OpsCommand):
    help = "Revoke an API key at once. Revoking cannot be undone."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--tenant", required=True, help="tenant id (UUID)")
        parser.add_argument("--key", required=True, help="id of the key to revoke (UUID)")

    def handle(self, *args, **options):
        tenant_id = parse_uuid(options["tenant"], "--tenant")
        key_id = parse_uuid(options["key"], "--key")
        with tenant_context(tenant_id):
            api_key = api_key_revoke(api_key=api_key_in_context(key_id))
        self.emit(
            options,
            f"Revoked API key {api_key.id}.",
            {"tenantId": str(tenant_id), "apiKeyId": str(api_key.id), "revokedAt": api_key.revoked_at.isoformat()},
        )
