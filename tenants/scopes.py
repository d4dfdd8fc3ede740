"""API key scopes: what a tenant key may do.

* ``read``  — GET endpoints and searches (``POST /v1/patients/search``);
* ``write`` — creating, changing and deleting;
* ``admin`` — managing the tenant's own API keys and reading its audit trail;
* ``overbook`` — booking outside availability or capacity (``"overbook": true``).

New keys get ``read`` and ``write`` unless told otherwise.
"""

READ = "read"
WRITE = "write"
ADMIN = "admin"
OVERBOOK = "overbook"

ALL_SCOPES = (READ, WRITE, ADMIN, OVERBOOK)
DEFAULT_SCOPES = (READ, WRITE)


def default_scopes() -> list[str]:
    return list(DEFAULT_SCOPES)
