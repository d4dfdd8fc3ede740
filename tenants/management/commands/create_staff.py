"""``manage.py create_staff --tenant ID --role owner|assistant|doctor --username NAME [--json]``.

A clinic's first Owner (or any staff member): created inside the clinic's tenant context, in the
role's group. Without ``--password-stdin`` a password is generated and printed once (only its Argon2
hash is stored); hand it over and have the person change it at first sign-in.
"""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from tenants import roles
from tenants.context import tenant_context
from tenants.management.commands._lookup import parse_uuid, tenant_in_context
from tenants.management.commands._output import OpsCommand
from tenants.services import staff_create

ROLE_NAMES = {"owner": roles.OWNER, "assistant": roles.ASSISTANT, "doctor": roles.DOCTOR}


class Command(OpsCommand):
    stealth_options = ("stdin",)
    help = (
        "Create a console user of a clinic with a role (owner, assistant, doctor). Prints a generated "
        "one-time password unless --password-stdin. --json prints {tenantId, userId, username, role, password}."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--tenant", required=True, help="tenant id (UUID)")
        parser.add_argument("--role", required=True, choices=sorted(ROLE_NAMES), help="the console role")
        parser.add_argument("--username", required=True, help="sign-in name (unique across clinics)")
        parser.add_argument("--email", default="", help="optional email")
        parser.add_argument("--first-name", default="", help="optional first name")
        parser.add_argument("--last-name", default="", help="optional last name")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input (first line)"
        )

    def handle(self, *args, **options):
        tenant_id = parse_uuid(options["tenant"], "--tenant")
        password = None
        if options["password_stdin"]:
            password = (options.get("stdin") or sys.stdin).readline().rstrip("\r\n")
            if not password:
                raise CommandError("--password-stdin: standard input held no password.")
        with tenant_context(tenant_id):
            tenant = tenant_in_context(tenant_id)
        try:
            user, generated = staff_create(
                tenant=tenant,
                username=options["username"].strip(),
                role=ROLE_NAMES[options["role"]],
                password=password,
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        human = f"Created {options['role']} {user.username} ({user.id}) in tenant {tenant.id}."
        if generated:
            human += f" One-time password (shown once; change it at first sign-in):\n{generated}"
        self.emit(
            options,
            human,
            {
                "tenantId": str(tenant.id),
                "userId": str(user.id),
                "username": user.username,
                "role": options["role"],
                "password": generated,
            },
        )
