"""Secre: the multi-tenant medical integration API (project package)."""
