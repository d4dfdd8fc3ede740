"""schemathesis hooks for ``make contract`` (loaded through ``SCHEMATHESIS_HOOKS``).

schemathesis reuses ids it read in earlier responses: from ``GET /v1/auth/api-keys`` it learns the id
of the very key it calls with, and a revoke or a rotate of that key would answer 401 to everything after
it. Those two cases are left out for that one key (``SECRE_CONTRACT_KEY_ID``); every other key is fair game.
"""

import os

import schemathesis

KEY_ROUTES = ("/v1/auth/api-keys/{id}/revoke", "/v1/auth/api-keys/{id}/rotate")


def _spares_the_calling_key(path: str, path_parameters) -> bool:
    protected = os.environ.get("SECRE_CONTRACT_KEY_ID")
    return not (protected and path in KEY_ROUTES and str((path_parameters or {}).get("id")) == protected)


@schemathesis.hook
def filter_path_parameters(context, path_parameters):
    return _spares_the_calling_key(context.operation.path, path_parameters)


@schemathesis.hook
def filter_case(context, case):
    return _spares_the_calling_key(case.operation.path, case.path_parameters)
