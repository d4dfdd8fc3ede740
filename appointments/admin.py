"""Console screens of scheduling: doctors with their availability, appointments, catalogs.

Every write goes through appointments/services (tenants/console.py): the console keeps the API's rules
(availability, capacity, lifecycle, overlapping rules, race-free booking), and a refusal is shown on the
form. Appointments are clinical records: no role deletes one; they are cancelled, with a reason."""

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from import_export import fields, resources
from import_export.admin import ExportMixin

from appointments import lifecycle, services
from appointments.console_agenda import AgendaViews, doctor_only
from appointments.models import (
    Appointment,
    AppointmentType,
    AvailabilityRule,
    BlockedTime,
    Clinic,
    ClosedDay,
    Doctor,
    Modality,
    SlotHold,
)
from patients.admin import PatientAdmin
from tenants.console import (
    ServiceRefused,
    TenantScopedAdmin,
    TenantScopedInline,
    changed_data,
    is_operator,
    mark_formset_saved,
    on_default,
)

DOCTOR_STATES = {Appointment.State.COMPLETED, Appointment.State.NO_SHOW}
# The console's index opens with the front desk's agenda (the higher app registers it with the site).
admin.site.index_template = "admin/appointments/index.html"


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


INLINE_SERVICES = {
    # inline model: (create, update, delete) of appointments/services, with the doctor they belong to
    AvailabilityRule: (
        lambda doctor, data: services.availability_rule_create(tenant=doctor.tenant, doctor=doctor, data=data),
        lambda row, data: services.availability_rule_update(rule=row, data=data),
        lambda row: services.availability_rule_delete(rule=row),
    ),
    BlockedTime: (
        lambda doctor, data: services.blocked_time_create(tenant=doctor.tenant, doctor=doctor, **data),
        lambda row, data: services.blocked_time_update(blocked_time=row, data=data),
        lambda row: services.blocked_time_delete(blocked_time=row),
    ),
}


@admin.register(Doctor)
class DoctorAdmin(TenantScopedAdmin):
    list_display = ("document_number", "first_name", "first_last_name", "specialty", "is_active")
    search_fields = ("document_number", "first_name", "first_last_name", "specialty")
    list_filter = ("is_active", "specialty")
    inlines = [AvailabilityRuleInline, BlockedTimeInline]

    def save_model(self, request, obj, form, change):
        with self.in_row_tenant(request, self.row_tenant_id(request, obj, form)):
            if change:
                doctor = self.service(on_default, instance=obj)
                saved = self.service(services.doctor_update, doctor=doctor, data=changed_data(form))
            else:
                data = changed_data(form, names=[name for name in form.cleaned_data if name != "tenant"])
                saved = self.service(services.doctor_create, tenant=self.row_tenant(request, obj, form), data=data)
        obj.pk, obj.tenant_id, obj._state.adding = saved.pk, saved.tenant_id, False

    def save_formset(self, request, form, formset, change):
        """Weekly rules and blocked time through their services (the overlap rule, under the doctor's lock)."""
        create, update, delete = INLINE_SERVICES[formset.model]
        with self.in_row_tenant(request, form.instance.tenant_id):
            doctor = Doctor.objects.get(pk=form.instance.pk)
            for row_form in formset.deleted_forms:
                if not row_form.instance._state.adding:
                    self.service(delete, row=on_default(row_form.instance))
            for row_form in formset.forms:
                if row_form in formset.deleted_forms or not row_form.has_changed():
                    continue
                names = [name for name in row_form.changed_data if name not in ("id", "DELETE", "doctor")]
                data = changed_data(row_form, names=names)
                if row_form.instance._state.adding:
                    self.service(create, doctor=doctor, data=data)
                else:
                    self.service(update, row=on_default(row_form.instance), data=data)
        mark_formset_saved(formset)

    def delete_model(self, request, obj):
        with self.in_row_tenant(request, obj.tenant_id):
            self.service(services.doctor_delete, doctor=self.service(on_default, instance=obj))


class AppointmentForm(forms.ModelForm):
    """What staff book and change; the scheduling services decide (tenants/console.py)."""

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
            "cancellation_reason",
            "notes",
        )


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}), label="Reason")


