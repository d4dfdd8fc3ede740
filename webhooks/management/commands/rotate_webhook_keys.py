"""``manage.py rotate_webhook_keys [--batch-size N] [--json]``: re-encrypt webhook signing secrets.

After putting a new key first in ``WEBHOOK_SECRETS_KEYS`` (or setting it for the first time, when the
secrets were encrypted with the key derived from SECRET_KEY), this rewrites every stored secret under
that key; the older keys can then be removed. Batched and safe to run again.
"""

from django.core.management.base import CommandError

from tenants.management.commands._output import OpsCommand
from webhooks.secrets import configured_keys
from webhooks.services import endpoint_secrets_reencrypt


class Command(OpsCommand):
    help = "Re-encrypt every webhook signing secret under the first WEBHOOK_SECRETS_KEYS key (batched, resumable)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--batch-size", type=int, default=500, help="endpoints per transaction (default 500)")

    def handle(self, *args, **options):
        if not configured_keys():
            raise CommandError("WEBHOOK_SECRETS_KEYS is empty: set the new key first.")
        count, unreadable = endpoint_secrets_reencrypt(batch_size=max(1, options["batch_size"]))
        self.emit(
            options,
            f"Re-encrypted the secrets of {count} webhook endpoints.",
            {"endpoints": count, "unreadable": unreadable},
        )
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} endpoint(s) could not be decrypted with any WEBHOOK_SECRETS_KEYS key"
                f" (kept as they are): {', '.join(unreadable)}. Add back the key they were encrypted with."
            )
