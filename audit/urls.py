"""Routes of the audit app under /v1."""

from audit import views
from secre.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("audit-events", views.AuditEventViewSet, basename="audit-event")

urlpatterns = router.urls
