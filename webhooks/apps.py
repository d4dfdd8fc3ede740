"""App config for events and webhooks."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Events and webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from secre import periodic
        from webhooks import checks  # noqa: F401  (registers the deployment checks)
        from webhooks.retention import deliveries_purge, events_redact

        every = settings.HOUSEKEEPING_SECONDS
        periodic.register("webhookDeliveries", deliveries_purge, every_seconds=every, purge=True)
        periodic.register("webhookEventsRedacted", events_redact, every_seconds=every, purge=True)
