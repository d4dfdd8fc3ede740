"""Scheduling: doctors, weekly availability, blocked time, closed days, slots and appointments."""
