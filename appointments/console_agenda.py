"""The console's agenda (issue 21): the day and week of the clinic's doctors, and what the front desk does
from it — book a free slot, confirm, complete, mark no-show, cancel with a reason, reschedule, write notes.

The pages are views of the appointments screen (:class:`AgendaViews`, mixed into
``appointments.admin.AppointmentAdmin``), so the admin's sign-in, permissions and look apply. The grid is
``appointments.agenda.agenda_build``; every write is the API's service (appointments/services) called
through the console's :meth:`~tenants.console.ServiceWriteMixin.service`, so a refusal is the service's
message on the page, never an error page.

Who sees what: Owners and Assistants every doctor of their clinic; a Doctor-role user only their own
column and appointments (completed, no-show and notes, as on the appointment screen); platform operators
pick a clinic first and read and change its agenda inside its tenant context (they do not book: booking
happens in the clinic's own console, as on the appointment screen).

The front desk's allowances (appointments/services/booking.py ``front_desk``): a slot held by a chatbot
or outside the booking window (sooner than the minimum notice, past the horizon) is refused first with
the service's message, and booked when the staff member confirms ("Book anyway").
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Value
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from appointments import availability, catalogs, lifecycle, selectors, services
from appointments.agenda import Agenda, agenda_build
from appointments.errors import OutsideBookingWindow, SlotHeld
from appointments.models import Appointment, Clinic, Doctor
from patients.models import DocumentType, NameSearch
from patients.selectors import patient_find_by_document
from tenants import roles
from tenants.bypass import OPERATOR_DB
from tenants.console import REFUSALS, ServiceRefused, is_operator, refusal_message
from tenants.context import tenant_context
from tenants.models import Tenant

# Refusals the front desk may pass after confirming (appointments/services/booking.py).
CONFIRMABLE = (SlotHeld, OutsideBookingWindow)
DOCTOR_STATES = {Appointment.State.COMPLETED, Appointment.State.NO_SHOW}
AGENDA_PARAMS = ("tenant", "date", "view", "specialty", "doctor", "clinic")
TRANSITION_LABELS = {
    Appointment.State.CONFIRMED: "Confirm",
    Appointment.State.COMPLETED: "Mark completed",
    Appointment.State.NO_SHOW: "Mark no-show",
}
RESCHEDULE_DAYS = 7
QUOTED_Z = "%Y-%m-%dT%H%%3A%M%%3A%SZ"  # an RFC 3339 UTC instant, URL-encoded (the colons)


def doctor_only(request) -> bool:
    """A staff member in the Doctor group (and not Owner/Assistant): sees their own agenda only.
    Read once per request."""
    cached = getattr(request, "_secre_doctor_only", None)
    if cached is None:
        user = request.user
        names = set(user.groups.values_list("name", flat=True))
        cached = roles.DOCTOR in names and not names & {roles.OWNER, roles.ASSISTANT} and not user.is_superuser
        request._secre_doctor_only = cached
    return cached


def _parse_day(value: str | None, default: date) -> date:
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError:
        return default
    return day if 1900 <= day.year <= 2200 else default


def _parse_instant(value: str | None) -> datetime | None:
    try:
        parsed = datetime.fromisoformat((value or "").strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None or not 1900 <= parsed.year <= 2200:
        return None
    return parsed.astimezone(UTC)


def _uuid(value: str | None) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def _z(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class BookForm(forms.Form):
    """A booking from a free slot: the slot's doctor and times (hidden), the patient's document, and what
    the appointment screen would also ask. ``confirm`` is offered after a refusal the front desk may pass."""

    doctor = forms.UUIDField(widget=forms.HiddenInput)
    start = forms.CharField(widget=forms.HiddenInput)
    end = forms.CharField(widget=forms.HiddenInput)
    document_type = forms.ModelChoiceField(queryset=DocumentType.objects.filter(is_active=True), empty_label=None)
    document_number = forms.CharField(max_length=32, label="Document number")
    appointment_type = forms.ChoiceField(required=False)
    modality = forms.ChoiceField(required=False)
    clinic = forms.ModelChoiceField(queryset=Clinic.objects.none(), required=False)
    state = forms.ChoiceField(
        choices=[(Appointment.State.SCHEDULED, "Scheduled"), (Appointment.State.CONFIRMED, "Confirmed")]
    )
    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appointment_type"].choices = [("", "—")] + [
            (entry["code"], entry["name"]) for entry in catalogs.catalog_entries("appointment_type")
        ]
        self.fields["modality"].choices = [("", "—")] + [
            (entry["code"], entry["name"]) for entry in catalogs.catalog_entries("modality")
        ]
        self.fields["clinic"].queryset = Clinic.objects.filter(is_active=True).order_by("name")

    def clean_start(self):
        return self._instant("start")

    def clean_end(self):
        return self._instant("end")

    def _instant(self, name):
        value = _parse_instant(self.cleaned_data.get(name))
        if value is None:
            raise forms.ValidationError("Not a time: choose a slot on the agenda.")
        return value


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}), label="Reason")


class NotesForm(forms.Form):
    notes = forms.CharField(required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))


class AgendaViews:
    """The agenda's pages, as views of the appointments screen (mixed into ``AppointmentAdmin``)."""

    def agenda_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("agenda/", wrap(self.agenda_view), name="appointments_appointment_agenda"),
            path("agenda/book/", wrap(self.agenda_book_view), name="appointments_appointment_agenda_book"),
            path(
                "agenda/<uuid:appointment_id>/",
                wrap(self.agenda_appointment_view),
                name="appointments_appointment_agenda_appointment",
            ),
        ]

    # -- who, where ---------------------------------------------------------------------------------------

    def agenda_tenant(self, request) -> Tenant | None:
        """The clinic whose agenda this is: the staff member's; for an operator the one picked (None
        until then; an unknown id is None too)."""
        if not is_operator(request):
            return request.user.tenant
        tenant_id = _uuid(request.GET.get("tenant") or request.POST.get("tenant"))
        if tenant_id is None:
            return None
        return Tenant.objects.using(OPERATOR_DB).filter(pk=tenant_id, is_active=True).first()

    def in_tenant(self, request, tenant: Tenant):
        """Reads and writes in the clinic's tenant context on the ``default`` connection (an operator's
        too: the console's rules of tenants/console.py)."""
        return tenant_context(tenant.pk) if is_operator(request) else nullcontext()

    def agenda_doctors(self, request):
        """The doctors a user may see: a Doctor-role user their own; others every active doctor."""
        doctors = Doctor.objects.all()
        if doctor_only(request):
            return doctors.filter(user=request.user)
        return doctors.filter(is_active=True)

    def agenda_appointments(self, request):
        queryset = Appointment.objects.all()
        if doctor_only(request):
            queryset = queryset.filter(doctor__user=request.user)
        return queryset

    def agenda_back(self, request, **overrides) -> str:
        """The agenda's URL with the known parameters of ``request`` (``back`` or the query), overridden."""
        back = request.POST.get("back") or request.GET.get("back")
        source = QueryDict(back) if back else request.GET
        params = {key: source.get(key) for key in AGENDA_PARAMS if source.get(key)}
        params.update({key: value for key, value in overrides.items() if value})
        url = reverse("admin:appointments_appointment_agenda", current_app=self.admin_site.name)
        return f"{url}?{urlencode(params)}" if params else url

    def agenda_context(self, request, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "agenda_url": reverse("admin:appointments_appointment_agenda", current_app=self.admin_site.name),
            **extra,
        }

    # -- the grid -----------------------------------------------------------------------------------------

    def agenda_view(self, request):
        """GET ``agenda/?date=YYYY-MM-DD&view=day|week&specialty=&doctor=&clinic=`` (operators: ``tenant=``).
        Today (clinic time) and the day view by default; an unreadable date is today."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        tenant = self.agenda_tenant(request)
        if tenant is None:
            tenants = Tenant.objects.using(OPERATOR_DB).filter(is_active=True).order_by("name")
            return TemplateResponse(
                request,
                "admin/appointments/agenda_pick_tenant.html",
                self.agenda_context(request, title="Agenda: choose a clinic", tenants=list(tenants)),
            )
        with self.in_tenant(request, tenant):
            return self._render_agenda(request, tenant)

    def _render_agenda(self, request, tenant: Tenant):
        zone = tenant.zone
        today = timezone.now().astimezone(zone).date()
        day = _parse_day(request.GET.get("date"), today)
        week = request.GET.get("view") == "week"
        first_day = day - timedelta(days=day.weekday()) if week else day
        days = 7 if week else 1
        doctors_qs = self.agenda_doctors(request)
        all_doctors = sorted(doctors_qs, key=lambda d: (d.first_last_name.casefold(), d.first_name.casefold()))
        doctors = all_doctors
        # A NUL is not text to PostgreSQL: dropped, never a 500.
        specialty = (request.GET.get("specialty") or "").replace("\x00", "").strip()[:100]
        if specialty:
            keys = set(doctors_qs.filter(specialty_key=NameSearch(Value(specialty))).values_list("id", flat=True))
            doctors = [d for d in doctors if d.pk in keys]
        doctor_id = _uuid(request.GET.get("doctor"))
        if doctor_id is not None:
            doctors = [d for d in doctors if d.pk == doctor_id]
        clinic_id = _uuid(request.GET.get("clinic"))
        appointments = self.agenda_appointments(request)
        if clinic_id is not None:
            appointments = appointments.filter(clinic_id=clinic_id)
        agenda = agenda_build(tenant=tenant, first_day=first_day, days=days, doctors=doctors, appointments=appointments)
        operator = is_operator(request)
        can_book = self.has_add_permission(request)
        params = {key: request.GET.get(key) for key in AGENDA_PARAMS if request.GET.get(key)}
        if operator:
            params["tenant"] = str(tenant.pk)
        back = urlencode(params)
        step = timedelta(days=7 if week else 1)
        context = self.agenda_context(
            request,
            title=f"Agenda — {tenant.name}" if operator else "Agenda",
            tenant=tenant,
            operator=operator,
            grid=_present(agenda, back=back, can_book=can_book, tenant=tenant if operator else None),
            day=day,
            today=today,
            week=week,
            view_name="week" if week else "day",
            prev_url=self.agenda_back(request, date=(day - step).isoformat()),
            next_url=self.agenda_back(request, date=(day + step).isoformat()),
            today_url=self.agenda_back(request, date=today.isoformat()),
            day_url=self.agenda_back(request, view="day"),
            week_url=self.agenda_back(request, view="week"),
            specialties=[] if doctor_only(request) else selectors.specialty_list(),
            clinics=list(selectors.clinic_list()),
            all_doctors=all_doctors,
            specialty=specialty,
            doctor_id=doctor_id,
            clinic_id=clinic_id,
            can_book=can_book,
            zone_name=tenant.timezone,
            last_day=first_day + timedelta(days=days - 1),
            first_day=first_day,
        )
        return TemplateResponse(request, "admin/appointments/agenda.html", context)

    # -- booking ------------------------------------------------------------------------------------------

    def agenda_book_view(self, request):
        """GET ``agenda/book/?doctor=&start=&end=`` (a free slot): the booking form; POST books it through
        ``services.appointment_book``. A held slot or one outside the booking window is refused with the
        service's message and offered again with "Book anyway"."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        tenant = self.agenda_tenant(request)
        with self.in_tenant(request, tenant):
            source = request.POST if request.method == "POST" else request.GET
            doctor = Doctor.objects.filter(pk=_uuid(source.get("doctor")), is_active=True).first()
            start, end = _parse_instant(source.get("start")), _parse_instant(source.get("end"))
            if doctor is None or start is None or end is None:
                raise Http404
            confirmable = False
            if request.method == "POST":
                form = BookForm(request.POST)
                if form.is_valid():
                    try:
                        appointment = self._book(tenant, doctor, form.cleaned_data)
                    except ServiceRefused as refused:
                        form.add_error(None, str(refused))
                        confirmable = getattr(refused, "confirmable", False)
                    else:
                        local = appointment.start.astimezone(tenant.zone)
                        self.message_user(
                            request,
                            f"Booked {local:%Y-%m-%d %H:%M} with Dr. {doctor.first_last_name}.",
                            messages.SUCCESS,
                        )
                        return HttpResponseRedirect(self.agenda_back(request, date=local.date().isoformat()))
            else:
                form = BookForm(initial={"doctor": doctor.pk, "start": _z(start), "end": _z(end), "state": "scheduled"})
            context = self.agenda_context(
                request,
                title="Book an appointment",
                form=form,
                doctor=doctor,
                local_start=start.astimezone(tenant.zone),
                local_end=end.astimezone(tenant.zone),
                zone_name=tenant.timezone,
                confirmable=confirmable,
                back=source.get("back", ""),
                back_url=self.agenda_back(request),
            )
            return TemplateResponse(request, "admin/appointments/agenda_book.html", context)

    def _book(self, tenant: Tenant, doctor: Doctor, data: dict) -> Appointment:
        patient = patient_find_by_document(
            document_type_id=data["document_type"].pk, document_number=data["document_number"].strip()
        )
        if patient is None:
            raise ServiceRefused("No patient with this document in this clinic: add the patient first.")
        fields = {"state": data["state"]}
        for name in ("modality", "appointment_type", "comment"):
            if data.get(name):
                fields[name] = data[name]
        if data.get("clinic") is not None:
            fields["clinic"] = data["clinic"]
        end = data["end"]
        chosen = catalogs.appointment_type_find(fields.get("appointment_type"))
        if chosen is not None and chosen.duration_minutes:
            end = None  # the type's own length (appointments/services/booking.py)
        return self._confirmable(
            services.appointment_book,
            confirmed=data.get("confirm", False),
            tenant=tenant,
            patient=patient,
            doctor=doctor,
            start=data["start"],
            end=end,
            **fields,
        )

    def _confirmable(self, function, /, *, confirmed: bool, **kwargs):
        """Call a booking service as the front desk: without its allowances first, so a held slot or one
        outside the booking window is refused (``confirmable`` on the refusal); with them once confirmed."""
        try:
            return function(front_desk=confirmed, **kwargs)
        except CONFIRMABLE as exc:
            refused = ServiceRefused(f"{refusal_message(exc)} Confirm to book it anyway.")
            refused.confirmable = True
            raise refused from None
        except REFUSALS as exc:
            raise ServiceRefused(refusal_message(exc)) from None

    # -- one appointment ----------------------------------------------------------------------------------

    def agenda_appointment_view(self, request, appointment_id):
        """An appointment from the agenda: its facts, the transitions it allows (each through
        ``services.appointment_update``), cancel with a reason (``services.appointment_cancel``), notes,
        and reschedule to a free slot of the same doctor (``services.appointment_reschedule``)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        tenant = self.agenda_tenant(request)
        if tenant is None:
            raise Http404
        with self.in_tenant(request, tenant):
            appointment = (
                self.agenda_appointments(request)
                .select_related("patient", "patient__document_type", "doctor", "clinic", "rescheduled_to")
                .filter(pk=appointment_id)
                .first()
            )
            if appointment is None:
                raise Http404
            if request.method == "POST":
                if not self.has_change_permission(request, appointment):
                    raise PermissionDenied
                result = self._act(request, tenant, appointment)
                if isinstance(result, HttpResponseRedirect):
                    return result
                confirmable_slot = result
            else:
                confirmable_slot = None
            return self._appointment_page(request, tenant, appointment, confirmable_slot=confirmable_slot)

    def _allowed(self, request, appointment: Appointment) -> list[tuple[str, str]]:
        allowed = lifecycle.TRANSITIONS[appointment.state] - {Appointment.State.CANCELLED}
        if doctor_only(request):
            allowed &= DOCTOR_STATES
        return [(state, TRANSITION_LABELS[state]) for state in TRANSITION_LABELS if state in allowed]

    def _act(self, request, tenant: Tenant, appointment: Appointment):
        """Run the posted action; a redirect when done, else None (the refusal is a message), or the
        slot to confirm."""
        action = request.POST.get("action")
        here = request.get_full_path()
        doctor_limited = doctor_only(request)
        try:
            if action == "transition":
                target = request.POST.get("state")
                if target not in {state for state, _ in self._allowed(request, appointment)}:
                    raise ServiceRefused(f"An appointment cannot go from {appointment.state} to {target}.")
                self.service(
                    services.appointment_update,
                    tenant=tenant,
                    appointment=appointment,
                    data={"state": target},
                    front_desk=True,
                )
                self.message_user(request, f"The appointment is {target.replace('_', ' ')}.", messages.SUCCESS)
                return HttpResponseRedirect(here)
            if action == "notes":
                form = NotesForm(request.POST)
                if not form.is_valid():
                    raise ServiceRefused(refusal_message(forms.ValidationError(form.errors.as_text())))
                self.service(
                    services.appointment_update,
                    tenant=tenant,
                    appointment=appointment,
                    data={"notes": form.cleaned_data["notes"] or None},
                    front_desk=True,
                )
                self.message_user(request, "Notes saved.", messages.SUCCESS)
                return HttpResponseRedirect(here)
            if doctor_limited:
                raise PermissionDenied
            if action == "cancel":
                form = CancelForm(request.POST)
                if not form.is_valid():
                    raise ServiceRefused("Give the reason for cancelling.")
                if not lifecycle.is_active(appointment.state):
                    raise ServiceRefused(f"The appointment is already {appointment.state.replace('_', ' ')}.")
                self.service(services.appointment_cancel, appointment=appointment, reason=form.cleaned_data["reason"])
                self.message_user(request, "The appointment is cancelled.", messages.SUCCESS)
                return HttpResponseRedirect(
                    self.agenda_back(request, date=appointment.start.astimezone(tenant.zone).date().isoformat())
                )
            if action == "reschedule":
                start, end = _parse_instant(request.POST.get("start")), _parse_instant(request.POST.get("end"))
                if start is None or end is None:
                    raise ServiceRefused("Choose a free slot to move the appointment to.")
                try:
                    new, _ = self._confirmable(
                        services.appointment_reschedule,
                        confirmed=request.POST.get("confirm") == "1",
                        tenant=tenant,
                        appointment=appointment,
                        start=start,
                        end=end,
                    )
                except ServiceRefused as refused:
                    self.message_user(request, str(refused), messages.ERROR)
                    return (start, end) if getattr(refused, "confirmable", False) else None
                local = new.start.astimezone(tenant.zone)
                self.message_user(request, f"Moved to {local:%Y-%m-%d %H:%M}.", messages.SUCCESS)
                url = reverse(
                    "admin:appointments_appointment_agenda_appointment",
                    args=[new.pk],
                    current_app=self.admin_site.name,
                )
                query = request.GET.urlencode()
                return HttpResponseRedirect(f"{url}?{query}" if query else url)
            raise ServiceRefused("Unknown action.")
        except ServiceRefused as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return None

    def _appointment_page(self, request, tenant: Tenant, appointment: Appointment, *, confirmable_slot=None):
        zone = tenant.zone
        limited = doctor_only(request)
        can_change = self.has_change_permission(request, appointment)
        slots = []
        reschedule_day = _parse_day(request.GET.get("on"), appointment.start.astimezone(zone).date())
        if can_change and not limited and lifecycle.is_active(appointment.state):
            now = timezone.now()
            found = availability.slots_search(
                doctors=[appointment.doctor], first_day=reschedule_day, days=RESCHEDULE_DAYS, zone=zone
            )
            slots = [
                {
                    "start": _z(slot.start),
                    "end": _z(slot.end),
                    "label": f"{slot.start.astimezone(zone):%a %d %b %H:%M}",
                    "remaining": slot.remaining,
                    "capacity": slot.capacity,
                }
                for slot in found
                if slot.start >= now and slot.start != appointment.start
            ][:60]
        patient = appointment.patient
        context = self.agenda_context(
            request,
            title="Appointment",
            appointment=appointment,
            patient_name=" ".join(
                part
                for part in (patient.first_name, patient.second_name, patient.first_last_name, patient.second_last_name)
                if part
            ),
            patient_document=f"{patient.document_type.code} {patient.document_number}",
            doctor_name=f"{appointment.doctor.first_name} {appointment.doctor.first_last_name}",
            local_start=appointment.start.astimezone(zone),
            local_end=appointment.end.astimezone(zone),
            zone_name=tenant.timezone,
            transitions=self._allowed(request, appointment) if can_change else [],
            can_cancel=can_change and not limited and lifecycle.is_active(appointment.state),
            can_notes=can_change,
            notes_form=NotesForm(initial={"notes": appointment.notes}),
            cancel_form=CancelForm(),
            slots=slots,
            reschedule_day=reschedule_day,
            next_week=(reschedule_day + timedelta(days=RESCHEDULE_DAYS)).isoformat(),
            confirm_slot={"start": _z(confirmable_slot[0]), "end": _z(confirmable_slot[1])}
            if confirmable_slot
            else None,
            back_url=self.agenda_back(request, date=appointment.start.astimezone(zone).date().isoformat()),
            change_url=reverse(
                "admin:appointments_appointment_change", args=[appointment.pk], current_app=self.admin_site.name
            ),
            tenant_param=str(tenant.pk) if is_operator(request) else "",
        )
        return TemplateResponse(request, "admin/appointments/agenda_appointment.html", context)


STATE_CLASSES = {
    Appointment.State.SCHEDULED: "scheduled",
    Appointment.State.CONFIRMED: "confirmed",
    Appointment.State.COMPLETED: "completed",
    Appointment.State.NO_SHOW: "no-show",
}


def _initials(patient) -> str:
    return "".join(part[0].upper() for part in (patient.first_name, patient.first_last_name) if part)


def _present(agenda: Agenda, *, back: str, can_book: bool, tenant: Tenant | None) -> dict:
    """The agenda as the template shows it. A week of ten doctors is about a thousand cells: each row's
    cells are built here as escaped HTML (``django.utils.html.escape`` on every text), since the template
    engine's loops over them took most of the 300 ms budget (docs/benchmarks.md)."""
    zone = agenda.zone
    book_url = reverse("admin:appointments_appointment_agenda_book")
    placeholder = str(UUID(int=0))
    appointment_url = reverse("admin:appointments_appointment_agenda_appointment", args=[placeholder])
    tenant_query = f"&amp;tenant={tenant.pk}" if tenant is not None else ""
    back_query = escape(urlencode({"back": back}))
    without_rules = agenda.doctors_without_rules
    days = []
    for agenda_day in agenda.day_list:
        rows = []
        for row in agenda_day.rows:
            cells = []
            for cell in row.cells:
                items = []
                for appointment in cell.appointments:
                    patient = appointment.patient
                    url = appointment_url.replace(placeholder, str(appointment.pk))
                    state = escape(appointment.get_state_display())
                    kind = f" · {escape(appointment.appointment_type)}" if appointment.appointment_type else ""
                    items.append(
                        f'<a class="appt state-{STATE_CLASSES.get(appointment.state, "scheduled")}" '
                        f'href="{url}?{back_query}{tenant_query}" title="{state}">'
                        f"{appointment.start.astimezone(zone):%H:%M} {escape(_initials(patient))} · "
                        f"{escape(patient.document_type.code)} {escape(patient.document_number)}{kind} "
                        f"<em>{state}</em></a>"
                    )
                for hold in cell.holds:
                    items.append(
                        f'<span class="hold">{hold.start.astimezone(zone):%H:%M} held until '
                        f"{hold.expires_at.astimezone(zone):%H:%M}</span>"
                    )
                for slot in cell.slots:
                    text = f"{slot.start.astimezone(zone):%H:%M} free"
                    if slot.capacity > 1:
                        text += f" {slot.remaining}/{slot.capacity}"
                    if slot.held:
                        text += " (held)"
                    if not can_book:
                        items.append(f'<span class="slot">{text}</span>')
                        continue
                    items.append(
                        f'<a class="slot{" outside" if slot.outside_window else ""}" href="{book_url}?doctor='
                        f"{cell.doctor.pk}&amp;start={slot.start.astimezone(UTC):{QUOTED_Z}}"
                        f'&amp;end={slot.end.astimezone(UTC):{QUOTED_Z}}&amp;{back_query}">{text}</a>'
                    )
                cells.append(f'<td class="cell-{cell.kind}">{"".join(items)}</td>')
            # Every value above is escaped (or an id, a time, a number): the row is safe to emit as is.
            rows.append({"label": row.label, "cells": mark_safe("".join(cells))})  # noqa: S308
        days.append({"date": agenda_day.date, "closed": agenda_day.closed, "rows": rows})
    columns = [
        {
            "doctor": doctor,
            "name": f"{doctor.first_name} {doctor.first_last_name}",
            "specialty": doctor.specialty or "",
            "without_rules": doctor.pk in without_rules,
        }
        for doctor in agenda.doctors
    ]
    return {"days": days, "columns": columns, "step": agenda.step}
