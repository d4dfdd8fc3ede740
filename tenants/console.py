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

from django import forms
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


class ConsoleDbMixin:
    """Reads, saves, deletes and form choices of a console screen on the request's connection
    (:func:`console_db`): the staff tenant's, or the operator bypass's."""

    def get_queryset(self, request):
        return super().get_queryset(request).using(console_db(request))

    def save_model(self, request, obj, form, change):
        obj.save(using=console_db(request))

    def delete_model(self, request, obj):
        obj.delete(using=console_db(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs["using"] = console_db(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs["using"] = console_db(request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def _is_tenant_model(model) -> bool:
    return any(field.column == "tenant_id" for field in model._meta.concrete_fields)


def limit_choices_to_tenant(form_class: type[forms.BaseForm], tenant_id) -> None:
    """Offer only ``tenant_id``'s rows in every choice of a tenant model on ``form_class``.

    Staff need nothing of the kind (their connection sees their tenant only); an operator editing
    one clinic's row would otherwise be offered every clinic's doctors, patients and staff, and a
    cross-tenant pick fails at the database's same-tenant foreign key.
    """
    for field in form_class.base_fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is not None and _is_tenant_model(queryset.model):
            field.queryset = queryset.filter(tenant_id=tenant_id)


class TenantScopedAdmin(NoAdminLogMixin, ConsoleDbMixin, admin.ModelAdmin):
    """A console screen over a tenant table. Staff never see or set ``tenant`` (it is theirs);
    operators choose it, and are offered only the row's own tenant's rows when editing."""

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        if not is_operator(request):
            excluded.append("tenant")
        return excluded

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        return [*columns, "tenant"] if is_operator(request) else columns

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and is_operator(request):
            limit_choices_to_tenant(form, obj.tenant_id)
        return form

    def save_model(self, request, obj, form, change):
        if not change and not is_operator(request):
            obj.tenant_id = request.user.tenant_id
        obj.save(using=console_db(request))

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

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Another tenant's id is exactly like an id that does not exist: 404, nothing echoed.
        raise Http404


class TenantScopedInline(admin.TabularInline):
    """An inline over a tenant table; rows take the parent's tenant (and, for an operator, are
    offered only the parent's tenant's rows)."""

    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).using(console_db(request))

    def get_exclude(self, request, obj=None):
        return [*list(super().get_exclude(request, obj) or []), "tenant"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None and is_operator(request):
            limit_choices_to_tenant(formset.form, obj.tenant_id)
        return formset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs["using"] = console_db(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
