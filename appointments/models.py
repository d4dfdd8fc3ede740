"""Scheduling data: doctors, their weekly rules and blocked time, closed days, clinics, catalogs,
and appointments.

FHIR mapping: Doctor = Practitioner; AvailabilityRule = Schedule.availableTime (HealthcareService
availableTime shape); BlockedTime = Schedule with an unavailable period; a computed slot = Slot;
Appointment = Appointment (state: scheduled = booked, confirmed = booked+confirmed, completed =
fulfilled, cancelled = cancelled, no_show = noshow); Clinic = Location.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Func, Q, TextField
from uuid_utils.compat import uuid7

from patients.models import DocumentType, NameSearch, Patient
from secre.custom_fields import custom_fields_validator
from secre.encryption import EncryptedTextField
from tenants.models import Tenant
from tenants.scoping import TenantScopedManager


class TstzRange(Func):
    """``tstzrange(start, end)``: a half-open time range, for the exclusion constraints."""

    function = "tstzrange"
    output_field = models.DateTimeField()  # only used inside constraints


class Doctor(models.Model):
    """A clinic's doctor (FHIR Practitioner), identified by (documentTypeId, documentNumber)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    document_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT, related_name="+")
    document_number = models.CharField(max_length=32)
    first_name = models.CharField(max_length=100)
    second_name = models.CharField(max_length=100, null=True, blank=True)
    first_last_name = models.CharField(max_length=100)
    second_last_name = models.CharField(max_length=100, null=True, blank=True)
    specialty = models.CharField(max_length=100, null=True, blank=True)
    # The specialty as searched: lower-cased, accent-free ("Cardiología" = "cardiologia").
    specialty_key = models.GeneratedField(expression=NameSearch("specialty"), output_field=TextField(), db_persist=True)
    name_search = models.GeneratedField(
        expression=NameSearch("first_name", "second_name", "first_last_name", "second_last_name"),
        output_field=TextField(),
        db_persist=True,
    )
    is_active = models.BooleanField(default=True)
    # Booking rules of this doctor (appointments/availability.py BookingWindow); null: the clinic's.
    minimum_notice_minutes = models.PositiveIntegerField(null=True, blank=True)
    booking_horizon_days = models.PositiveIntegerField(null=True, blank=True)
    # The doctor's own console login (Doctor group): sees this doctor's agenda only.
    # db_constraint=False: the database's foreign key is the same-tenant (tenant_id, user_id) one
    # (tenants.rls.AddTenantForeignKey); Django's own on user_id alone only repeated it (docs/scaling.md).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="doctor",
        db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantScopedManager()

    class Meta:
        base_manager_name = "objects"  # related access and save() carry the tenant too
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(fields=["tenant", "id"], name="appointments_doctor_tenant_id_id_uniq"),
            models.UniqueConstraint(
                fields=["tenant", "document_type", "document_number"], name="appointments_doctor_document_uniq"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "specialty_key"], name="appointments_doctor_spec_key")]

    def __str__(self) -> str:
        return f"doctor {self.pk}"


class Clinic(models.Model):
    """A place of care of the tenant (FHIR Location); appointments may name one (clinicId)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=150)
    address = models.CharField(max_length=250, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantScopedManager()

    class Meta:
        base_manager_name = "objects"  # related access and save() carry the tenant too
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(fields=["tenant", "id"], name="appointments_clinic_tenant_id_id_uniq"),
            models.UniqueConstraint(fields=["tenant", "name"], name="appointments_clinic_name_uniq"),
        ]

    def __str__(self) -> str:
        return self.name


class CatalogEntry(models.Model):
    """A tenant's own code in a string catalog, on top of the built-in defaults (catalogs.py)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantScopedManager()

    class Meta:
        base_manager_name = "objects"  # related access and save() carry the tenant too
        abstract = True
        ordering = ("code",)

    def __str__(self) -> str:
        return self.code


class Modality(CatalogEntry):
    """How care is given: presencial, virtual, domiciliaria, or a tenant's own code."""

    class Meta(CatalogEntry.Meta):
        verbose_name_plural = "modalities"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "id"], name="appointments_modality_tenant_id_id_uniq"),
            models.UniqueConstraint(fields=["tenant", "code"], name="appointments_modality_code_uniq"),
        ]


