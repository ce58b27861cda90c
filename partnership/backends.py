from typing import Any

from django.contrib.auth.backends import ModelBackend


class PartnershipBackend(ModelBackend):
    """Users of an inactive agency cannot sign in, and their sessions stop working."""

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
