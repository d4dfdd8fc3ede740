"""Base classes of the operator console (Django admin) over tenant data.

Reads. Isolation in the console is PostgreSQL's, as in the API: the tenancy middleware sets the staff
member's tenant on the ``default`` connection, so querysets here need no tenant filter. A platform
operator's request instead runs inside ``tenants.bypass.operator_access()``, and these classes send
its reads to that connection (Django's documented multi-database admin pattern).

Writes go through the entity's service, the functions the API calls (one write path: validation,
normalisation, duplicate checks, overlap rules, audit and events in one transaction). A screen's
``save_model``/``delete_model``/``save_formset`` and its actions call them through
:meth:`TenantScopedAdmin.service`; an operator's write runs the same service inside the row's tenant
context on the ``default`` connection (:meth:`TenantScopedAdmin.in_row_tenant`), so nothing writes
through the console alias. A service's refusal after validation (a slot taken meanwhile, an
overlapping rule, a patient with appointments) rolls the change back and shows the form again with
the service's message — never an error page.

Also here, for every screen: a crafted URL with another tenant's id is a plain 404 (never Django's
"doesn't exist" redirect that echoes the id), and Django's ``django_admin_log`` is not written (it
stores object names unscoped; the audit trail records changes instead).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DEFAULT_DB_ALIAS, models
from django.http import Http404, HttpResponseRedirect
from rest_framework.exceptions import APIException
from rest_framework.exceptions import ValidationError as ApiValidationError

from tenants.bypass import OPERATOR_DB
from tenants.context import tenant_context


def console_db(request) -> str:
    """The connection for this console request's reads: the operator bypass, or the staff tenant's."""
    user = getattr(request, "user", None)
    return OPERATOR_DB if getattr(user, "is_operator", False) else DEFAULT_DB_ALIAS


def is_operator(request) -> bool:
    return console_db(request) == OPERATOR_DB


class ServiceRefused(Exception):  # noqa: N818 (a refusal, shown on the form; not an error)
    """A service refused a console write (its message is the one the API would give)."""


def refusal_message(exc: Exception) -> str:
    """The human sentence of a service's refusal: a problem's detail, or a validation error's messages."""
    if isinstance(exc, ApiValidationError):
        detail = exc.detail
        items = detail.items() if isinstance(detail, dict) else [(None, detail)]
        parts = []
        for field, messages_ in items:
            text = " ".join(str(m) for m in (messages_ if isinstance(messages_, list) else [messages_]))
            parts.append(f"{field}: {text}" if field else text)
        return "; ".join(parts)
    if isinstance(exc, APIException):
        return str(exc.detail)
    if isinstance(exc, DjangoValidationError):
        return "; ".join(exc.messages)
    if isinstance(exc, ObjectDoesNotExist):
        return "A chosen record does not belong to this clinic."
    return str(exc)


REFUSALS = (APIException, DjangoValidationError, ObjectDoesNotExist)


def on_default(instance: models.Model) -> models.Model:
    """The same row, read on the ``default`` connection in the current tenant context (an operator's
    form holds rows read through the console alias). DoesNotExist when it is another tenant's."""
    return type(instance)._default_manager.using(DEFAULT_DB_ALIAS).get(pk=instance.pk)


def changed_data(form: forms.ModelForm, *, names: list[str] | None = None) -> dict:
    """The model attributes a form changed (or ``names``), rows rebound to ``default`` (call inside the
    row's tenant context)."""
    wanted = form.changed_data if names is None else names
    data = {}
    for name in wanted:
        if name not in form.cleaned_data or name == "tenant":
            continue
        value = form.cleaned_data[name]
        if isinstance(value, models.Model) and value.pk is not None:
            try:
                value = on_default(value)
            except ObjectDoesNotExist:
                raise ServiceRefused(f"{form.fields[name].label}: not a record of this clinic.") from None
        data[name] = value
    return data


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


