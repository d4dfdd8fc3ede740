"""Emitting many events at once (events_emit) writes what one event_emit per object would."""

from uuid import UUID

from uuid_utils.compat import uuid7

from tenants.context import tenant_context
from webhooks.events import event_emit, events_emit
from webhooks.models import Delivery, Event
from webhooks.tests.conftest import register


def test_events_emit_continues_each_objects_sequence_and_fans_out_to_the_endpoints(clinic, receiver):
    register(clinic, receiver.url("/all"))
    register(clinic, receiver.url("/reminders"), eventTypes=["appointment.reminder_due"])
    register(clinic, receiver.url("/other"), eventTypes=["patient.created"])
    seen, fresh = UUID(str(uuid7())), UUID(str(uuid7()))
    with tenant_context(clinic.tenant.id):
        for _ in range(2):
            event_emit(
                tenant_id=clinic.tenant.id,
                type="appointment.updated",
                object_type="appointment",
                object_id=seen,
                data={},
            )
        created = events_emit(
            tenant_id=clinic.tenant.id,
            type="appointment.reminder_due",
            object_type="appointment",
            items=[(seen, {"id": str(seen)}), (fresh, {"id": str(fresh)})],
        )
        assert [(e.object_id, e.sequence) for e in created] == [(seen, 3), (fresh, 1)]
        stored = Event.objects.get(pk=created[0].pk)
        assert stored.data == {"id": str(seen)} and stored.type == "appointment.reminder_due"
        paths = sorted(Delivery.objects.filter(event__in=created).values_list("endpoint__url", flat=True), key=str)
    assert [url.rsplit("/", 1)[1] for url in paths] == ["all", "all", "reminders", "reminders"]