@admin.register(Appointment)
class AppointmentAdmin(AgendaViews, ExportMixin, TenantScopedAdmin):
    """Appointments: the list, the change form, bulk cancel, exports — and the agenda's pages
    (appointments/console_agenda.py: ``agenda/``, linked from the list and the console's index)."""

    form = AppointmentForm
    change_list_template = "admin/appointments/appointment/change_list_agenda.html"
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

    def get_urls(self):
        return self.agenda_urls() + super().get_urls()

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if doctor_only(request):
            queryset = queryset.filter(doctor__user=request.user)
        return queryset

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if doctor_only(request) and "state" in form.base_fields:
            allowed = {obj.state, *(lifecycle.TRANSITIONS[obj.state] & DOCTOR_STATES)} if obj else set()
            form.base_fields["state"].choices = [c for c in Appointment.State.choices if c[0] in allowed]
        return form

    def get_readonly_fields(self, request, obj=None):
        if doctor_only(request):
            return [f for f in AppointmentForm.Meta.fields if f not in ("state", "notes")]
        return super().get_readonly_fields(request, obj)

    def has_add_permission(self, request):
        # Operators read and change every clinic's agenda; booking happens in the clinic's own console.
        return not doctor_only(request) and not is_operator(request) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False  # clinical records are kept: cancel instead

    def save_model(self, request, obj, form, change):
        """Book or change through the scheduling services (availability, capacity, lifecycle, locks)."""
        with self.in_row_tenant(request, self.row_tenant_id(request, obj, form)):
            if change:
                appointment = self.service(on_default, instance=obj)
                data = changed_data(form)
                saved = self.service(
                    services.appointment_update,
                    tenant=appointment.tenant,
                    appointment=appointment,
                    data=data,
                    front_desk=True,
                )
            else:
                data = changed_data(form, names=[name for name in form.cleaned_data if name != "tenant"])
                # The front desk may book over a hold and outside the booking window (never outside availability).
                saved = self.service(
                    services.appointment_book, tenant=self.row_tenant(request, obj, form), front_desk=True, **data
                )
        obj.pk, obj._state.adding = saved.pk, False

    @admin.action(description="Cancel selected appointments (with a reason)", permissions=["change"])
    def cancel_appointments(self, request, queryset):
        """Ask for the reason, then cancel each active appointment through the service."""
        form = CancelForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": "Cancel appointments",
                "opts": self.model._meta,
                "appointments": list(queryset),
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/appointments/cancel_selected.html", context)
        reason = form.cleaned_data["reason"]

        def cancel(appointment):
            fresh = on_default(appointment)
            if not lifecycle.is_active(fresh.state):
                raise ServiceRefused(f"an appointment already {fresh.state}")
            self.service(services.appointment_cancel, appointment=fresh, reason=reason)

        done, refused = self.each_refused(request, queryset, cancel)
        self.report(request, done=done, done_message="Cancelled {count} appointment(s).", refused=refused)
        return None

    @admin.display(description="Start (clinic time)", ordering="start")
    def local_start(self, appointment: Appointment) -> str:
        return appointment.start.astimezone(appointment.tenant.zone).strftime("%Y-%m-%d %H:%M")

    @admin.display(description="End", ordering="end")
    def local_end(self, appointment: Appointment) -> str:
        return appointment.end.astimezone(appointment.tenant.zone).strftime("%H:%M")

    @admin.display(description="Patient", ordering="patient__first_last_name")
    def patient_name(self, appointment: Appointment) -> str:
        return f"{appointment.patient.first_name} {appointment.patient.first_last_name}"

    @admin.display(description="Doctor", ordering="doctor__first_last_name")
    def doctor_name(self, appointment: Appointment) -> str:
        return f"{appointment.doctor.first_name} {appointment.doctor.first_last_name}"


@admin.register(Clinic)
class ClinicAdmin(TenantScopedAdmin):
    """Places of care. Never deleted (appointments name them): deactivate instead."""

    list_display = ("name", "address", "is_active")

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        with self.in_row_tenant(request, self.row_tenant_id(request, obj, form)):
            if change:
                clinic = self.service(on_default, instance=obj)
                saved = self.service(services.clinic_update, clinic=clinic, data=changed_data(form))
            else:
                saved = self.service(
                    services.clinic_create,
                    tenant=self.row_tenant(request, obj, form),
                    name=form.cleaned_data["name"],
                    address=form.cleaned_data.get("address"),
                )
        obj.pk, obj._state.adding = saved.pk, False


