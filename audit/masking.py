"""Masking of personal data in the audit trail (AUDITLOG_MASK_CALLABLE)."""

MASK = "[masked]"


def mask(value: object) -> str:
    """Replace the whole value (django-auditlog's default keeps half of it, which still identifies
    people). The trail records *that* a field changed, never what it said."""
    return MASK
