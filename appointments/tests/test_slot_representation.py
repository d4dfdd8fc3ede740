"""The slots' and appointments' direct representations answer the bytes their serializers would (issue 16: the same
JSON, byte for byte): plain, held, full, group capacity, a daylight-saving change in New York, several
doctors with and without second names."""

import datetime
from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
from rest_framework.renderers import JSONRenderer

from appointments.availability import Slot
from appointments.models import Appointment
from appointments.serializers import (
    AppointmentSerializer,
    SlotSearchSerializer,
    TimeSlotsSerializer,
    appointment_representation,
    slot_search_representation,
    time_slots_representation,
)
from appointments.tests.factories import AppointmentFactory, DoctorFactory
from tenants.context import tenant_context
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def _slots(doctors, start):
    step = datetime.timedelta(minutes=30)
    return [
        Slot(start + n * step, start + (n + 1) * step, capacity=1 + n % 3, remaining=n % 2, held=n % 4 == 0, doctor=d)
        for n in range(12)
        for d in doctors
    ]


@pytest.mark.parametrize(
    ("zone", "start"),
    [
        ("America/Bogota", datetime.datetime(2030, 9, 26, 14, tzinfo=UTC)),
        ("America/New_York", datetime.datetime(2030, 11, 3, 4, 0, tzinfo=UTC)),  # 00:00 EDT, the fall-back night
        ("America/New_York", datetime.datetime(2030, 3, 10, 5, 0, tzinfo=UTC)),  # spring forward
    ],
)
def test_the_same_bytes_as_the_serializers(zone, start):
    tenant = TenantFactory(timezone=zone)
    doctors = [
        DoctorFactory(tenant=tenant, second_name=None, second_last_name="Ruiz", specialty="Cardiología"),
        DoctorFactory(tenant=tenant, second_name="José", second_last_name=None, specialty=None),
    ]
    slots = _slots(doctors, start)
    render = JSONRenderer().render
    context = {"zone": ZoneInfo(zone)}

    expected = TimeSlotsSerializer({"doctor": doctors[0], "timeZone": zone, "slots": slots}, context=context).data
    assert render(time_slots_representation(tenant=tenant, doctor=doctors[0], slots=slots)) == render(expected)

    expected = SlotSearchSerializer({"timeZone": zone, "slots": slots}, context=context).data
    assert render(slot_search_representation(tenant=tenant, slots=slots)) == render(expected)
    assert render(slot_search_representation(tenant=tenant, slots=[])) == render(
        SlotSearchSerializer({"timeZone": zone, "slots": []}, context=context).data
    )


def test_appointment_representation_is_the_serializers_data(tenant):
    """Every answer and event about an appointment: the reader's bytes are the serializer's."""
    start = datetime.datetime(2030, 9, 26, 14, tzinfo=UTC)
    with tenant_context(tenant.id):
        first = AppointmentFactory(tenant=tenant, start=start, comment="ü\u2028", custom_fields={"a": [1, None]})
        second = AppointmentFactory(
            tenant=tenant, start=start + datetime.timedelta(hours=1), rescheduled_from=first, state="confirmed"
        )
        answers = {}
        for appointment in Appointment.objects.select_related("patient", "doctor", "rescheduled_to"):
            expected = JSONRenderer().render(AppointmentSerializer(appointment).data)
            assert JSONRenderer().render(appointment_representation(appointment)) == expected
            answers[appointment.pk] = appointment_representation(appointment)
    assert answers[first.pk]["rescheduledToId"] == str(second.pk)
    assert answers[second.pk]["rescheduledFromId"] == str(first.pk)
    assert answers[first.pk]["comment"] == "ü\u2028"
