"""Console screens of scheduling: doctors with their availability, appointments, catalogs."""

from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from import_export import fields, resources
from import_export.admin import ExportMixin

from appointments import lifecycle, services
from appointments.models import (
    Appointment,
    AppointmentType,
    AvailabilityRule,
    BlockedTime,
    Clinic,
    ClosedDay,
    Doctor,
    Modality,
)
from patients.admin import PatientAdmin
from secre.problems import Problem
from tenants import roles
from tenants.console import TenantScopedAdmin, TenantScopedInline, is_operator

DOCTOR_STATES = {Appointment.State.COMPLETED, Appointment.State.NO_SHOW}


def doctor_only(request) -> bool:
    """A staff member in the Doctor group (and not Owner/Assistant): sees their own agenda only."""
    user = request.user
    names = set(user.groups.values_list("name", flat=True))
    return roles.DOCTOR in names and not names & {roles.OWNER, roles.ASSISTANT} and not user.is_superuser


class PatientAppointmentsInline(TenantScopedInline):
    """The patient's appointments, newest first (read-only here; book and change them on their own page)."""

    model = Appointment
    fk_name = "patient"
    fields = ("start", "end", "doctor", "state", "modality")
    readonly_fields = fields
    ordering = ("-start",)
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


PatientAdmin.add_inline(PatientAppointmentsInline)


class AvailabilityRuleInline(TenantScopedInline):
    model = AvailabilityRule
    fields = (
        "day_of_week",
        "start_time",
        "end_time",
        "appointment_duration_minutes",
        "capacity",
        "valid_from",
        "valid_until",
    )


class BlockedTimeInline(TenantScopedInline):
    model = BlockedTime
    fields = ("start", "end", "reason")


@admin.register(Doctor)
class DoctorAdmin(TenantScopedAdmin):
    list_display = ("document_number", "first_name", "first_last_name", "specialty", "is_active")
    search_fields = ("document_number", "first_name", "first_last_name", "specialty")
    list_filter = ("is_active", "specialty")
    inlines = [AvailabilityRuleInline, BlockedTimeInline]


class AppointmentForm(forms.ModelForm):
    """Books and changes through the scheduling services, so the console keeps the same rules as the
    API (availability, capacity, lifecycle, race-free); their refusals become form errors."""

    class Meta:
        model = Appointment
        fields = (
            "patient",
            "doctor",
            "start",
            "end",
            "modality",
            "appointment_type",
            "clinic",
            "state",
            "notification_state",
            "comment",
            "notes",
        )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        data = {name: cleaned[name] for name in self.changed_data if name in cleaned}
        try:
            if self.instance.pk is None:
                tenant = self.request_tenant or cleaned["patient"].tenant
                booked = services.appointment_book(tenant=tenant, **cleaned)
                self.instance = booked
            elif data:
                services.appointment_update(tenant=self.instance.tenant, appointment=self.instance, data=data)
        except Problem as exc:
            raise ValidationError(str(exc.detail)) from None
        return cleaned


@admin.register(Appointment)
class AppointmentAdmin(ExportMixin, TenantScopedAdmin):
    form = AppointmentForm
    list_display = ("local_start", "local_end", "patient_name", "doctor_name", "state", "modality")
    list_filter = (("start", admin.DateFieldListFilter), "doctor", "state", "modality")
    list_select_related = ("patient", "doctor", "tenant")
    search_fields = ("patient__document_number", "patient__first_last_name", "doctor__first_last_name")
    date_hierarchy = "start"
    ordering = ("-start",)
    actions = ["cancel_appointments"]

    class Resource(resources.ModelResource):
        patient_document = fields.Field(attribute="patient__document_number", column_name="patient_document")
        doctor_document = fields.Field(attribute="doctor__document_number", column_name="doctor_document")

        class Meta:
            model = Appointment
            fields = (
                "id",
                "start",
                "end",
                "patient_document",
                "doctor_document",
                "modality",
                "appointment_type",
                "state",
                "notification_state",
                "created_at",
            )
            export_order = fields

    resource_classes = [Resource]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if doctor_only(request):
            queryset = queryset.filter(doctor__user=request.user)
        return queryset

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request_tenant = None if is_operator(request) else request.user.tenant
        if doctor_only(request) and "state" in form.base_fields:
            allowed = {obj.state, *(lifecycle.TRANSITIONS[obj.state] & DOCTOR_STATES)} if obj else set()
            form.base_fields["state"].choices = [c for c in Appointment.State.choices if c[0] in allowed]
        return form

    def get_readonly_fields(self, request, obj=None):
        if doctor_only(request):
            return [f for f in AppointmentForm.Meta.fields if f not in ("state", "notes")]
        return super().get_readonly_fields(request, obj)

    def has_add_permission(self, request):
        # Operators read every clinic's agenda; booking happens in the clinic's own context.
        return not doctor_only(request) and not is_operator(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return not is_operator(request) and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        pass  # saved by the scheduling services in AppointmentForm.clean()

    def _zone(self, appointment: Appointment) -> ZoneInfo:
        return appointment.tenant.zone

    @admin.display(description="Start (clinic time)", ordering="start")
    def local_start(self, appointment: Appointment) -> str:
        return appointment.start.astimezone(self._zone(appointment)).strftime("%Y-%m-%d %H:%M")

    @admin.display(description="End", ordering="end")
    def local_end(self, appointment: Appointment) -> str:
        return appointment.end.astimezone(self._zone(appointment)).strftime("%H:%M")

    @admin.display(description="Patient", ordering="patient__first_last_name")
    def patient_name(self, appointment: Appointment) -> str:
        return f"{appointment.patient.first_name} {appointment.patient.first_last_name}"

    @admin.display(description="Doctor", ordering="doctor__first_last_name")
    def doctor_name(self, appointment: Appointment) -> str:
        return f"{appointment.doctor.first_name} {appointment.doctor.first_last_name}"

    @admin.action(description="Cancel selected appointments", permissions=["change"])
    def cancel_appointments(self, request, queryset):
        cancelled = 0
        for appointment in queryset:
            if lifecycle.is_active(appointment.state):
                services.appointment_cancel(appointment=appointment, reason="Cancelled in the console")
                cancelled += 1
        messages.success(request, f"Cancelled {cancelled} appointment(s).")


@admin.register(Clinic)
class ClinicAdmin(TenantScopedAdmin):
    list_display = ("name", "address", "is_active")


@admin.register(ClosedDay)
class ClosedDayAdmin(TenantScopedAdmin):
    list_display = ("date", "name", "source")
    list_filter = ("source",)


@admin.register(Modality, AppointmentType)
class CatalogAdmin(TenantScopedAdmin):
    list_display = ("code", "name")
