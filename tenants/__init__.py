"""Tenancy: tenants, staff users, API keys, and the row-level-security wall around every tenant's rows."""
