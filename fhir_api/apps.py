"""App config for the FHIR R4 facade: registers /fhir/R4 as an API surface of the lower layers."""

from django.apps import AppConfig


class FhirApiConfig(AppConfig):
    name = "fhir_api"
    verbose_name = "FHIR R4 facade"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fhir_api.formats import BASE_PATH, MEDIA_TYPES, METADATA_PATH
        from fhir_api.outcomes import operation_outcome_response
        from secre import surfaces

        # The tenancy middleware, the request-body limits and the problem renderer serve /fhir/R4 as they
        # serve /v1 (keys, scopes, rate limits, the request transaction), with origin "fhir" in the audit
        # trail and every error as an OperationOutcome.
        surfaces.register(
            surfaces.ApiSurface(
                prefix=BASE_PATH,
                origin="fhir",
                public_paths=(METADATA_PATH,),
                media_types=MEDIA_TYPES,
                problem_renderer=operation_outcome_response,
            )
        )
