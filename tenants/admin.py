"""Console screens of tenancy: tenants (operators), staff users, API keys."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from rest_framework_api_key.admin import APIKey

from tenants import api_keys, roles, services
from tenants.auth import username_available
from tenants.console import (
    ConsoleDbMixin,
    NoAdminLogMixin,
    ServiceWriteMixin,
    TenantScopedAdmin,
    is_operator,
    on_default,
)
from tenants.models import PlatformAPIKey, Tenant, TenantAPIKey, User
from tenants.scopes import ALL_SCOPES, DEFAULT_SCOPES

# The package's stock key model has no tenant; Secre never uses it.
admin.site.unregister(APIKey)
admin.site.unregister(Group)
admin.site.site_header = "Secre — consola"
admin.site.site_title = "Secre"


class OperatorOnlyMixin:
    """Screens for platform operators only (no clinic staff)."""

    def has_module_permission(self, request):
        return is_operator(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_operator(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return is_operator(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return is_operator(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Group)
class RoleAdmin(OperatorOnlyMixin, NoAdminLogMixin, ServiceWriteMixin, ConsoleDbMixin, GroupAdmin):
    """Roles and their permissions: written by migrations and operators only (the runtime role may
    only read them)."""

    def save_model(self, request, obj, form, change):
        self.service(services.role_save, group=obj, permissions=form.cleaned_data.get("permissions", []))

    def save_related(self, request, form, formsets, change):
        pass  # the permissions were set by role_save


@admin.register(Tenant)
class TenantAdmin(OperatorOnlyMixin, NoAdminLogMixin, ServiceWriteMixin, ConsoleDbMixin, admin.ModelAdmin):
    """Clinics, for platform operators: onboard, rename, deactivate (its keys stop at once)."""

    list_display = ("name", "id", "timezone", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name",)
    readonly_fields = ("id", "created_at")

    def save_model(self, request, obj, form, change):
        """Through the platform API's services (each write in the clinic's own tenant context)."""
        if not change:
            created = self.service(services.tenant_create, name=obj.name, timezone=obj.timezone)
            obj.pk, obj._state.adding = created.pk, False
        data = {
            name: form.cleaned_data[name] for name in form.changed_data if name not in ("name", "timezone") or change
        }
        if data:
            self.service(services.tenant_update, tenant_id=obj.pk, data=data)


class _GlobalUsernameMixin:
    """Usernames are unique across tenants, but an Owner's connection sees only their own clinic's
    staff: check availability through the sign-in role, as a form error (never an IntegrityError)."""

    def clean_username(self):
        username = self.cleaned_data.get("username")
        unchanged = self.instance.pk is not None and username == self.instance.username
        if username and not unchanged and not username_available(username):
            raise forms.ValidationError(services.USERNAME_TAKEN, code="unique")
        return username

    def validate_unique(self):
        # Uniqueness of the username was checked above, across tenants; the model's own check
        # would only see this connection's rows.
        try:
            self.instance.validate_unique(exclude={*self._get_validation_exclusions(), "username"})
        except forms.ValidationError as exc:
            self._update_errors(exc)


class StaffCreationForm(_GlobalUsernameMixin, AdminUserCreationForm):
    pass


class StaffChangeForm(_GlobalUsernameMixin, UserChangeForm):
    pass


class StaffPasswordForm(AdminPasswordChangeForm):
    """The console's password form, saving through the service."""

    def save(self, commit=True):
        password = self.cleaned_data["password1"] if self.cleaned_data.get("set_usable_password", True) else None
        return services.staff_password_set(user=self.user, password=password)


