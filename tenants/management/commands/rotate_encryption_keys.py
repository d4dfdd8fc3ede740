"""``manage.py rotate_encryption_keys [--batch-size N] [--json]``: personal data under the current key.

Run it once after upgrading (rows written before field encryption are plaintext until then), and after
putting a new key first in ``FIELD_ENCRYPTION_KEYS``; when it has finished, older keys can be removed.
Batched, resumable (what is already under the first key is skipped) and safe to run again.
"""

from django.core.management.base import CommandError

from secre.encryption import configured_keys
from tenants.management.commands._output import OpsCommand
from tenants.services import encrypted_columns_rotate


class Command(OpsCommand):
    help = "Encrypt plaintext and re-encrypt older ciphertext under the first FIELD_ENCRYPTION_KEYS key."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--batch-size", type=int, default=1000, help="rows per transaction (default 1000)")

    def handle(self, *args, **options):
        if not configured_keys():
            raise CommandError("FIELD_ENCRYPTION_KEYS is empty: set the key first.")
        rewritten = encrypted_columns_rotate(batch_size=max(1, options["batch_size"]))
        total = sum(rewritten.values())
        self.emit(
            options,
            f"Rewrote {total} encrypted values under the current key ("
            + ", ".join(f"{name}: {count}" for name, count in rewritten.items())
            + ").",
            {"rewritten": rewritten, "total": total},
        )
