"""``manage.py rotate_api_key --tenant ID --key ID [--grace-minutes N] [--json]``."""

from datetime import timedelta

from django.core.management.base import CommandError

from tenants.api_keys import api_key_rotate
from tenants.context import tenant_context
from tenants.errors import ApiKeyNotRotatable
from tenants.management.commands._lookup import api_key_in_context, parse_uuid
from tenants.management.commands._output import OpsCommand


class Command(OpsCommand):
    help = "Replace an API key with a new one (same name); the old key expires after the grace period (default 0)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--tenant", required=True, help="tenant id (UUID)")
        parser.add_argument("--key", required=True, help="id of the key to rotate (UUID)")
        parser.add_argument("--grace-minutes", type=int, default=0, help="minutes the old key keeps working")

    def handle(self, *args, **options):
        tenant_id = parse_uuid(options["tenant"], "--tenant")
        key_id = parse_uuid(options["key"], "--key")
        if options["grace_minutes"] < 0:
            raise CommandError("--grace-minutes cannot be negative.")
        with tenant_context(tenant_id):
            old = api_key_in_context(key_id)
            try:
                successor, plaintext = api_key_rotate(api_key=old, grace=timedelta(minutes=options["grace_minutes"]))
            except ApiKeyNotRotatable:
                raise CommandError(f"API key {key_id} is revoked; create a new one instead.") from None
        self.emit(
            options,
            f"Rotated API key {old.id} -> {successor.id}; the old key expires at {old.expiry_date.isoformat()}. "
            f"New key (shown once):\n{plaintext}",
            {
                "tenantId": str(tenant_id),
                "apiKeyId": str(successor.id),
                "apiKey": plaintext,
                "previousApiKeyId": str(old.id),
                "previousExpiresAt": old.expiry_date.isoformat(),
            },
        )