@admin.register(User)
class StaffUserAdmin(NoAdminLogMixin, ServiceWriteMixin, ConsoleDbMixin, UserAdmin):
    """Staff. An Owner manages the staff of their own clinic: the staff table is under row-level
    security, so their connection sees no other clinic's staff and can make no superuser or operator.
    Operators see and change everyone through the operator bypass."""

    add_form = StaffCreationForm
    form = StaffChangeForm
    change_password_form = StaffPasswordForm
    list_display = ("username", "first_name", "last_name", "is_active", "last_login")
    operator_fieldsets = UserAdmin.fieldsets + (("Clinic", {"fields": ("tenant",)}),)
    owner_fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email")}),
        ("Access", {"fields": ("is_active", "is_staff", "groups")}),
    )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return super().get_fieldsets(request, obj)
        return self.operator_fieldsets if is_operator(request) else self.owner_fieldsets

    def get_list_filter(self, request):
        return super().get_list_filter(request) if is_operator(request) else ("is_active", "groups")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not is_operator(request):
            kwargs["queryset"] = Group.objects.filter(name__in=roles.STAFF_ROLES)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not is_operator(request):
            obj.tenant_id = request.user.tenant_id
        self.service(
            services.staff_save, user=obj, by_operator=is_operator(request), groups=form.cleaned_data.get("groups")
        )

    def save_related(self, request, form, formsets, change):
        pass  # roles were set by staff_save

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        return [*columns, "tenant", "is_superuser"] if is_operator(request) else columns


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(max_length=50, help_text="What the key is for, e.g. 'n8n producción'.")
    scopes = forms.MultipleChoiceField(
        choices=[(scope, scope) for scope in ALL_SCOPES],
        initial=list(DEFAULT_SCOPES),
        widget=forms.CheckboxSelectMultiple,
    )
    expires_at = forms.DateTimeField(required=False, help_text="Optional. YYYY-MM-DD HH:MM (UTC).")


@admin.register(TenantAPIKey)
class TenantAPIKeyAdmin(TenantScopedAdmin):
    """The clinic's API keys (Owners). Creating one shows its secret once, on a page of its own
    (never in a cookie or a message); revoking is final."""

    list_display = ("name", "prefix", "scopes", "created_at", "last_used_at", "expiry_date", "revoked")
    list_filter = ("revoked",)
    fields = ("name", "prefix", "scopes", "created_at", "last_used_at", "expiry_date", "revoked", "revoked_at")
    readonly_fields = ("prefix", "scopes", "created_at", "last_used_at", "revoked", "revoked_at")
    actions = ["revoke_keys"]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request) or is_operator(request):
            raise PermissionDenied
        form = ApiKeyCreateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            api_key, plaintext = api_keys.api_key_create(
                tenant=request.user.tenant,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.cleaned_data["expires_at"],
            )
            context = {
                **self.admin_site.each_context(request),
                "api_key": api_key,
                "plaintext": plaintext,
                "opts": self.model._meta,
                "title": "API key created",
            }
            return TemplateResponse(request, "admin/tenants/api_key_created.html", context)
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "opts": self.model._meta,
            "title": "Create API key",
        }
        return TemplateResponse(request, "admin/tenants/api_key_add.html", context)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        with self.in_row_tenant(request, obj.tenant_id):
            api_key = self.service(on_default, instance=obj)
            self.service(
                api_keys.api_key_update,
                api_key=api_key,
                name=form.cleaned_data["name"],
                expires_at=form.cleaned_data.get("expiry_date"),
            )

    @admin.action(description="Revoke selected API keys (final)", permissions=["change"])
    def revoke_keys(self, request, queryset):
        done, refused = self.each_refused(
            request, queryset, lambda key: self.service(api_keys.api_key_revoke, api_key=on_default(key))
        )
        self.report(request, done=done, done_message="Revoked {count} key(s).", refused=refused)


@admin.register(PlatformAPIKey)
class PlatformAPIKeyAdmin(OperatorOnlyMixin, NoAdminLogMixin, ConsoleDbMixin, admin.ModelAdmin):
    """Platform keys (operators). Created with `manage.py create_platform_key`; revoked here."""

    list_display = ("name", "prefix", "created_at", "last_used_at", "revoked")
    fields = ("name", "prefix", "created_at", "last_used_at", "revoked", "revoked_at")
    readonly_fields = fields
    actions = ["revoke_keys"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # read-only; revoking is the action

    @admin.action(description="Revoke selected platform keys (final)")
    def revoke_keys(self, request, queryset):
        for api_key in queryset:
            api_keys.api_key_revoke(api_key=api_key)  # a platform table: the operator path writes it
