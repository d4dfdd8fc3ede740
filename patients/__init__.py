"""Patients: a clinic's patients and the reference data that describes them."""
