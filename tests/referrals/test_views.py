"""Referral pages: the intake journey, lists, the referral page, shares, downloads, break-glass and search.

Every page is checked for who may open it: the allowed user, another agency
(404), a colleague below the clearance (404), and the partnership admin and
auditor (404 or nothing). List and detail pages have pinned query counts that
do not grow with the number of rows.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.models import AuditEvent, AuditVerb
from partnership.models import Role, User
from referrals import services
from referrals.models import Attachment, PossibleMatch, Referral, ReferralStatus
from sharing import services as sharing_services
from sharing.models import Share, ShareBasis
from tests.conftest import sign_in_verified
from tests.pages import EXE, PDF, PNG, assert_sign_in_needed, error_summary
from tests.partnership.factories import (
    UserFactory,
    clearance,
)
from tests.referrals.factories import draft_referral, submitted_referral
from tests.world import new_admin, new_agency, new_auditor, new_police, new_user

pytestmark = pytest.mark.django_db

CONFLICT = "Someone changed this referral since you opened it"


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    """A school that refers, the police who screen, and people around them."""
    school = new_agency("Northshire Academy Trust")
    police = new_police("Northshire Police")
    health = new_agency("Northshire Health")
    return {
        "school": school,
        "police": police,
        "health": health,
        "author": UserFactory(agency=school, clearance=clearance(2), first_name="Priya", last_name="Shah"),
        "colleague": new_user(school, 2, Role.SPOC),
        "junior": new_user(school, 1, Role.SPOC),
        "screener": new_user(police, 3, Role.SCREENING_OFFICER),
        "outsider": new_user(health, 3, Role.PRACTITIONER, Role.SPOC),
        "admin": new_admin(3),
        "auditor": new_auditor(3),
    }


def client_for(user: User) -> Client:
    return sign_in_verified(Client(), user)


def version_of(referral_id: int) -> int:
    return Referral.objects.get(pk=referral_id).version


def refused_step(client: Client, referral_id: int, step: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    """Post a step the page must refuse (400): the links of its error summary."""
    response = post_step(client, referral_id, step, data)
    assert response.status_code == 400
    return error_summary(response)


def born(day: str, month: str, year: str) -> dict[str, str]:
    """The date-of-birth step's answer, as typed (it may be no real date)."""
    return {"date_of_birth_day": day, "date_of_birth_month": month, "date_of_birth_year": year}


def step_url(referral_id: int, step: str) -> str:
    return f"/referrals/{referral_id}/draft/{step}/"


def post_step(client: Client, referral_id: int, step: str, data: dict[str, Any], **extra: Any) -> Any:
    return client.post(step_url(referral_id, step), {"version": version_of(referral_id), **data}, **extra)


# --- The journey -----------------------------------------------------------------------------------


