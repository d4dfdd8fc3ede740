"""``manage.py create_platform_key --name NAME [--json]``: a key for the platform API."""

from django.core.management.base import CommandError

from tenants.api_keys import platform_key_create
from tenants.management.commands._output import OpsCommand


class Command(OpsCommand):
    help = "Create a platform API key (onboards tenants; reads no tenant data). The plaintext is printed once."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--name", required=True, help="who or what uses it")

    def handle(self, *args, **options):
        name = options["name"].strip()
        if not name or len(name) > 50:
            raise CommandError("--name must be 1 to 50 characters.")
        api_key, plaintext = platform_key_create(name=name)
        self.emit(
            options,
            f"Created platform key {api_key.id}. Store it now; it is not shown again:\n{plaintext}",
            {"apiKeyId": str(api_key.id), "apiKey": plaintext},
        )
