"""Routes of the scheduling app under /v1 (trailing slash optional)."""

from django.urls import re_path

from appointments import views
from secre.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("doctors", views.DoctorViewSet, basename="doctor")
# Before appointments: /appointments/holds is not an appointment id.
router.register("appointments/holds", views.HoldViewSet, basename="hold")
router.register("appointments", views.AppointmentViewSet, basename="appointment")
router.register("lookups/modalities", views.ModalityViewSet, basename="modality")
router.register("lookups/appointment-types", views.AppointmentTypeViewSet, basename="appointment-type")
router.register("lookups/clinics", views.ClinicViewSet, basename="clinic")
router.register("lookups/specialties", views.SpecialtyViewSet, basename="specialty")

DOCTOR = r"(?P<documentTypeId>[^/]+)/(?P<documentNumber>[^/]+?)"
ID = r"(?P<pk>[^/]+?)"
availability = views.DoctorAvailabilityViewSet.as_view


def _route(pattern: str, actions: dict[str, str], name: str):
    return re_path(rf"^doctor-availability/{pattern}/?$", availability(actions), name=name)


urlpatterns = [
    _route("availability", {"post": "create_rule"}, "availability"),
    _route(f"availability/{DOCTOR}", {"get": "list_rules"}, "availability-by-doctor"),
    _route(f"availability/{ID}", {"patch": "update_rule", "delete": "delete_rule"}, "availability-detail"),
    _route("blocked-time", {"post": "create_blocked"}, "blocked-time"),
    _route(f"blocked-time/{DOCTOR}", {"get": "list_blocked"}, "blocked-time-by-doctor"),
    _route(f"blocked-time/{ID}", {"delete": "delete_blocked"}, "blocked-time-detail"),
    _route("time-slots", {"get": "search_slots"}, "time-slots-search"),
    _route(f"time-slots/{DOCTOR}", {"get": "time_slots"}, "time-slots"),
    _route(f"check-availability/{DOCTOR}", {"get": "check"}, "check-availability"),
    _route("closed-days", {"get": "list_closed", "post": "create_closed"}, "closed-days"),
    _route("closed-days/load-holidays", {"post": "load_holidays"}, "closed-days-load-holidays"),
    _route(f"closed-days/{ID}", {"delete": "delete_closed"}, "closed-day-detail"),
    *router.urls,
]
