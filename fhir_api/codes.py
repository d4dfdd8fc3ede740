"""The URIs and codes the facade speaks: identifier systems, code systems, extensions, and the mappings of
Secre's values to FHIR's (docs/fhir.md lists them; they are a contract: add, never change).

Every Secre-defined URI is a ``urn:secre:fhir:...`` name, like the problem types' ``urn:secre:problem:``.
"""

from __future__ import annotations

# One identifier system per document type: urn:secre:fhir:sid:document:CC, ...:TI, ... (the document
# type's code, which never changes: patients/migrations/0002_reference_data.py).
DOCUMENT_SYSTEM_PREFIX = "urn:secre:fhir:sid:document:"
DOCUMENT_TYPE_SYSTEM = "urn:secre:fhir:CodeSystem:document-type"
EPS_EXTENSION = "urn:secre:fhir:StructureDefinition:eps"
EPS_SYSTEM = "urn:secre:fhir:CodeSystem:eps"
APPOINTMENT_TYPE_SYSTEM = "urn:secre:fhir:CodeSystem:appointment-type"
MODALITY_SYSTEM = "urn:secre:fhir:CodeSystem:modality"
PROBLEM_SYSTEM = "urn:secre:problem"
PROBLEM_EXTENSION = "urn:secre:fhir:StructureDefinition:problem"
# HL7's extensions for the two Hispanic surnames of a HumanName.family.
FATHERS_FAMILY = "http://hl7.org/fhir/StructureDefinition/humanname-fathers-family"
MOTHERS_FAMILY = "http://hl7.org/fhir/StructureDefinition/humanname-mothers-family"

# Secre's gender codes (patients.Gender.code) -> FHIR AdministrativeGender.
GENDERS = {"M": "male", "F": "female", "I": "other", "ND": "unknown"}

# Appointment.state -> FHIR AppointmentStatus (docs/api.md); FHIR codes Secre never produces match nothing.
APPOINTMENT_STATUS = {
    "scheduled": "booked",
    "confirmed": "booked",
    "completed": "fulfilled",
    "cancelled": "cancelled",
    "no_show": "noshow",
}
FHIR_APPOINTMENT_STATUSES = (
    "proposed",
    "pending",
    "booked",
    "arrived",
    "fulfilled",
    "cancelled",
    "noshow",
    "entered-in-error",
    "checked-in",
    "waitlist",
)
# The patient's participation: a scheduled appointment still awaits the patient's confirmation.
PATIENT_PARTICIPATION = {"scheduled": "needs-action"}


def document_system(code: str) -> str:
    """The identifier system of a document type code: ``CC`` -> ``urn:secre:fhir:sid:document:CC``."""
    return f"{DOCUMENT_SYSTEM_PREFIX}{code}"


def document_code(system: str) -> str | None:
    """The document type code an identifier system names, or None for a system that is not Secre's."""
    if not system.startswith(DOCUMENT_SYSTEM_PREFIX):
        return None
    return system.removeprefix(DOCUMENT_SYSTEM_PREFIX) or None


def secre_states(fhir_status: str) -> list[str]:
    """The Secre states a FHIR AppointmentStatus stands for (``booked`` -> scheduled and confirmed)."""
    return [state for state, status in APPOINTMENT_STATUS.items() if status == fhir_status]