def test_practitioner_refers_a_person_from_start_to_confirmation(world: dict[str, Any]) -> None:
    author = world["author"]
    client = client_for(author)

    start = client.get("/referrals/new/")
    assert start.status_code == 200
    assert b"Start now" in start.content
    response = client.post("/referrals/new/")
    assert response.status_code == 302
    referral = Referral.objects.get(created_by=author)
    assert response["Location"] == step_url(referral.pk, "person")
    assert referral.status == ReferralStatus.DRAFT
    assert referral.referrer_email == author.email  # prefilled

    page = client.get(step_url(referral.pk, "person"))
    assert page.status_code == 200
    assert b'name="version"' in page.content

    # An error on the way: the last name left blank.
    response = post_step(client, referral.pk, "person", {"given_name": "Jordan", "family_name": ""})
    assert response.status_code == 400
    assert error_summary(response) == [("#id_family_name", "Enter the person&#x27;s last name")]
    assert b'aria-describedby=" id_family_name-error"' in response.content
    assert b"Error: What is the person" in response.content  # the title says so
    assert b'value="Jordan"' in response.content  # what was typed is kept
    response = post_step(client, referral.pk, "person", {"given_name": "Jordan", "family_name": "Testperson"})
    assert response.status_code == 302
    assert response["Location"] == step_url(referral.pk, "date-of-birth")

    assert refused_step(client, referral.pk, "date-of-birth", born("31", "2", "2010")) == [
        ("#id_date_of_birth_day", "Date of birth must be a real date")
    ]
    response = post_step(client, referral.pk, "date-of-birth", born("14", "3", "2010"))
    assert response["Location"] == step_url(referral.pk, "about")

    steps = [
        (
            "about",
            {
                "sex": "male",
                "gender_category": "male",
                "ethnicity": "white_irish",
                "language": "English",
                "interpreter_needed": "on",
            },
        ),
        (
            "address",
            {"address": "1 High Street\nNorthtown", "postcode": "ns1 4ab", "school_or_employer": "Northtown High"},
        ),
        ("guardian", {"guardian_name": "Sam Testperson", "guardian_contact": "07700 900123"}),
        ("identifiers", {"kind_1": "upn", "value_1": "A123456789012"}),
        ("concerns", {"concerns": "Sharing extremist videos with classmates."}),
        ("type-of-concern", {"concern_type": "extreme_right_wing"}),
        ("indicators", {"indicators": ["online_material", "isolation"]}),
        ("urgency-and-risk", {"urgency": "priority", "immediate_risk": "no"}),
        ("consent", {"person_aware": "no", "guardian_aware": "not_known", "consent_sought": "no"}),
        (
            "referrer",
            {
                "referrer_name": "Priya Shah",
                "referrer_email": author.email,
                "referrer_phone": "01632 960000",
                "source_sector": "family_or_friend",
            },
        ),
        ("classification", {"classification": "2"}),
    ]
    for index, (step, data) in enumerate(steps):
        response = post_step(client, referral.pk, step, data)
        assert response.status_code == 302, (step, response.content.decode()[:3000])
        following = steps[index + 1][0] if index + 1 < len(steps) else "attachments"
        assert response["Location"] == step_url(referral.pk, following), step

    response = client.post(
        step_url(referral.pk, "attachments"),
        {
            "file": SimpleUploadedFile("notes.pdf", PDF, content_type="application/pdf"),
            "classification": "1",
            "description": "Screenshot of the post",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == step_url(referral.pk, "attachments")
    assert client.get(step_url(referral.pk, "attachments")).status_code == 200

    check = client.get(step_url(referral.pk, "check-your-answers"))
    assert check.status_code == 200
    body = check.content.decode()
    for answer in (
        "Jordan Testperson",
        "14 March 2010",
        "NS1 4AB",
        "Unique pupil number: A123456789012",
        "Extreme right-wing",
        "White: Irish",
        "Family, friends or the public",
        "Withdrawal from family and friends",
        "Priority",
        "Security Check",
        "notes.pdf",
    ):
        assert answer in body, answer
    assert f'href="{step_url(referral.pk, "person")}?return=check#id_given_name"' in body

    response = client.post(f"/referrals/{referral.pk}/submit/")
    assert response.status_code == 302
    assert response["Location"] == f"/referrals/{referral.pk}/confirmation/"
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUBMITTED
    assert (referral.concern_type.code, referral.ideology) == ("extreme_right_wing", "extreme_right_wing")
    assert (referral.source_sector.code, referral.subject.ethnicity.code) == ("family_or_friend", "white_irish")
    assert referral.subject.gender_category.code == "male"
    assert re.fullmatch(r"REF-\d{4}-\d{6}", referral.reference)

    confirmation = client.get(response["Location"])
    assert confirmation.status_code == 200
    assert referral.reference.encode() in confirmation.content
    assert b"govuk-panel--confirmation" in confirmation.content
    assert b"What happens next" in confirmation.content

    # The author sees it in "My referrals" and can open it.
    mine = client.get("/referrals/mine/")
    assert referral.reference.encode() in mine.content
    assert client.get(f"/referrals/{referral.pk}/").status_code == 200


def test_change_link_returns_to_check_your_answers(world: dict[str, Any]) -> None:
    draft = draft_referral(world["author"])
    client = client_for(world["author"])
    page = client.get(step_url(draft.pk, "person") + "?return=check")
    assert b'name="return" value="check"' in page.content
    assert f'href="/referrals/{draft.pk}/draft/check-your-answers/"'.encode() in page.content  # the back link
    response = post_step(client, draft.pk, "person", {"given_name": "Jo", "family_name": "Smith", "return": "check"})
    assert response["Location"] == f"/referrals/{draft.pk}/draft/check-your-answers/"
    assert Referral.objects.get(pk=draft.pk).subject.full_name == "Jo Smith"


def test_guardian_page_is_skipped_for_adults(world: dict[str, Any]) -> None:
    draft = draft_referral(world["author"], date_of_birth=dt.date(1990, 1, 1))
    client = client_for(world["author"])
    response = post_step(client, draft.pk, "address", {"postcode": "NS1 4AB"})
    assert response["Location"] == step_url(draft.pk, "identifiers")
    consent = client.get(step_url(draft.pk, "consent"))
    assert b"guardian_aware" not in consent.content


def test_double_submit_makes_one_referral(world: dict[str, Any]) -> None:
    author = world["author"]
    draft = draft_referral(author)
    client = client_for(author)
    first = client.post(f"/referrals/{draft.pk}/submit/")
    second = client.post(f"/referrals/{draft.pk}/submit/")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/referrals/{draft.pk}/confirmation/"
    assert Referral.objects.filter(created_by=author).count() == 1
    assert Referral.objects.filter(created_by=author, status=ReferralStatus.SUBMITTED).count() == 1
    assert AuditEvent.objects.filter(verb=AuditVerb.SUBMITTED, object_id=str(draft.pk)).count() == 1


def test_stale_version_is_refused_with_the_conflict_message(world: dict[str, Any]) -> None:
    draft = draft_referral(world["author"])
    client = client_for(world["author"])
    stale = draft.version
    # Another tab saves first.
    assert post_step(client, draft.pk, "concerns", {"concerns": "Newer concerns."}).status_code == 302
    response = client.post(step_url(draft.pk, "concerns"), {"version": stale, "concerns": "Older concerns."})
    assert response.status_code == 409
    assert CONFLICT in response.content.decode().replace("&#x27;", "'")
    assert error_summary(response)[0][0] == "#id_concerns"
    assert Referral.objects.get(pk=draft.pk).concerns == "Newer concerns."
    # The page now carries the current version, so saving again (after checking) works.
    assert f'name="version" value="{version_of(draft.pk)}"'.encode() in response.content
    assert b"Older concerns." in response.content


@pytest.mark.parametrize(
    ("day", "month", "year", "message", "anchor"),
    [
        ("31", "2", "2010", "Date of birth must be a real date", "id_date_of_birth_day"),
        ("30", "13", "2010", "Date of birth must be a real date", "id_date_of_birth_month"),
        ("aa", "1", "2010", "Date of birth must be a real date", "id_date_of_birth_day"),
        ("1", "", "2010", "Date of birth must include a month", "id_date_of_birth_month"),
        ("1", "1", "10", "Year must include 4 numbers", "id_date_of_birth_year"),
        ("1", "1", "99999", "Year must include 4 numbers", "id_date_of_birth_year"),
        ("1", "1", "2999", "Date of birth must be in the past", "id_date_of_birth_day"),
        ("", "", "", "Enter the person&#x27;s date of birth or an approximate age", "id_date_of_birth_day"),
    ],
)
def test_impossible_dates_give_an_error_summary(
    world: dict[str, Any], day: str, month: str, year: str, message: str, anchor: str
) -> None:
    draft = draft_referral(world["author"], date_of_birth=None)
    client = client_for(world["author"])
    response = post_step(
        client,
        draft.pk,
        "date-of-birth",
        {"date_of_birth_day": day, "date_of_birth_month": month, "date_of_birth_year": year},
    )
    assert response.status_code == 400
    assert error_summary(response) == [(f"#{anchor}", message)]
    assert Referral.objects.get(pk=draft.pk).subject.date_of_birth is None


def test_approximate_age_instead_of_a_date_of_birth(world: dict[str, Any]) -> None:
    draft = draft_referral(world["author"], date_of_birth=None)
    client = client_for(world["author"])
    response = post_step(client, draft.pk, "date-of-birth", {"approximate_age": "15"})
    assert response.status_code == 302
    assert Referral.objects.get(pk=draft.pk).subject.approximate_age == 15
    assert post_step(client, draft.pk, "date-of-birth", {"approximate_age": "fifteen"}).status_code == 400


def test_conditional_risk_details_are_required_when_there_is_a_risk(world: dict[str, Any]) -> None:
    draft = draft_referral(world["author"])
    client = client_for(world["author"])
    assert refused_step(client, draft.pk, "urgency-and-risk", {"urgency": "urgent", "immediate_risk": "yes"}) == [
        ("#id_immediate_risk_details", "Describe the risk")
    ]
    response = post_step(
        client,
        draft.pk,
        "urgency-and-risk",
        {"urgency": "urgent", "immediate_risk": "yes", "immediate_risk_details": "Talked of an attack"},
    )
    assert response.status_code == 302
    saved = Referral.objects.get(pk=draft.pk)
    assert (saved.immediate_risk, saved.immediate_risk_details) == (True, "Talked of an attack")


def test_radios_error_links_to_the_first_radio(world: dict[str, Any]) -> None:
    draft = draft_referral(world["author"])
    response = post_step(client_for(world["author"]), draft.pk, "type-of-concern", {})
    assert response.status_code == 400
    assert error_summary(response) == [("#id_concern_type_0", "Select the type of concern")]
    assert b'id="id_concern_type_0"' in response.content


def test_the_source_sector_defaults_from_the_referring_agency_and_can_be_changed(world: dict[str, Any]) -> None:
    draft = services.start_referral(actor=world["author"])  # a school: education
    client = client_for(world["author"])
    page = client.get(step_url(draft.pk, "referrer")).content.decode()
    assert re.search(r'value="education"[^>]*checked', page)
    assert "Family, friends or the public" in page
    police = services.start_referral(actor=new_user(world["police"], 2, Role.PRACTITIONER))
    assert police.source_sector.code == "police"
    assert refused_step(client, draft.pk, "referrer", {"referrer_name": "P", "referrer_email": "p@x.gov.uk"}) == [
        ("#id_source_sector_0", "Select the sector this referral is from")
    ]
    answers = {"referrer_name": "P", "referrer_email": "p@x.gov.uk", "source_sector": "community"}
    assert post_step(client, draft.pk, "referrer", answers).status_code == 302
    assert Referral.objects.get(pk=draft.pk).source_sector.code == "community"


def test_gender_and_ethnicity_are_optional_with_not_known_and_prefer_not_to_say(world: dict[str, Any]) -> None:
    draft = draft_referral(world["author"])
    client = client_for(world["author"])
    page = client.get(step_url(draft.pk, "about")).content.decode()
    for option in ("In another way", "Prefer not to say", "Asian, Asian British or Asian Welsh: Indian", "Roma"):
        assert option in page, option
    assert post_step(client, draft.pk, "about", {}).status_code == 302  # nothing needed
    saved = Referral.objects.get(pk=draft.pk).subject
    assert (saved.gender_category, saved.ethnicity) == (None, None)
    response = post_step(client, draft.pk, "about", {"gender_category": "prefer_not_to_say", "ethnicity": "not_known"})
    assert response.status_code == 302
    saved = Referral.objects.get(pk=draft.pk).subject
    assert (saved.gender_category.code, saved.ethnicity.code) == ("prefer_not_to_say", "not_known")
    check = client.get(step_url(draft.pk, "check-your-answers")).content.decode()
    assert "Prefer not to say" in check
    # A code from another list, or none at all, is refused with the field's message: nothing saved.
    assert refused_step(client, draft.pk, "about", {"ethnicity": "islamist"}) == [
        ("#id_ethnicity", "Select an ethnic group from the list")
    ]
    assert Referral.objects.get(pk=draft.pk).subject.ethnicity.code == "not_known"


def test_the_type_of_concern_offers_the_national_list_and_not_known(world: dict[str, Any]) -> None:
    draft = draft_referral(world["author"])
    client = client_for(world["author"])
    page = client.get(step_url(draft.pk, "type-of-concern")).content.decode()
    for label in ("School massacre", "Incel", "Vulnerability present but no ideology or counter-terrorism risk"):
        assert label in page, label
    assert "Mixed, unclear or unstable" not in page
    assert post_step(client, draft.pk, "type-of-concern", {"concern_type": "incel"}).status_code == 302
    saved = Referral.objects.get(pk=draft.pk)
    assert (saved.concern_type.code, saved.ideology) == ("incel", "school_massacre_incel")
    assert post_step(client, draft.pk, "type-of-concern", {"concern_type": "not_known"}).status_code == 302
    saved = Referral.objects.get(pk=draft.pk)
    assert (saved.concern_type.code, saved.ideology) == ("not_known", "")
    assert client.post(f"/referrals/{draft.pk}/submit/").status_code == 302  # "Not known" is an answer


def test_classification_offers_only_levels_up_to_your_own(world: dict[str, Any]) -> None:
    draft = draft_referral(world["author"])  # clearance 2
    client = client_for(world["author"])
    page = client.get(step_url(draft.pk, "classification")).content.decode()
    assert "Security Check" in page
    assert "Developed Vetting" not in page
    assert "Keep this referral inside my agency" in page
    response = post_step(client, draft.pk, "classification", {"classification": "3"})
    assert response.status_code == 400
    assert Referral.objects.get(pk=draft.pk).classification == 1
    response = post_step(client, draft.pk, "classification", {"classification": "2", "originator_only": "on"})
    assert response.status_code == 302
    saved = Referral.objects.get(pk=draft.pk)
    assert (saved.classification, saved.originator_only) == (2, True)


def test_identifiers_rows(world: dict[str, Any]) -> None:
    draft = draft_referral(world["author"])
    client = client_for(world["author"])
    assert refused_step(client, draft.pk, "identifiers", {"kind_1": "", "value_1": "123"}) == [
        ("#id_kind_1", "Select the type of reference 1")
    ]
    response = post_step(
        client, draft.pk, "identifiers", {"kind_1": "nhs_number", "value_1": "485 777 3456", "add_row": "1"}
    )
    assert response["Location"] == step_url(draft.pk, "identifiers") + "#identifiers"
    page = client.get(step_url(draft.pk, "identifiers")).content.decode()
    assert 'name="kind_2"' in page
    assert "485 777 3456" in page
    response = post_step(
        client,
        draft.pk,
        "identifiers",
        {"kind_1": "nhs_number", "value_1": "485 777 3456", "kind_2": "", "value_2": ""},
    )
    assert response["Location"] == step_url(draft.pk, "concerns")
    assert list(Referral.objects.get(pk=draft.pk).subject.identifiers.values_list("kind", "value")) == [
        ("nhs_number", "485 777 3456")
    ]


def test_missing_answers_on_check_your_answers_link_to_their_pages(world: dict[str, Any]) -> None:
    author = world["author"]
    draft = services.start_referral(actor=author)
    client = client_for(author)
    page = client.get(f"/referrals/{draft.pk}/draft/check-your-answers/")
    assert page.status_code == 200
    assert f'href="{step_url(draft.pk, "person")}?return=check#id_given_name">Enter the person'.encode() in page.content

    response = client.post(f"/referrals/{draft.pk}/submit/")
    assert response.status_code == 400
    links = {text: href for href, text in error_summary(response)}
    assert links["Enter the person&#x27;s last name"] == step_url(draft.pk, "person") + "?return=check#id_family_name"
    assert links["Enter the person&#x27;s date of birth or an approximate age"].startswith(
        step_url(draft.pk, "date-of-birth")
    )
    assert links["Describe your concerns"] == step_url(draft.pk, "concerns") + "?return=check#id_concerns"
    assert (
        links["Select the type of concern"] == step_url(draft.pk, "type-of-concern") + "?return=check#id_concern_type_0"
    )
    assert Referral.objects.get(pk=draft.pk).status == ReferralStatus.DRAFT

    # "My referrals" resumes at the first page with a missing answer.
    assert client.get(f"/referrals/{draft.pk}/draft/")["Location"] == step_url(draft.pk, "person")


def test_a_submitted_referral_can_no_longer_be_edited(world: dict[str, Any]) -> None:
    referral = submitted_referral(world["author"])
    client = client_for(world["author"])
    response = client.post(step_url(referral.pk, "concerns"), {"version": referral.version, "concerns": "Changed"})
    assert response.status_code == 302
    assert response["Location"] == f"/referrals/{referral.pk}/confirmation/"
    assert Referral.objects.get(pk=referral.pk).concerns != "Changed"
    assert client.get(f"/referrals/{referral.pk}/draft/check-your-answers/")["Location"] == (
        f"/referrals/{referral.pk}/confirmation/"
    )


def test_unknown_step_is_404(world: dict[str, Any]) -> None:
    draft = draft_referral(world["author"])
    assert client_for(world["author"]).get(step_url(draft.pk, "no-such-step")).status_code == 404


# --- Drafts belong to their author -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["colleague", "outsider", "screener", "admin", "auditor"])
def test_only_the_author_can_open_a_draft(world: dict[str, Any], who: str) -> None:
    draft = draft_referral(world["author"])
    client = client_for(world[who])
    for url in (
        step_url(draft.pk, "person"),
        f"/referrals/{draft.pk}/draft/",
        f"/referrals/{draft.pk}/draft/check-your-answers/",
        f"/referrals/{draft.pk}/draft/attachments/",
        f"/referrals/{draft.pk}/",
        f"/referrals/{draft.pk}/confirmation/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(step_url(draft.pk, "concerns"), {"version": draft.version, "concerns": "x"}).status_code == 404
    assert client.post(f"/referrals/{draft.pk}/submit/").status_code == 404
    assert Referral.objects.get(pk=draft.pk).status == ReferralStatus.DRAFT
    assert Referral.objects.get(pk=draft.pk).concerns != "x"


def test_admins_and_auditors_cannot_start_a_referral(world: dict[str, Any]) -> None:
    for who in ("admin", "auditor"):
        assert client_for(world[who]).post("/referrals/new/").status_code == 403
    assert not Referral.objects.exists()


# --- Attachments -----------------------------------------------------------------------------------


def test_upload_of_a_disallowed_type_is_refused(world: dict[str, Any]) -> None:
    draft = draft_referral(world["author"])
    client = client_for(world["author"])
    response = client.post(
        step_url(draft.pk, "attachments"),
        {"file": SimpleUploadedFile("tool.pdf", EXE, content_type="application/pdf"), "classification": "1"},
    )
    assert response.status_code == 400
    assert error_summary(response) == [
        ("#id_file", "The selected file must be a PDF, Word document, PNG, JPG or text file")
    ]
    assert not Attachment.objects.exists()
    response = client.post(step_url(draft.pk, "attachments"), {"classification": "1"})
    assert error_summary(response) == [("#id_file", "Select a file")]


def test_attachment_upload_list_and_remove(world: dict[str, Any]) -> None:
    draft = draft_referral(world["author"])
    client = client_for(world["author"])
    client.post(
        step_url(draft.pk, "attachments"),
        {"file": SimpleUploadedFile("photo.png", PNG, content_type="image/png"), "classification": "2"},
    )
    attachment = Attachment.objects.get()
    assert (attachment.content_type, attachment.classification) == ("image/png", 2)
    page = client.get(step_url(draft.pk, "attachments")).content.decode()
    assert "photo.png" in page
    assert "Security Check" in page
    # Someone else cannot remove it.
    other = client_for(world["colleague"])
    assert other.post(f"/referrals/{draft.pk}/draft/attachments/{attachment.pk}/remove/").status_code == 404
    response = client.post(f"/referrals/{draft.pk}/draft/attachments/{attachment.pk}/remove/")
    assert response.status_code == 302
    assert not Attachment.objects.exists()


def _submitted_with_attachment(author: User, *, classification: int = 1) -> tuple[Referral, Attachment]:
    draft = draft_referral(author, classification=2)
    attachment = services.add_attachment(
        actor=author,
        referral_id=draft.pk,
        upload=SimpleUploadedFile("evidence.pdf", PDF, content_type="application/pdf"),
        classification=classification,
    )
    return services.submit_referral(actor=author, referral_id=draft.pk), attachment


def test_download_is_allowed_for_the_right_agency_and_404_for_another(world: dict[str, Any]) -> None:
    _referral, attachment = _submitted_with_attachment(world["author"])
    url = f"/referrals/attachments/{attachment.pk}/download/"

    response = client_for(world["colleague"]).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="evidence.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF
    assert AuditEvent.objects.filter(verb=AuditVerb.DOWNLOADED, object_id=str(attachment.pk)).count() == 1

    assert client_for(world["screener"]).get(url).status_code == 200
    for who in ("outsider", "junior", "admin", "auditor"):
        assert client_for(world[who]).get(url).status_code == 404, who
    assert client_for(world["colleague"]).get("/referrals/attachments/999999/download/").status_code == 404


def test_a_document_above_your_clearance_is_withheld_with_a_count(world: dict[str, Any]) -> None:
    author = world["author"]
    draft = draft_referral(author, classification=1)
    for rank in (1, 2, 2):
        services.add_attachment(
            actor=author,
            referral_id=draft.pk,
            classification=rank,
            upload=SimpleUploadedFile(f"doc{rank}.pdf", PDF, content_type="application/pdf"),
        )
    referral = services.submit_referral(actor=author, referral_id=draft.pk)
    page = client_for(world["junior"]).get(f"/referrals/{referral.pk}/").content.decode()
    assert "2 items are withheld at a higher classification" in page
    assert "doc1.pdf" in page
    assert "doc2.pdf" not in page
    page = client_for(world["colleague"]).get(f"/referrals/{referral.pk}/").content.decode()
    assert "withheld" not in page
    assert "doc2.pdf" in page
    junior_download = Attachment.objects.filter(referral=referral, classification=2).first()
    assert client_for(world["junior"]).get(f"/referrals/attachments/{junior_download.pk}/download/").status_code == 404


# --- The referral page -----------------------------------------------------------------------------


def test_referral_page_permissions(world: dict[str, Any]) -> None:
    referral = submitted_referral(world["author"], classification=2, concerns="Worrying posts online.")
    url = f"/referrals/{referral.pk}/"
    for who in ("author", "colleague", "screener"):
        response = client_for(world[who]).get(url)
        assert response.status_code == 200, who
        assert b"Worrying posts online." in response.content
        assert referral.reference.encode() in response.content
    for who in ("outsider", "junior", "admin", "auditor"):
        response = client_for(world[who]).get(url)
        assert response.status_code == 404, who
        assert b"Worrying posts online." not in response.content
    assert client_for(world["author"]).get("/referrals/999999/").status_code == 404
    viewed = AuditEvent.objects.filter(verb=AuditVerb.RECORD_VIEWED, object_id=str(referral.pk))
    assert viewed.count() == 3


def test_referral_page_shows_shares_only_to_those_who_may_share(world: dict[str, Any]) -> None:
    referral = submitted_referral(world["author"])
    author_page = client_for(world["author"]).get(f"/referrals/{referral.pk}/").content.decode()
    assert "Who has access" in author_page
    assert "Share with another agency" in author_page
    assert "Northshire Police" in author_page  # the screening agency's access
    screener_page = client_for(world["screener"]).get(f"/referrals/{referral.pk}/").content.decode()
    assert "Who has access" not in screener_page
    assert client_for(world["screener"]).get(f"/referrals/{referral.pk}/share/").status_code == 403
    assert client_for(world["outsider"]).get(f"/referrals/{referral.pk}/share/").status_code == 404


def test_share_then_revoke(world: dict[str, Any]) -> None:
    referral = submitted_referral(world["author"])
    author = client_for(world["author"])
    outsider = client_for(world["outsider"])
    health = world["health"]
    assert outsider.get(f"/referrals/{referral.pk}/").status_code == 404

    page = author.get(f"/referrals/{referral.pk}/share/")
    assert page.status_code == 200
    assert b"Northshire Health" in page.content
    assert b'<option value="%d"' % world["school"].pk not in page.content  # not with your own agency

    response = author.post(f"/referrals/{referral.pk}/share/", {"agency": health.pk, "reason": ""})
    assert response.status_code == 400
    assert error_summary(response) == [("#id_reason", "Enter why you are sharing this referral")]
    response = author.post(
        f"/referrals/{referral.pk}/share/",
        {
            "agency": health.pk,
            "reason": "Health input",
            "expires_at_day": "1",
            "expires_at_month": "1",
            "expires_at_year": "2001",
        },
    )
    assert response.status_code == 400
    assert error_summary(response)[0][0] == "#id_expires_at_day"

    response = author.post(f"/referrals/{referral.pk}/share/", {"agency": health.pk, "reason": "Health input"})
    assert response.status_code == 302
    assert outsider.get(f"/referrals/{referral.pk}/").status_code == 200

    share = Share.objects.get(agency=health, basis=ShareBasis.EXPLICIT)
    page = author.get(f"/referrals/{referral.pk}/").content.decode()
    assert f"/referrals/{referral.pk}/shares/{share.pk}/revoke/" in page
    # Event-based access cannot be revoked from the page.
    assert page.count("/revoke/") == 1
    assert outsider.post(f"/referrals/{referral.pk}/shares/{share.pk}/revoke/").status_code == 403
    response = author.post(f"/referrals/{referral.pk}/shares/{share.pk}/revoke/")
    assert response.status_code == 302
    assert outsider.get(f"/referrals/{referral.pk}/").status_code == 404
    again = author.post(f"/referrals/{referral.pk}/shares/{share.pk}/revoke/", follow=True)
    assert b"already been revoked" in again.content


def test_possible_matches_reveal_only_the_holding_agency_when_you_cannot_read_them(world: dict[str, Any]) -> None:
    other_school = new_user(world["health"], 2)
    earlier = submitted_referral(other_school)
    referral = submitted_referral(world["author"])
    assert PossibleMatch.objects.filter(referral=referral, matched=earlier).exists()
    author = client_for(world["author"])
    confirmation = author.get(f"/referrals/{referral.pk}/confirmation/").content.decode()
    assert "A possible match is held by Northshire Health" in confirmation
    assert earlier.reference not in confirmation
    # The screening officer can read both: a link with the reasons.
    page = client_for(world["screener"]).get(f"/referrals/{referral.pk}/").content.decode()
    assert f'href="/referrals/{earlier.pk}/">{earlier.reference}</a>' in page
    assert "same name" in page


def test_confirmation_is_the_authors(world: dict[str, Any]) -> None:
    referral = submitted_referral(world["author"], classification=2)
    assert client_for(world["author"]).get(f"/referrals/{referral.pk}/confirmation/").status_code == 200
    assert client_for(world["colleague"]).get(f"/referrals/{referral.pk}/confirmation/")["Location"] == (
        f"/referrals/{referral.pk}/"
    )
    for who in ("outsider", "junior", "admin", "auditor"):
        assert client_for(world[who]).get(f"/referrals/{referral.pk}/confirmation/").status_code == 404, who


# --- Lists -----------------------------------------------------------------------------------------


def test_my_referrals(world: dict[str, Any]) -> None:
    submitted = submitted_referral(world["author"], given_name="Alex", family_name="Submitted")
    draft = draft_referral(world["author"], given_name="Billie", family_name="Drafted")
    page = client_for(world["author"]).get("/referrals/mine/").content.decode()
    assert submitted.reference in page
    assert "Alex Submitted" in page
    assert f"/referrals/{draft.pk}/draft/" in page
    assert "Billie Drafted" in page
    assert "Draft" in page
    assert "Submitted" in page
    for who in ("colleague", "outsider", "admin", "auditor"):
        page = client_for(world[who]).get("/referrals/mine/")
        assert page.status_code == 200
        assert b"Alex Submitted" not in page.content
        assert b"Billie Drafted" not in page.content


def test_screening_queue(world: dict[str, Any]) -> None:
    routine = submitted_referral(world["author"], given_name="Rowan", urgency="routine")
    urgent = submitted_referral(world["author"], given_name="Uma", urgency="urgent")
    draft_referral(world["author"], given_name="Dana")
    page = client_for(world["screener"]).get("/referrals/screening/").content.decode()
    assert page.index(urgent.reference) < page.index(routine.reference)  # most urgent first
    assert "Dana" not in page
    for who in ("author", "colleague", "outsider", "admin", "auditor"):
        response = client_for(world[who]).get("/referrals/screening/")
        assert response.status_code == 200
        assert urgent.reference.encode() not in response.content, who


def test_caseload_shows_what_your_agency_may_read(world: dict[str, Any]) -> None:
    low = submitted_referral(world["author"], given_name="Lowen", classification=1)
    high = submitted_referral(world["author"], given_name="Highley", classification=2)
    page = client_for(world["colleague"]).get("/referrals/caseload/").content.decode()
    assert low.reference in page
    assert high.reference in page
    page = client_for(world["junior"]).get("/referrals/caseload/").content.decode()
    assert low.reference in page
    assert high.reference not in page
    for who in ("outsider", "admin", "auditor"):
        response = client_for(world[who]).get("/referrals/caseload/")
        assert response.status_code == 200
        assert low.reference.encode() not in response.content, who
        assert b"Lowen" not in response.content


def test_caseload_pages_with_a_cursor(world: dict[str, Any]) -> None:
    referrals = [submitted_referral(world["author"], given_name=f"P{i}") for i in range(22)]
    client = client_for(world["colleague"])
    first = client.get("/referrals/caseload/").content.decode()
    newest_first = [r.reference for r in reversed(referrals)]
    assert all(ref in first for ref in newest_first[:20])
    assert not any(ref in first for ref in newest_first[20:])
    assert 'rel="prev"' not in first
    next_href = re.search(r'href="(\?cursor=[^"]+)" rel="next"', first).group(1)
    second = client.get("/referrals/caseload/" + next_href.replace("&amp;", "&")).content.decode()
    assert all(ref in second for ref in newest_first[20:])
    assert not any(ref in second for ref in newest_first[:20])
    assert 'rel="next"' not in second
    prev_href = re.search(r'href="(\?cursor=[^"]+)" rel="prev"', second).group(1)
    back = client.get("/referrals/caseload/" + prev_href).content.decode()
    assert all(ref in back for ref in newest_first[:20])
    assert client.get("/referrals/caseload/?cursor=not-a-cursor").status_code == 400


# Pinned. Every page: the frame (one query: the user with agency, clearance, confirmed two-factor devices
# and the header's unread count; the session comes from the cache, docs/adr/0031).
# Caseload adds the page of grants (one query) and the audit insert. Detail adds the referral,
# read with how the viewer reads it (grant or break-glass), its case if any (the may-share check),
# the viewer's break-glass opening and its clearance level's name (subqueries), all one query, and
# the audit insert (access_referral_page); the documents, each carrying the withheld count (a
# subquery; a query of its own only when no document is shown), and the matches with whether each
# is readable (an Exists) (referral_contents); the identifiers and the shares. The capabilities
# ask nothing more: the referral's read basis came with it. A change here needs a reason.
CASELOAD_QUERIES = 3
DETAIL_QUERIES = 7


@pytest.mark.parametrize("rows", [3, 15])
def test_caseload_query_count_is_pinned(world: dict[str, Any], rows: int, django_assert_num_queries: Any) -> None:
    for i in range(rows):
        submitted_referral(world["author"], given_name=f"Person{i}", family_name=f"Family{i}")
    client = client_for(world["colleague"])
    client.get("/referrals/caseload/")  # warm the session's lazy state
    with django_assert_num_queries(CASELOAD_QUERIES):
        response = client.get("/referrals/caseload/")
    assert (
        response.content.decode().count('href="/referrals/')
        - response.content.decode().count('href="/referrals/search/')
        >= rows
    )


@pytest.mark.parametrize("extra", [1, 5])
def test_detail_query_count_is_pinned(world: dict[str, Any], extra: int, django_assert_num_queries: Any) -> None:
    """The page costs the same with 1 or 5 documents, matches and shares."""
    author = world["author"]
    for _ in range(extra):
        submitted_referral(author)  # possible matches of the referral below
    draft = draft_referral(author)
    for i in range(extra):
        services.add_attachment(
            actor=author,
            referral_id=draft.pk,
            classification=1,
            upload=SimpleUploadedFile(f"doc{i}.pdf", PDF, content_type="application/pdf"),
        )
    referral = services.submit_referral(actor=author, referral_id=draft.pk)
    for _ in range(extra):
        sharing_services.share_with_agency(actor=author, record=referral, agency=new_agency(), reason="Needed")
    assert PossibleMatch.objects.filter(referral=referral).count() == extra
    client = client_for(author)
    client.get(f"/referrals/{referral.pk}/")
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(f"/referrals/{referral.pk}/")
    assert response.content.decode().count("/download/") == extra


# --- Search ----------------------------------------------------------------------------------------


def test_search_is_by_post_and_within_what_you_may_read(world: dict[str, Any]) -> None:
    referral = submitted_referral(world["author"], given_name="Morgan", family_name="Searchable", classification=2)
    page = client_for(world["colleague"]).get("/referrals/search/")
    assert page.status_code == 200
    assert b'method="post"' in page.content
    assert b"result" not in page.content
    response = client_for(world["colleague"]).post("/referrals/search/", {"query": "Searchable"})
    assert response.status_code == 200
    assert referral.reference.encode() in response.content
    assert b"1 result" in response.content
    response = client_for(world["colleague"]).post("/referrals/search/", {"query": referral.reference})
    assert referral.reference.encode() in response.content
    for who in ("outsider", "junior", "admin", "auditor"):
        response = client_for(world[who]).post("/referrals/search/", {"query": "Searchable"})
        assert response.status_code == 200
        assert referral.reference.encode() not in response.content, who
        assert b"0 results" in response.content
    response = client_for(world["colleague"]).post("/referrals/search/", {"query": "x"})
    assert response.status_code == 400
    assert error_summary(response) == [("#id_query", "Enter at least 2 characters")]
    # A GET with a query in the URL searches nothing.
    assert (
        referral.reference.encode()
        not in client_for(world["colleague"]).get("/referrals/search/?query=Searchable").content
    )


# --- Break-glass -----------------------------------------------------------------------------------


def test_break_glass_opens_a_referral_for_a_stated_reason(world: dict[str, Any]) -> None:
    referral = submitted_referral(world["author"])
    outsider = client_for(world["outsider"])
    assert outsider.get(f"/referrals/{referral.pk}/").status_code == 404
    assert outsider.get("/referrals/break-glass/").status_code == 200

    response = outsider.post("/referrals/break-glass/", {"reference": referral.reference, "reason": "short"})
    assert response.status_code == 400
    assert error_summary(response) == [
        ("#id_reason", "Explain why you need to open this referral (at least 10 characters)")
    ]

    reason = "A&E admission tonight, need background to keep the patient safe"
    response = outsider.post("/referrals/break-glass/", {"reference": referral.reference.lower(), "reason": reason})
    assert response.status_code == 302
    assert response["Location"] == f"/referrals/{referral.pk}/"
    page = outsider.get(response["Location"]).content.decode()
    assert "break-glass access until" in page
    assert "time-limited" in page
    event = AuditEvent.objects.get(verb=AuditVerb.BREAK_GLASS)
    assert (event.reason, event.break_glass) == (reason, True)


@pytest.mark.parametrize("case", ["missing", "draft", "above_clearance", "admin"])
def test_break_glass_refusals_all_look_the_same(world: dict[str, Any], case: str) -> None:
    reference = "REF-2020-999999"
    user = world["outsider"]
    if case == "draft":
        reference = str(draft_referral(world["author"]).pk)
    elif case == "above_clearance":
        reference = submitted_referral(world["author"], classification=2).reference
        user = new_user(world["health"], 1)
    elif case == "admin":
        reference = submitted_referral(world["author"]).reference
        user = world["admin"]
    response = client_for(user).post(
        "/referrals/break-glass/", {"reference": reference, "reason": "I need to see this for a good reason"}
    )
    assert response.status_code == 400
    assert error_summary(response) == [("#id_reference", "No referral you can open with that reference")]
    assert not AuditEvent.objects.filter(verb=AuditVerb.BREAK_GLASS).exists()


def test_pages_need_sign_in(db: Any) -> None:
    assert_sign_in_needed(
        "/referrals/new/",
        "/referrals/mine/",
        "/referrals/caseload/",
        "/referrals/screening/",
        "/referrals/search/",
        "/referrals/break-glass/",
        "/referrals/1/",
        "/referrals/attachments/1/download/",
    )