@admin.register(ClosedDay)
class ClosedDayAdmin(TenantScopedAdmin):
    """Days the clinic is closed: added and removed (a date is not changed: remove it and add another)."""

    list_display = ("date", "name", "source")
    list_filter = ("source",)
    actions = ["reopen_days"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)  # the list, not the row

    def save_model(self, request, obj, form, change):
        with self.in_row_tenant(request, self.row_tenant_id(request, obj, form)):
            saved = self.service(
                services.closed_day_create,
                tenant=self.row_tenant(request, obj, form),
                day=form.cleaned_data["date"],
                name=form.cleaned_data["name"],
                source=form.cleaned_data.get("source") or ClosedDay.Source.CLINIC,
            )
        obj.pk, obj._state.adding = saved.pk, False

    def delete_model(self, request, obj):
        with self.in_row_tenant(request, obj.tenant_id):
            self.service(services.closed_day_delete, closed_day=self.service(on_default, instance=obj))

    @admin.action(description="Reopen the selected days", permissions=["delete"])
    def reopen_days(self, request, queryset):
        done, refused = self.each_refused(
            request, queryset, lambda day: self.service(services.closed_day_delete, closed_day=on_default(day))
        )
        self.report(request, done=done, done_message="Reopened {count} day(s).", refused=refused)


CATALOG_KINDS = {Modality: "modality", AppointmentType: "appointment_type"}


@admin.register(Modality)
class CatalogAdmin(TenantScopedAdmin):
    """The clinic's own codes, beside the defaults every clinic has. A code is not changed once
    appointments may carry it: only its name is."""

    list_display = ("code", "name")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        with self.in_row_tenant(request, self.row_tenant_id(request, obj, form)):
            if change:
                entry = self.service(on_default, instance=obj)
                saved = self.service(
                    services.catalog_entry_update,
                    entry=entry,
                    name=form.cleaned_data["name"],
                    **self.entry_fields(form),
                )
            else:
                saved = self.service(
                    services.catalog_entry_create,
                    tenant=self.row_tenant(request, obj, form),
                    kind=CATALOG_KINDS[type(obj)],
                    code=form.cleaned_data["code"],
                    name=form.cleaned_data["name"],
                    **self.entry_fields(form),
                )
        obj.pk, obj._state.adding = saved.pk, False

    def entry_fields(self, form) -> dict:
        """What the entry carries beyond its code and name (none for modalities)."""
        return {}

    def delete_model(self, request, obj):
        with self.in_row_tenant(request, obj.tenant_id):
            self.service(services.catalog_entry_delete, entry=self.service(on_default, instance=obj))


@admin.register(AppointmentType)
class AppointmentTypeAdmin(CatalogAdmin):
    """Appointment types: the defaults every clinic has (never deleted) and the clinic's own, with the
    duration and buffers the slots and bookings of each keep (appointments/availability.py)."""

    TYPE_FIELDS = ("duration_minutes", "buffer_before_minutes", "buffer_after_minutes")
    list_display = ("code", "name", "is_default", *TYPE_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        return ("code", "is_default") if obj is not None else ("is_default",)

    def entry_fields(self, form) -> dict:
        return {name: form.cleaned_data[name] for name in self.TYPE_FIELDS if name in form.cleaned_data}


@admin.register(SlotHold)
class SlotHoldAdmin(TenantScopedAdmin):
    """Slots held by the clinic's chatbots while a patient decides (read-only: made and booked through the
    API; a live hold takes its place until it expires, and the front desk may book over it)."""

    list_display = ("local_start", "doctor", "appointment_type", "expires_at", "appointment")
    list_select_related = ("doctor", "tenant", "appointment")
    list_filter = ("doctor",)
    ordering = ("-start",)
    readonly_fields = (
        "doctor",
        "patient",
        "start",
        "end",
        "appointment_type",
        "buffer_before_minutes",
        "buffer_after_minutes",
        "expires_at",
        "appointment",
        "created_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Start (clinic time)", ordering="start")
    def local_start(self, hold: SlotHold) -> str:
        return hold.start.astimezone(hold.tenant.zone).strftime("%Y-%m-%d %H:%M")
