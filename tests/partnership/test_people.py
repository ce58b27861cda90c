"""Bringing people in: an invitation is a one-time link that expires, leads to choosing a password
and then to two-factor enrolment; a CSV import writes nobody until every row is valid, names each
bad row, and then invites everyone it made."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from core.models import AuditEvent, AuditVerb
from partnership import people
from partnership.models import ChangeRequest, Role, User
from tests.pages import error_summary, text_of
from tests.partnership.config_helpers import events_about
from tests.world import Partnership, client_for, new_admin

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long and unusual passphrase 42"


@pytest.fixture
def world() -> Partnership:
    return Partnership()


def _invite(client: Client, world: Partnership, capture, username: str = "jsmith") -> User:
    with capture(execute=True):
        response = client.post(
            "/manage/people/invite/",
            {
                "username": username,
                "first_name": "Jo",
                "last_name": "Smith",
                "email": f"{username}@health.example.org",
                "agency": world.health.pk,
                "clearance": "",
                "roles": [Role.PRACTITIONER],
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    return User.objects.get(username=username)


def _link(message: mail.EmailMessage) -> str:
    match = re.search(r"https?://[^/\s]+(/account/invitation/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_an_invitation_is_a_one_time_link_to_a_password_and_then_two_factor(
    world: Partnership, django_capture_on_commit_callbacks
) -> None:
    admin = new_admin()
    invited = _invite(client_for(admin), world, django_capture_on_commit_callbacks)
    assert not invited.has_usable_password()
    assert ChangeRequest.objects.filter(target_user=invited).exists()  # the role waits for a second admin
    [message] = mail.outbox
    assert message.to == ["jsmith@health.example.org"]
    assert "jsmith" in message.body
    link = _link(message)
    browser = Client()
    form = browser.get(link, follow=True)
    assert "Choose your password" in text_of(form)
    form_url = form.redirect_chain[-1][0]
    response = browser.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/set-up/"
    assert browser.get("/")["Location"].startswith("/account/two-factor/")  # no page before two-factor
    invited.refresh_from_db()
    assert invited.check_password(NEW_PASSWORD)
    actions = [e.details.get("action") for e in events_about(invited, AuditVerb.CONFIGURED)]
    assert actions == ["created", "invited", "invitation_accepted"]
    # Used once: the same link no longer works.
    again = Client().get(link, follow=True)
    assert "This link does not work" in text_of(again)


def test_an_invitation_expires(world: Partnership, django_capture_on_commit_callbacks) -> None:
    _invite(client_for(new_admin()), world, django_capture_on_commit_callbacks)
    link = _link(mail.outbox[0])
    later = timezone.now() + dt.timedelta(days=people.invitation_days(), hours=1)
    with time_machine.travel(later, tick=False):
        assert "This link does not work" in text_of(Client().get(link, follow=True))


def test_an_invitation_is_not_sent_to_someone_with_a_password_or_by_anyone_but_an_admin(world: Partnership) -> None:
    admin = client_for(new_admin())
    response = admin.post(f"/manage/people/{world.teacher.pk}/invite/")
    assert response.status_code == 302
    assert "already chosen a password" in text_of(admin.get(response["Location"]))
    assert client_for(world.chair).post(f"/manage/people/{world.teacher.pk}/invite/").status_code == 403
    assert mail.outbox == [] or all(m.to != [world.teacher.email] for m in mail.outbox)


def test_an_invitation_needs_an_email_address(world: Partnership) -> None:
    response = client_for(new_admin()).post(
        "/manage/people/invite/", {"username": "nomail", "first_name": "No", "last_name": "Mail", "email": ""}
    )
    assert response.status_code == 400
    assert [anchor for anchor, _ in error_summary(response)] == ["#id_email"]
    assert not User.objects.filter(username="nomail").exists()


# --- CSV import -------------------------------------------------------------------------------


def _csv(world: Partnership, count: int, bad_line: int | None = None) -> str:
    """``count`` people of Health; the person on file line ``bad_line`` names an agency that does not exist."""
    lines = ["username,first_name,last_name,email,job_title,agency,clearance_rank,roles"]
    for n in range(count):
        line = n + 2  # the header is line 1
        agency = "Nowhere Trust" if line == bad_line else world.health.name
        lines.append(f"nurse{n},Nurse,Number {n},nurse{n}@health.example.org,Nurse,{agency},1,practitioner")
    return "\n".join(lines) + "\n"


def _upload(client: Client, text: str) -> object:
    upload = SimpleUploadedFile("people.csv", text.encode(), content_type="text/csv")
    return client.post("/manage/people/import/", {"file": upload})


def _payload(response: object) -> str:
    match = re.search(r'name="payload" value="([^"]+)"', response.content.decode())  # type: ignore[attr-defined]
    assert match, "no import button"
    return match.group(1)


def test_an_import_with_one_bad_row_writes_nothing_and_names_the_row(
    world: Partnership, django_capture_on_commit_callbacks
) -> None:
    admin = client_for(new_admin())
    users_before, events_before = User.objects.count(), AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(admin, _csv(world, 50, bad_line=27))
    assert response.status_code == 400
    [(anchor, message)] = error_summary(response)
    assert anchor == "#line-27"
    assert message.startswith("Line 27 (nurse25): No agency is called Nowhere Trust.")
    assert 'name="payload"' not in response.content.decode()
    assert User.objects.count() == users_before
    assert AuditEvent.objects.count() == events_before  # the dry run left no trace
    assert mail.outbox == []


def test_a_valid_import_is_previewed_then_imported_and_invited(
    world: Partnership, django_capture_on_commit_callbacks
) -> None:
    admin_user = new_admin()
    admin = client_for(admin_user)
    users_before = User.objects.count()
    preview = _upload(admin, _csv(world, 50))
    assert preview.status_code == 200
    assert "Import 50 people" in text_of(preview)
    assert User.objects.count() == users_before  # a preview writes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post("/manage/people/import/", {"payload": _payload(preview)})
    assert response.status_code == 302
    assert User.objects.count() == users_before + 50
    nurse = User.objects.get(username="nurse7")
    assert (nurse.agency, nurse.clearance_rank, nurse.roles) == (world.health, 0, [])  # both wait for approval
    assert ChangeRequest.objects.filter(target_user=nurse).count() == 1
    assert len(mail.outbox) == 50
    assert AuditEvent.objects.filter(actor_id=admin_user.pk, details__action="imported").count() == 1


def test_the_import_checks_again_when_it_runs(world: Partnership) -> None:
    """Someone made nurse3 between the preview and the import: nothing is written."""
    admin = client_for(new_admin())
    preview = _upload(admin, _csv(world, 5))
    User.objects.create(username="nurse3")
    response = admin.post("/manage/people/import/", {"payload": _payload(preview)})
    assert response.status_code == 400
    assert error_summary(response)[0][0] == "#line-5"
    assert not User.objects.filter(username="nurse1").exists()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name,email\nx,y@example.org\n", "username is missing"),
        ("username,email,shoe_size\nx,y@example.org,9\n", "Unknown columns: shoe_size"),
        ("username,email\n", "The file has no people in it."),
        (
            "username,email,roles\nx,x@example.org,wizard\nx,z@example.org,\n",
            "wizard is not a role.",
        ),
    ],
)
def test_a_malformed_file_is_refused_with_its_problem(world: Partnership, text: str, problem: str) -> None:
    response = _upload(client_for(new_admin()), text)
    assert response.status_code == 400
    assert any(problem in message for _, message in error_summary(response))
    assert not User.objects.filter(username="x").exists()


def test_a_tampered_or_missing_file_is_asked_for_again(world: Partnership) -> None:
    admin = client_for(new_admin())
    assert admin.post("/manage/people/import/", {}).status_code == 400
    response = admin.post("/manage/people/import/", {"payload": "forged"})
    assert response.status_code == 400
    assert [anchor for anchor, _ in error_summary(response)] == ["#id_file"]


def test_only_admins_import(world: Partnership) -> None:
    for outsider in (world.teacher, world.chair, world.health_spoc):
        upload = SimpleUploadedFile("people.csv", _csv(world, 2).encode(), content_type="text/csv")
        assert client_for(outsider).post("/manage/people/import/", {"file": upload}).status_code == 403
    assert not User.objects.filter(username__startswith="nurse").exists()
