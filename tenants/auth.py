"""Console sign-in without giving the runtime role a path to any password hash.

Staff rows are under row-level security (a staff member is visible only inside their tenant), but
Django must check the password hash at sign-in and the session's auth hash on every console request,
before any tenant is known. :class:`StaffBackend` does both through ``sign_in_access()`` (the console
connection as ``secre_auth``, which can read staff rows and nothing else), then hands the user back
on the connection where the rest of the request works with it:

* clinic staff: ``default`` (the runtime role, inside their tenant's context), so groups,
  permissions and saves stay under RLS;
* platform operators (no tenant): ``console``, reached inside ``operator_access()``, which the
  tenancy middleware opens for their requests.

``last_login`` is written in the same places (:func:`last_login_update`), replacing Django's receiver,
whose ``save(update_fields=...)`` in the sign-in request's empty tenant context would update no row.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import check_password, identify_hasher
from django.contrib.auth.models import Permission
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from tenants.bypass import OPERATOR_DB, operator_access, sign_in_access
from tenants.context import tenant_context


def _working_db(user) -> str:
    """Where the rest of the request reads and saves this user (see the module docstring)."""
    return DEFAULT_DB_ALIAS if user.tenant_id is not None else OPERATOR_DB


def _handed_over(user):
    user._state.db = _working_db(user)
    return user


def username_available(username: str) -> bool:
    """Whether no staff member of any tenant has this username (case-insensitive, as Django's forms
    compare it). Usernames are globally unique; the runtime role sees only its own tenant's staff."""
    with sign_in_access() as alias:
        return not get_user_model().objects.using(alias).filter(username__iexact=username).exists()


class StaffBackend(ModelBackend):
    """Django's ModelBackend, reading staff rows through ``sign_in_access()`` (tenants/bypass.py).

    ``authenticate`` returns the user (handed over as above) or None; ``get_user`` returns the
    session's active user or None. A password hash that needs upgrading (a newer hasher or work
    factor) is re-saved in the user's own tenant context (operators: the operator path).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user_model = get_user_model()
        if username is None:
            username = kwargs.get(user_model.USERNAME_FIELD)
        if username is None or password is None:
            return None
        with sign_in_access() as alias:
            user = user_model.objects.using(alias).filter(**{user_model.USERNAME_FIELD: username}).first()
        if user is None:
            # Run the default hasher once, as ModelBackend does, so a missing user takes as long.
            user_model().set_password(password)
            return None
        if not check_password(password, user.password) or not self.user_can_authenticate(user):
            return None
        _handed_over(user)
        if identify_hasher(user.password).must_update(user.password):
            _password_rehash(user, password)
        return user

    def get_user(self, user_id):
        with sign_in_access() as alias:
            user = get_user_model().objects.using(alias).filter(pk=user_id).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        return _handed_over(user)

    def _get_group_permissions(self, user_obj):
        # On the user's own connection (Django's default would query `default` for operators too).
        return Permission.objects.using(user_obj._state.db or DEFAULT_DB_ALIAS).filter(group__user=user_obj)


def _password_rehash(user, password: str) -> None:
    user.set_password(password)
    with _own_context(user):
        user.save(update_fields=["password"])


def last_login_update(sender, user, **kwargs) -> None:
    """``user_logged_in`` receiver: record the sign-in time in the user's own context."""
    user.last_login = timezone.now()
    with _own_context(user):
        user.save(update_fields=["last_login"])


def _own_context(user):
    """The user's tenant context (staff) or the operator path (operators), on the user's connection."""
    return tenant_context(user.tenant_id) if user.tenant_id is not None else operator_access()
