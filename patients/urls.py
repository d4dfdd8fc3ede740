"""Routes of the patients app under /v1 (trailing slash optional)."""

from patients import views
from secre.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("patients", views.PatientViewSet, basename="patient")
router.register("lookups/document-types", views.DocumentTypeViewSet, basename="document-type")
router.register("lookups/genders", views.GenderViewSet, basename="gender")
router.register("lookups/eps", views.EpsViewSet, basename="eps")

urlpatterns = router.urls
