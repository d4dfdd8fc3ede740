"""DRF router whose routes match with and without the trailing slash (no redirects, POST-safe)."""

from rest_framework.routers import SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    """``/v1/patients`` and ``/v1/patients/`` are the same route (the seed 001 curls use the slash)."""

    def __init__(self) -> None:
        super().__init__(trailing_slash=True, use_regex_path=True)
        self.trailing_slash = "/?"