class AppointmentType(CatalogEntry):
    """Why the patient comes (FHIR Appointment.appointmentType): every clinic has the defaults
    ``primera_vez`` and ``control`` (``is_default``; never deleted) and may add its own.

    ``duration_minutes`` is how long its appointments last (null: the doctor's rule grid step);
    ``buffer_before_minutes``/``buffer_after_minutes`` keep the doctor free around them
    (appointments/availability.py).
    """

    is_default = models.BooleanField(default=False, db_default=False)
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    buffer_before_minutes = models.PositiveSmallIntegerField(default=0, db_default=0)
    buffer_after_minutes = models.PositiveSmallIntegerField(default=0, db_default=0)

    class Meta(CatalogEntry.Meta):
        ordering = ("-is_default", "code")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "id"], name="appointments_appointmenttype_tenant_id_id_uniq"),
            models.UniqueConstraint(fields=["tenant", "code"], name="appointments_appointmenttype_code_uniq"),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True) | Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="appointments_appointmenttype_duration",
            ),
            models.CheckConstraint(
                condition=Q(buffer_before_minutes__lte=120, buffer_after_minutes__lte=120),
                name="appointments_appointmenttype_buffers",
            ),
        ]


class AvailabilityRule(models.Model):
    """A weekly working window of a doctor in the tenant's local time (FHIR availableTime).

    ``day_of_week`` is ISO (1 = Monday ... 7 = Sunday). Slots of ``appointment_duration_minutes``
    are laid from ``start_time``; each takes ``capacity`` patients (1, or more for group sessions).
    Several rules a day (split shifts) are normal. ``valid_from``/``valid_until`` bound it (inclusive).
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    # db_constraint=False: the database's foreign key is the same-tenant (tenant_id, doctor_id) one
    # (tenants.rls.AddTenantForeignKey); Django's own on doctor_id alone only repeated it (docs/scaling.md).
    doctor = models.ForeignKey(
        Doctor,
        on_delete=models.CASCADE,
        related_name="availability_rules",
        db_constraint=False,
    )
    day_of_week = models.PositiveSmallIntegerField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    appointment_duration_minutes = models.PositiveSmallIntegerField(default=30)
    capacity = models.PositiveSmallIntegerField(default=1)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    custom_fields = models.JSONField(default=dict, blank=True, validators=[custom_fields_validator])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantScopedManager()

    class Meta:
        base_manager_name = "objects"  # related access and save() carry the tenant too
        ordering = ("day_of_week", "start_time", "id")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "id"], name="appointments_rule_tenant_id_id_uniq"),
            models.CheckConstraint(condition=Q(day_of_week__gte=1, day_of_week__lte=7), name="appointments_rule_dow"),
            models.CheckConstraint(condition=Q(start_time__lt=F("end_time")), name="appointments_rule_window"),
            models.CheckConstraint(
                condition=Q(appointment_duration_minutes__gte=5, appointment_duration_minutes__lte=480),
                name="appointments_rule_duration",
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1, capacity__lte=100), name="appointments_rule_capacity"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_from__lte=F("valid_until")),
                name="appointments_rule_validity",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "doctor", "day_of_week"], name="appointments_rule_doctor_day")]

    def __str__(self) -> str:
        return f"rule {self.pk}"


class BlockedTime(models.Model):
    """A period a doctor cannot be booked (vacation, meeting): UTC instants, end exclusive."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    # db_constraint=False: the database's foreign key is the same-tenant (tenant_id, doctor_id) one
    # (tenants.rls.AddTenantForeignKey); Django's own on doctor_id alone only repeated it (docs/scaling.md).
    doctor = models.ForeignKey(
        Doctor,
        on_delete=models.CASCADE,
        related_name="blocked_times",
        db_constraint=False,
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, null=True, blank=True)
    custom_fields = models.JSONField(default=dict, blank=True, validators=[custom_fields_validator])
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantScopedManager()

    class Meta:
        base_manager_name = "objects"  # related access and save() carry the tenant too
        ordering = ("start", "id")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "id"], name="appointments_blocked_tenant_id_id_uniq"),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="appointments_blocked_window"),
        ]
        indexes = [models.Index(fields=["tenant", "doctor", "start"], name="appointments_blocked_doctor")]

    def __str__(self) -> str:
        return f"blocked time {self.pk}"


