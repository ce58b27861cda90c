from typing import Any

from django.contrib.auth.backends import ModelBackend


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
        from partnership.models import User

        try:
            user = User._default_manager.select_related("agency", "clearance").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