def mark_formset_saved(formset) -> None:
    """What Django's admin reads after saving a formset (for its change message), when the rows were
    written by services instead of ``formset.save()``."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


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
    """Reads and form choices of a console screen on the request's connection (:func:`console_db`).
    Saves and deletes here are for platform tables (tenants, platform keys, roles, operators), which
    only the operator role may write; tenant rows are written by services (:class:`ServiceWriteMixin`)."""

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


class ServiceWriteMixin:
    """Console writes through services, with refusals shown on the form (see the module docstring)."""

    def service(self, function, /, **kwargs):
        """Call a service; its refusal becomes :class:`ServiceRefused` (rolled back, shown on the form)."""
        try:
            return function(**kwargs)
        except REFUSALS as exc:
            raise ServiceRefused(refusal_message(exc)) from None

    @contextmanager
    def in_row_tenant(self, request, tenant_id) -> Iterator[None]:
        """The tenant context writes run in: the staff member's (already set), or for an operator the
        row's own, on the ``default`` connection."""
        with tenant_context(tenant_id) if is_operator(request) else nullcontext():
            yield

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # The change was rolled back with the view's transaction; show the form again, refused.
            request.secre_refusal = str(refused)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ServiceRefused as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return HttpResponseRedirect(request.path.rsplit("/delete/", 1)[0] + "/change/")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "secre_refusal", None)
        if refusal is None:
            return form

        class Refused(form):
            def clean(self):
                cleaned = super().clean()
                self.add_error(None, refusal)
                return cleaned

        return Refused

    def each_refused(self, request, objects, write) -> tuple[int, list[str]]:
        """Run ``write(obj)`` for each object (an action), each in its own tenant context and
        transaction; returns (how many succeeded, the refusals' messages)."""
        done, refused = 0, []
        for obj in objects:
            try:
                with self.in_row_tenant(request, obj.tenant_id):
                    write(obj)
                done += 1
            except ServiceRefused as exc:
                refused.append(str(exc))
        return done, refused

    def report(self, request, *, done: int, done_message: str, refused: list[str]) -> None:
        self.message_user(request, done_message.format(count=done), messages.SUCCESS if done else messages.INFO)
        if refused:
            reasons = "; ".join(sorted(set(refused)))
            self.message_user(request, f"{len(refused)} not changed: {reasons}", messages.WARNING)

    def get_actions(self, request):
        # Django's bulk delete writes around the services: screens that allow deleting offer their own.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class TenantScopedAdmin(NoAdminLogMixin, ServiceWriteMixin, ConsoleDbMixin, admin.ModelAdmin):
    """A console screen over a tenant table. Staff never see or set ``tenant`` (it is theirs);
    operators choose it, and are offered only the row's own tenant's rows when editing.

    Subclasses write through services: ``save_model``, ``delete_model`` and their actions; a screen
    without them is read-only (the defaults below refuse to write around a service)."""

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        if not is_operator(request):
            excluded.append("tenant")
        return excluded

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        return [*columns, "tenant"] if is_operator(request) else columns

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # A row never moves to another clinic (its references are that clinic's).
        return [*fields, "tenant"] if obj is not None and is_operator(request) else fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and is_operator(request):
            limit_choices_to_tenant(form, obj.tenant_id)
        return form

    def row_tenant_id(self, request, obj, form):
        """The tenant a row belongs to: the staff member's, or the one an operator chose."""
        if obj.tenant_id is not None:
            return obj.tenant_id
        if is_operator(request):
            chosen = form.cleaned_data.get("tenant")
            if chosen is None:
                raise ServiceRefused("Choose the clinic.")
            return chosen.pk
        return request.user.tenant_id

    def row_tenant(self, request, obj, form):
        """The row's Tenant, read in its own context (call inside :meth:`in_row_tenant`)."""
        from_model = type(obj)._meta.get_field("tenant").related_model
        return from_model.objects.get(pk=self.row_tenant_id(request, obj, form))

    def save_model(self, request, obj, form, change):
        raise NotImplementedError(f"{type(self).__name__} writes through a service or not at all")

    def delete_model(self, request, obj):
        raise NotImplementedError(f"{type(self).__name__} deletes through a service or not at all")

    def delete_queryset(self, request, queryset):
        raise NotImplementedError(f"{type(self).__name__} deletes through a service or not at all")

    def save_formset(self, request, form, formset, change):
        if formset.has_changed():
            raise NotImplementedError(f"{type(self).__name__} writes inline rows through a service or not at all")
        mark_formset_saved(formset)

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
