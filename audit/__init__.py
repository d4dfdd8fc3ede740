"""Audit trail: who changed what, when, and through which key (django-auditlog, tenant-isolated)."""
