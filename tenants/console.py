"""Base classes of the operator console (Django admin) over tenant data.

Isolation in the console is PostgreSQL's, as in the API: the tenancy middleware sets the staff
member's tenant on the ``default`` connection, so querysets here need no tenant filter. A platform
operator's request instead runs inside ``tenants.bypass.operator_access()``, and these classes send
its queries to that connection (Django's documented multi-database admin pattern).

Also here, for every screen: a crafted URL with another tenant's id is a plain 404 (never Django's
"doesn't exist" redirect that echoes the id), and Django's ``django_admin_log`` is not written (it
stores object names unscoped; the audit trail records changes instead).
"""

from __future__ import annotations

from django.contrib import admin
from django.db import DEFAULT_DB_ALIAS
from django.http import Http404

from tenants.bypass import OPERATOR_DB


def console_db(request) -> str:
    """The connection for this console request: the operator bypass, or the staff tenant's."""
    user = getattr(request, "user", None)
    return OPERATOR_DB if getattr(user, "is_operator", False) else DEFAULT_DB_ALIAS


def is_operator(request) -> bool:
    return console_db(request) == OPERATOR_DB


class NoAdminLogMixin:
    """Do not write django_admin_log: it stores object representations without a tenant."""

    def log_addition(self, request, obj, message):
        return None

    def log_change(self, request, obj, message):
        return None

    def log_deletion(self, request, obj, object_repr):
        return None

    def log_deletions(self, request, queryset):
        return None


class TenantScopedAdmin(NoAdminLogMixin, admin.ModelAdmin):
    """A console screen over a tenant table. Staff never see or set ``tenant`` (it is theirs);
    operators choose it."""

    def get_queryset(self, request):
        return super().get_queryset(request).using(console_db(request))

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        if not is_operator(request):
            excluded.append("tenant")
        return excluded

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        return [*columns, "tenant"] if is_operator(request) else columns

    def save_model(self, request, obj, form, change):
        if not change and not is_operator(request):
            obj.tenant_id = request.user.tenant_id
        obj.save(using=console_db(request))

    def delete_model(self, request, obj):
        obj.delete(using=console_db(request))

    def save_formset(self, request, form, formset, change):
        db = console_db(request)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete(using=db)
        for obj in instances:
            if getattr(obj, "tenant_id", None) is None:
                obj.tenant_id = form.instance.tenant_id
            obj.save(using=db)
        formset.save_m2m()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs["using"] = console_db(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs["using"] = console_db(request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Another tenant's id is exactly like an id that does not exist: 404, nothing echoed.
        raise Http404


class TenantScopedInline(admin.TabularInline):
    """An inline over a tenant table; rows take the parent's tenant."""

    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).using(console_db(request))

    def get_exclude(self, request, obj=None):
        return [*list(super().get_exclude(request, obj) or []), "tenant"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs["using"] = console_db(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
