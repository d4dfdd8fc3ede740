"""The HL7 FHIR R4 facade at /fhir/R4: Secre's patients, doctors, schedules, slots and appointments as FHIR
resources, read, searched and booked through the same selectors and services as /v1 (docs/fhir.md)."""