class ClosedDay(models.Model):
    """A local calendar day the whole clinic is closed (a public holiday or the clinic's own)."""

    class Source(models.TextChoices):
        HOLIDAY = "holiday", "Public holiday"
        CLINIC = "clinic", "Clinic"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    name = models.CharField(max_length=150)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.CLINIC)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantScopedManager()

    class Meta:
        base_manager_name = "objects"  # related access and save() carry the tenant too
        ordering = ("date",)
        constraints = [
            models.UniqueConstraint(fields=["tenant", "id"], name="appointments_closedday_tenant_id_id_uniq"),
            models.UniqueConstraint(fields=["tenant", "date"], name="appointments_closedday_date_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Appointment(models.Model):
    """A booked appointment (seed 000 Appointment; FHIR Appointment). Times are UTC, end exclusive.

    ``capacity`` is copied from the availability rule at booking: 1 means the doctor's time is
    exclusive (a database exclusion constraint keeps it so); above 1 is a group session. A patient
    never has two overlapping active appointments (another exclusion constraint).
    """

    class State(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CONFIRMED = "confirmed", "Confirmed"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "No show"

    class NotificationState(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    ACTIVE_STATES = (State.SCHEDULED, State.CONFIRMED)

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    # db_constraint=False: the database's foreign keys are the same-tenant (tenant_id, <field>_id) ones
    # (tenants.rls.AddTenantForeignKey); Django's own on the field alone only repeated them (docs/scaling.md).
    patient = models.ForeignKey(
        Patient,
        on_delete=models.PROTECT,
        related_name="appointments",
        db_constraint=False,
    )
    doctor = models.ForeignKey(
        Doctor,
        on_delete=models.PROTECT,
        related_name="appointments",
        db_constraint=False,
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    modality = models.CharField(max_length=40, null=True, blank=True)
    appointment_type = models.CharField(max_length=40, null=True, blank=True)
    clinic = models.ForeignKey(
        Clinic,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.SCHEDULED)
    notification_state = models.CharField(
        max_length=10, choices=NotificationState.choices, default=NotificationState.PENDING
    )
    capacity = models.PositiveSmallIntegerField(default=1)
    # Booked beyond capacity or availability by a key with the `overbook` scope: outside the doctor
    # exclusion constraint on purpose.
    overbooked = models.BooleanField(default=False)
    # Free text about the patient's health: encrypted at rest (secre/encryption.py), never filtered.
    comment = EncryptedTextField(null=True, blank=True)
    # The start time a reminder was emitted for: a rescheduled appointment gets a new one.
    reminded_for_start = models.DateTimeField(null=True, blank=True)
    # The doctor's clinical notes, written in the console (not exposed to API keys).
    notes = EncryptedTextField(null=True, blank=True)
    cancellation_reason = EncryptedTextField(max_length=500, null=True, blank=True)
    custom_fields = models.JSONField(default=dict, blank=True, validators=[custom_fields_validator])
    # The appointment type's buffers when booked: the doctor stays free this long around it.
    buffer_before_minutes = models.PositiveSmallIntegerField(default=0, db_default=0)
    buffer_after_minutes = models.PositiveSmallIntegerField(default=0, db_default=0)
    # The appointment this one replaced (POST .../reschedule); the old one is cancelled, reason
    # "rescheduled", and names this one as ``rescheduled_to``.
    rescheduled_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="rescheduled_to", db_constraint=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantScopedManager()

    class Meta:
        base_manager_name = "objects"  # related access and save() carry the tenant too
        ordering = ("start", "id")
        permissions = [("export_appointment", "Can export appointments")]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "id"], name="appointments_appointment_tenant_id_id_uniq"),
            models.CheckConstraint(
                condition=Q(start__lt=F("end")),
                name="appointments_appointment_window",
                violation_error_message="The end must be after the start.",
            ),
            # At most 24 hours (appointments/availability.py MAX_APPOINTMENT_DURATION bounds queries).
            models.CheckConstraint(
                condition=Q(end__lte=F("start") + timedelta(hours=24)),
                name="appointments_appointment_max_24h",
                violation_error_message="An appointment lasts at most 24 hours.",
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="appointments_appointment_capacity"),
            models.CheckConstraint(
                condition=Q(buffer_before_minutes__lte=120, buffer_after_minutes__lte=120),
                name="appointments_appointment_buffers",
            ),
            models.CheckConstraint(
                condition=Q(custom_fields__isnull=False)
                & models.lookups.Exact(Func("custom_fields", function="jsonb_typeof"), "object"),
                name="appointments_appointment_custom_fields_object",
            ),
            ExclusionConstraint(
                name="appointments_doctor_no_overlap",
                expressions=[
                    ("tenant", RangeOperators.EQUAL),
                    ("doctor", RangeOperators.EQUAL),
                    (TstzRange("start", "end"), RangeOperators.OVERLAPS),
                ],
                condition=Q(state__in=["scheduled", "confirmed"], capacity=1, overbooked=False),
            ),
            ExclusionConstraint(
                name="appointments_patient_no_overlap",
                expressions=[
                    ("tenant", RangeOperators.EQUAL),
                    ("patient", RangeOperators.EQUAL),
                    (TstzRange("start", "end"), RangeOperators.OVERLAPS),
                ],
                condition=Q(state__in=["scheduled", "confirmed"]),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "doctor", "start"], name="appointments_doctor_start"),
            models.Index(fields=["tenant", "patient", "start"], name="appointments_patient_start"),
            models.Index(fields=["tenant", "start"], name="appointments_tenant_start"),
            # The reminder scan (appointments/services/reminders.py): active appointments not yet
            # reminded for their start. Emitting a reminder takes the row out of the index.
            models.Index(
                fields=["tenant", "start"],
                condition=Q(state__in=["scheduled", "confirmed"]) & ~Q(reminded_for_start=F("start")),
                name="appointments_reminder_due",
            ),
        ]

    def __str__(self) -> str:
        return f"appointment {self.pk}"


class SlotHold(models.Model):
    """A slot kept for a patient who is still deciding (FHIR Slot with status busy-tentative; Medplum's
    $hold, Cal.com's reservation): it takes a place in the doctor's capacity until ``expires_at``.

    While live (not booked, ``expires_at`` after the database's ``clock_timestamp()``) it counts like a
    booking; afterwards it frees the place at once, with no job (appointments/availability.py). Booking
    it (``holdId``) sets ``appointment``; booking it again returns that appointment. When ``patient`` is
    set only that patient can be booked into it. The worker deletes old rows.
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    # db_constraint=False: the database's foreign keys are the same-tenant (tenant_id, <field>_id) ones.
    doctor = models.ForeignKey(Doctor, on_delete=models.CASCADE, related_name="holds", db_constraint=False)
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    appointment_type = models.CharField(max_length=40, null=True, blank=True)
    buffer_before_minutes = models.PositiveSmallIntegerField(default=0)
    buffer_after_minutes = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
    appointment = models.OneToOneField(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="hold", db_constraint=False
    )
    api_key_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantScopedManager()

    class Meta:
        base_manager_name = "objects"  # related access and save() carry the tenant too
        ordering = ("start", "id")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "id"], name="appointments_slothold_tenant_id_id_uniq"),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="appointments_slothold_window"),
            models.CheckConstraint(
                condition=Q(end__lte=F("start") + timedelta(hours=24)), name="appointments_slothold_max_24h"
            ),
            models.CheckConstraint(
                condition=Q(buffer_before_minutes__lte=120, buffer_after_minutes__lte=120),
                name="appointments_slothold_buffers",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "doctor", "start"], name="appointments_hold_doctor_start"),
            models.Index(fields=["expires_at"], name="appointments_hold_expires"),
        ]

    def __str__(self) -> str:
        return f"hold {self.pk}"
