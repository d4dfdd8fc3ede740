"""Routes of the patients app under /v1 (trailing slash optional)."""

from secre.routers import OptionalSlashRouter

from patients import views

router = OptionalSlashRouter()
router.register("patients", views.PatientViewSet, basename="patient")
router.register("lookups/document-types", views.DocumentTypeViewSet, basename="document-type")
router.register("lookups/genders", views.GenderViewSet, basename="gender")
router.register("lookups/eps", views.EpsViewSet, basename="eps")

urlpatterns = router.urls
