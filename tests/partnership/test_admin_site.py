"""The Django admin is the superusers' break-fix tool and nobody else's (issue 14): partnership admins
configure on /manage/, auditors read the trail on /governance/. For a signed-in person who is not a
superuser the admin does not exist (404, every screen, GET or POST); a visitor who has not signed in
is sent to the service's own sign-in; a superuser gets in, after two-factor."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django_celery_beat.models import PeriodicTask

from core.models import AuditEvent, AuditVerb
from partnership.models import Agency, Role, User
from partnership.navigation import navigation_for
from tests.partnership.factories import PASSWORD, UserFactory, enrol_totp
from tests.world import Partnership, client_for, new_admin, new_auditor

pytestmark = pytest.mark.django_db


def _superuser() -> User:
    return UserFactory(agency=None, roles=[], is_superuser=True)


def _screens(world: Partnership) -> list[str]:
    """The index, a list and a change page of each kind the admin holds (configuration, people, the trail,
    beat's schedules)."""
    event = AuditEvent.objects.order_by("seq").first()
    assert event is not None
    sweep = PeriodicTask.objects.get(name="Send due reminders")
    return [
        "/admin/",
        "/admin/partnership/agency/",
        f"/admin/partnership/agency/{world.health.pk}/change/",
        "/admin/partnership/user/",
        f"/admin/partnership/user/{world.teacher.pk}/change/",
        f"/admin/partnership/panel/{world.panel.pk}/change/",
        "/admin/partnership/changerequest/",
        "/admin/core/auditevent/",
        f"/admin/core/auditevent/{event.pk}/change/",
        "/admin/sharing/share/",
        "/admin/django_celery_beat/periodictask/",
        f"/admin/django_celery_beat/periodictask/{sweep.pk}/change/",
    ]


@pytest.fixture
def world() -> Partnership:
    return Partnership()


def _everyone_but_superusers(world: Partnership) -> list[tuple[str, User]]:
    return [
        ("partnership admin", new_admin(3)),
        ("auditor", new_auditor(3)),
        ("practitioner", world.teacher),
        ("chair", world.chair),
        ("spoc", world.health_spoc),
        ("screening officer", world.officer),
        # Staff status means nothing here: only a superuser gets in.
        ("staff partnership admin", UserFactory(agency=None, roles=[Role.PARTNERSHIP_ADMIN], is_staff=True)),
    ]


def test_nobody_but_a_superuser_reaches_any_admin_screen(world: Partnership) -> None:
    screens = _screens(world)
    for who, user in _everyone_but_superusers(world):
        client = client_for(user)
        for url in screens:
            assert client.get(url).status_code == 404, (who, url)


def test_nor_the_admins_own_pages(world: Partnership) -> None:
    """Its sign-in, password change, autocomplete and "view on site" pages: not there either."""
    ct = f"/admin/r/{ContentType.objects.get_for_model(User).pk}/{world.teacher.pk}/"
    urls = ("/admin/login/", "/admin/password_change/", "/admin/autocomplete/?app_label=x", "/admin/jsi18n/", ct)
    for who, user in _everyone_but_superusers(world)[:2]:
        client = client_for(user)
        for url in urls:
            assert client.get(url).status_code == 404, (who, url)


def test_their_posts_to_the_admin_write_nothing(world: Partnership) -> None:
    before = (Agency.objects.count(), AuditEvent.objects.filter(verb=AuditVerb.CONFIGURED).count())
    for who, user in _everyone_but_superusers(world)[:2]:
        client = client_for(user)
        add = client.post("/admin/partnership/agency/add/", {"name": "Side door", "kind": "other", "is_active": "on"})
        assert add.status_code == 404, who
        change = client.post(
            f"/admin/partnership/user/{user.pk}/change/",
            {"username": user.username, "roles": [Role.PRACTITIONER], "clearance": "", "agency": world.police.pk},
        )
        assert change.status_code == 404, who
        user.refresh_from_db()
        assert (user.agency_id, Role.PRACTITIONER in user.roles) == (None, False), who
    assert (Agency.objects.count(), AuditEvent.objects.filter(verb=AuditVerb.CONFIGURED).count()) == before


def test_a_visitor_who_has_not_signed_in_goes_to_the_service_sign_in(world: Partnership) -> None:
    for url in ("/admin/", f"/admin/partnership/user/{world.teacher.pk}/change/"):
        client = Client()
        response = client.get(url)
        assert response.status_code == 302, url
        onward = client.get(response["Location"])  # the admin's own sign-in hands over to the service's
        assert onward.status_code == 302
        assert onward["Location"].startswith("/account/sign-in/"), url


def test_a_superuser_gets_the_admin(world: Partnership) -> None:
    client = client_for(_superuser())
    for url in _screens(world):
        assert client.get(url).status_code == 200, url


def test_a_superuser_still_needs_two_factor(world: Partnership) -> None:
    superuser = _superuser()
    enrol_totp(superuser)
    client = Client()
    client.post("/account/sign-in/", {"username": superuser.username, "password": PASSWORD})
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/")


def test_an_inactive_superuser_is_not_let_in(world: Partnership) -> None:
    superuser = _superuser()
    client = client_for(superuser)
    User.objects.filter(pk=superuser.pk).update(is_active=False)
    assert client.get("/admin/").status_code != 200


def test_the_header_offers_the_admin_only_to_superusers(world: Partnership) -> None:
    for user in (new_admin(), new_auditor()):
        assert "/admin/" not in [item["url"] for item in navigation_for(user)]
        assert 'href="/admin/"' not in client_for(user).get("/").content.decode()
    superuser = _superuser()
    assert "/admin/" in [item["url"] for item in navigation_for(superuser)]
