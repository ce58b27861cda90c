"""sharing.policy in detail: who counts as a case worker, drafts, live changes to a user,
withheld children, and the query budget of single-record checks and lists."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings

from core.errors import NotFound, PermissionDenied
from partnership import services as partnership_services
from partnership.models import Agency, Role, User
from referrals import permissions as referral_permissions
from referrals import selectors
from referrals.models import Attachment, Referral
from sharing import policy
from tests.partnership.factories import UserFactory, clearance
from tests.sharing import worlds
from tests.world import new_agency, new_police, new_user

pytestmark = pytest.mark.django_db


@dataclass
class World:
    police: Agency
    school: Agency
    author: User
    referral: Referral


@pytest.fixture
def world() -> World:
    police, school = new_police(), new_agency()
    author = new_user(school, 2)
    referral, _ = worlds.submit(author, given_name="Pat", family_name="Policy", classification=2)
    return World(police, school, author, referral)


@pytest.mark.parametrize(
    "role", [Role.PRACTITIONER, Role.SCREENING_OFFICER, Role.SPOC, Role.PANEL_CHAIR, Role.PANEL_MEMBER]
)
def test_each_case_working_role_reads(world: World, role: Role) -> None:
    user = new_user(world.school, 2, role)
    assert policy.is_case_worker(user)
    assert policy.can(user, policy.Action.VIEW, world.referral)


@pytest.mark.parametrize(
    "roles",
    [[], [Role.PARTNERSHIP_ADMIN], [Role.AUDITOR], [Role.PARTNERSHIP_ADMIN, Role.AUDITOR]],
)
@pytest.mark.parametrize("superuser", [False, True])
def test_admins_auditors_and_superusers_read_nothing_by_role(world: World, roles: list[str], superuser: bool) -> None:
    user = UserFactory(agency=world.school, clearance=clearance(3), roles=roles, is_superuser=superuser)
    assert not policy.is_case_worker(user)
    assert not policy.can(user, policy.Action.VIEW, world.referral)
    assert not policy.visible(user, Referral.objects.all()).exists()
    assert not policy.visible_grants(user, Referral).exists()


def test_anonymous_and_missing_users_read_nothing(world: World) -> None:
    for nobody in (None, AnonymousUser()):
        assert not policy.is_case_worker(nobody)
        assert not policy.can(nobody, policy.Action.VIEW, world.referral)
        assert not policy.visible_for_detail(nobody, Referral.objects.all()).exists()


def test_changes_to_a_user_take_effect_at_once(world: World) -> None:
    reader = new_user(world.school, 2)
    assert policy.can(reader, policy.Action.VIEW, world.referral)
    reader.clearance = clearance(1)
    assert not policy.can(reader, policy.Action.VIEW, world.referral)
    reader.clearance = clearance(2)
    reader.agency = new_agency()
    assert not policy.can(reader, policy.Action.VIEW, world.referral)
    reader.agency = world.school
    reader.roles = [Role.AUDITOR]
    assert not policy.can(reader, policy.Action.VIEW, world.referral)
    reader.roles = [Role.PRACTITIONER]
    reader.is_active = False
    assert not policy.can(reader, policy.Action.VIEW, world.referral)


def test_a_user_without_clearance_reads_nothing(world: World) -> None:
    low, _ = worlds.submit(world.author, given_name="Low", family_name="Class", classification=1)
    reader = UserFactory(agency=world.school, clearance=None)
    assert reader.clearance_rank == 0
    assert not policy.can(reader, policy.Action.VIEW, low)


def test_a_deactivated_agency_reads_nothing(world: World) -> None:
    reader = new_user(world.school, 2)
    partnership_services.deactivate_agency(agency=world.school)
    reader.refresh_from_db()
    assert not policy.can(reader, policy.Action.VIEW, world.referral)
    assert not policy.visible_grants(reader, Referral).exists()


def test_a_draft_is_its_authors_alone(world: World) -> None:
    draft = worlds.draft(world.author, family_name="Unsent", classification=1)
    colleague = new_user(world.school, 3, Role.PRACTITIONER, Role.PANEL_CHAIR)
    assert policy.can(world.author, policy.Action.VIEW, draft)
    assert policy.can(world.author, policy.Action.CHANGE, draft)
    # Who shares is the referral's capability now (DESIGN.md rule 11): a draft is shared by nobody.
    assert not referral_permissions.can_share(world.author, draft)
    for action in policy.Action:
        assert not policy.can(colleague, action, draft)
    for capability in referral_permissions.Capability:
        assert not referral_permissions.can(colleague, capability, draft), capability
    assert worlds.can_open(world.author, draft.pk)
    assert not worlds.can_open(colleague, draft.pk)
    assert draft.pk not in [r.pk for r in selectors.referral_page_visible_to(viewer=world.author).results]


def test_a_submitted_referral_cannot_be_changed_by_anyone(world: World) -> None:
    chair = new_user(world.police, 3, Role.PANEL_CHAIR)
    for user in (world.author, chair):
        assert policy.can(user, policy.Action.VIEW, world.referral)
        assert not policy.can(user, policy.Action.CHANGE, world.referral)


def test_require_hides_what_you_cannot_read_and_refuses_what_you_cannot_do(world: World) -> None:
    outsider = new_user(new_agency(), 3)
    colleague = new_user(world.school, 2)
    share = referral_permissions.Capability.SHARE  # a capability built on the policy (rule 11)
    with pytest.raises(NotFound):
        referral_permissions.require(outsider, share, world.referral)
    with pytest.raises(PermissionDenied):
        referral_permissions.require(colleague, share, world.referral)
    referral_permissions.require(world.author, share, world.referral)


def test_children_above_the_readers_clearance_are_withheld_and_counted(world: World, tmp_path: object) -> None:
    author = new_user(world.school, 3)
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        draft = worlds.draft(author, family_name="Children", classification=1)
        from django.core.files.uploadedfile import SimpleUploadedFile

        from referrals import services as referral_services

        for rank in (1, 2, 3, 3):
            referral_services.add_attachment(
                actor=author,
                referral_id=draft.pk,
                upload=SimpleUploadedFile(f"r{rank}.txt", b"text", content_type="text/plain"),
                classification=rank,
            )
        referral = referral_services.submit_referral(actor=author, referral_id=draft.pk)
    reader = new_user(world.school, 2)
    contents = selectors.referral_contents(viewer=reader, referral=referral)
    assert sorted(a.classification for a in contents.attachments) == [1, 2]
    assert contents.withheld == 2
    for attachment in Attachment.objects.filter(referral=referral):
        assert worlds.can_download(reader, attachment.pk) is (attachment.classification <= 2)
    # Another agency's originator-only child does not exist for the reader: not shown, not counted.
    Attachment.objects.create(
        referral=referral,
        file="attachments/x",
        original_name="private.txt",
        content_type="text/plain",
        size=1,
        classification=3,
        originator_only=True,
        owning_agency=world.police,
    )
    assert selectors.referral_contents(viewer=reader, referral=referral).withheld == 2


def test_a_single_record_check_is_one_query(world: World, django_assert_num_queries: object) -> None:
    reader = User.objects.select_related("agency", "clearance").get(pk=world.author.pk)
    referral = Referral.objects.get(pk=world.referral.pk)
    with django_assert_num_queries(1):  # type: ignore[operator]
        assert policy.can(reader, policy.Action.VIEW, referral)
    outsider = User.objects.select_related("agency", "clearance").get(pk=new_user(new_agency(), 3).pk)
    with django_assert_num_queries(1):  # type: ignore[operator]
        assert not policy.can(outsider, policy.Action.VIEW, referral)
    junior = User.objects.select_related("agency", "clearance").get(pk=new_user(world.school, 1).pk)
    with django_assert_num_queries(0):  # type: ignore[operator]
        assert not policy.can(junior, policy.Action.VIEW, referral)  # decided from the record itself


def test_the_list_costs_the_same_queries_at_any_page_size(world: World, django_assert_max_num_queries: object) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(12):
        worlds.submit(world.author, given_name="Many", family_name=f"Rows{n}", classification=1)
    reader = User.objects.select_related("agency", "clearance").get(pk=world.author.pk)
    counts = {}
    for size in (10, 100):
        with CaptureQueriesContext(connection) as captured:
            page = selectors.referral_page_visible_to(viewer=reader, page_size=size)
        counts[size] = len(captured.captured_queries)
        assert len(page.results) == min(size, 13)
    assert counts[10] == counts[100] <= 2  # the page, and the audit row
