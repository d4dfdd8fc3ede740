"""The appointment lifecycle: which state may follow which (issue #3; FHIR Appointment.status).

    scheduled -> confirmed -> completed
    scheduled | confirmed -> cancelled | no_show

FHIR: scheduled = booked, confirmed = booked (confirmed by the patient), completed = fulfilled,
cancelled = cancelled, no_show = noshow. A change of notificationState alone is always allowed.
"""

from appointments.errors import InvalidTransition
from appointments.models import Appointment

State = Appointment.State

TRANSITIONS: dict[str, frozenset[str]] = {
    State.SCHEDULED: frozenset({State.CONFIRMED, State.CANCELLED, State.NO_SHOW}),
    State.CONFIRMED: frozenset({State.COMPLETED, State.CANCELLED, State.NO_SHOW}),
    State.COMPLETED: frozenset(),
    State.CANCELLED: frozenset(),
    State.NO_SHOW: frozenset(),
}
# States a new appointment may be created in.
INITIAL_STATES = frozenset({State.SCHEDULED, State.CONFIRMED})


def is_active(state: str) -> bool:
    """Active appointments hold their place; cancelled and no_show free it, completed is past."""
    return state in Appointment.ACTIVE_STATES


def check_transition(current: str, target: str) -> None:
    """Raise InvalidTransition (409, with ``allowedTransitions``) unless ``current -> target`` is allowed.
    Staying in the same state is not a transition and is allowed."""
    if current == target:
        return
    allowed = TRANSITIONS[current]
    if target not in allowed:
        raise InvalidTransition(
            f"An appointment cannot go from {current} to {target}.",
            currentState=current,
            allowedTransitions=sorted(allowed),
        )
