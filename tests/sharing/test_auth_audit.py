from __future__ import annotations

import pytest

from core.models import AuditEvent, AuditVerb
from tests.conftest import sign_in_verified
from tests.partnership.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_sign_in_failure_and_sign_out_are_audited_with_the_address(client):
    user = UserFactory()
    client.post("/account/sign-in/", {"username": user.username, "password": "wrong password"}, REMOTE_ADDR="10.1.2.3")
    failed = AuditEvent.objects.get(verb=AuditVerb.LOGIN_FAILED)
    assert failed.actor_username == user.username
    assert failed.ip_address == "10.1.2.3"
    sign_in_verified(client, user)
    assert AuditEvent.objects.get(verb=AuditVerb.LOGIN, actor_id=user.pk).details == {"method": "password"}
    client.post("/account/sign-out/")
    assert AuditEvent.objects.filter(verb=AuditVerb.LOGOUT, actor_id=user.pk).count() == 1
