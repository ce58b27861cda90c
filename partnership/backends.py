import functools
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import CharField, Model, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django_otp import device_classes

from core.notifications.context import unread_annotation


class PartnershipBackend(ModelBackend):
    """Users of an inactive agency cannot sign in, and their sessions stop working. People of an
    agency with single sign-on sign in only there (``partnership.sso``), never with a password."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        from partnership.sso import agency_uses_sign_on

        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and agency_uses_sign_on(user.agency_id):
            return None
        return user

    def user_can_authenticate(self, user: Any) -> bool:
        if not super().user_can_authenticate(user):
            return False
        agency = getattr(user, "agency", None)
        return agency is None or agency.is_active

    def get_user(self, user_id: Any) -> Any:
        """The signed-in user of a request, in the one query every page starts with: agency and
        clearance joined, the persistent ids of their confirmed two-factor devices (read by
        ``partnership.middleware.VerifiedDeviceMiddleware`` instead of a query of its own) and the
        header's unread-notification count (``core.notifications.context``)."""
        from partnership.models import User

        try:
            user = (
                User._default_manager.select_related("agency", "clearance")
                .annotate(**confirmed_devices(), **unread_annotation())
                .get(pk=user_id)
            )
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


CONFIRMED_DEVICES = "_confirmed_devices_"


def confirmed_devices() -> dict[str, ArraySubquery]:
    """For a query of users: one array a django-otp device model (every installed one: TOTP, recovery
    codes, the identity provider's) of the persistent ids ("app_label.model/pk") of their confirmed devices."""
    return {
        name: ArraySubquery(
            model._default_manager.filter(user=OuterRef("pk"), confirmed=True)
            .order_by()
            .values_list(Concat(Value(f"{model._meta.label_lower}/"), Cast("pk", CharField())))
        )
        for name, model in _device_models().items()
    }


@functools.cache
def _device_models() -> dict[str, type[Model]]:
    return {CONFIRMED_DEVICES + model._meta.label_lower.replace(".", "_"): model for model in device_classes()}


def confirmed_device_ids(user: Any) -> frozenset[str] | None:
    """The persistent ids :func:`confirmed_devices` read with the user, or None when it was read another way."""
    arrays: list[list[str] | None] = [getattr(user, name, None) for name in _device_models()]
    if any(array is None for array in arrays):
        return None
    return frozenset(pid for array in arrays if array is not None for pid in array)
