"""Data-sharing agreement reviews are reminded to partnership admins only, naming the agency and the
review date and nothing about people; a renewal cancels the old agreement's reminders."""

from __future__ import annotations

import datetime as dt

import pytest
from django_celery_beat.models import PeriodicTask

from core.models import Reminder, ReminderStatus
from core.notifications import reminder_kinds
from partnership import reminders
from partnership.models import DataSharingAgreement, Role
from partnership.tasks import SYNC_AGREEMENT_REMINDERS
from tests.partnership.factories import record_agreement
from tests.world import new_admin, new_agency, new_user

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


def _record(agency: object, *, review_due: dt.date, reference: str = "DSA-1") -> DataSharingAgreement:
    return record_agreement(agency, reference, signed_on=TODAY, review_due=review_due)


def _pending(agreement: DataSharingAgreement) -> list[Reminder]:
    return list(
        Reminder.objects.filter(object_id=agreement.pk, kind__in=reminders.KINDS, status=ReminderStatus.PENDING)
    )


def test_only_partnership_admins_are_reminded_before_the_review_and_when_it_lapses() -> None:
    admin = new_admin()
    housing = new_agency("Northshire Housing", agreement=False)
    new_user(housing, 3, Role.PRACTITIONER, Role.SPOC)
    new_user(None, 3, Role.AUDITOR)
    new_user(housing, 3, Role.PANEL_CHAIR)
    agreement = _record(housing, review_due=TODAY + dt.timedelta(days=100))
    pending = _pending(agreement)
    assert {(r.kind, r.recipient_id) for r in pending} == {
        (reminders.DSA_REVIEW_DUE, admin.pk),
        (reminders.DSA_LAPSED, admin.pk),
    }
    by_kind = {r.kind: r for r in pending}
    assert by_kind[reminders.DSA_REVIEW_DUE].due_at.date() == TODAY + dt.timedelta(days=70)
    assert by_kind[reminders.DSA_LAPSED].due_at.date() == TODAY + dt.timedelta(days=101)


def test_the_headline_names_the_agency_and_the_review_date_and_nobody() -> None:
    admin = new_admin()
    admin_name = f"{admin.first_name} {admin.last_name}"
    agreement = _record(new_agency("Northshire Housing", agreement=False), review_due=dt.date(2027, 3, 31))
    kinds = reminder_kinds()
    titles = {r.kind: kinds[r.kind].title(r) for r in _pending(agreement)}
    assert titles == {
        reminders.DSA_REVIEW_DUE: "The data-sharing agreement with Northshire Housing (DSA-1) is due for review by Wednesday 31 March 2027",
        reminders.DSA_LAPSED: (
            "The data-sharing agreement with Northshire Housing (DSA-1) lapsed after its review date of Wednesday 31 March 2027"
        ),
    }
    assert not any(admin_name in t or admin.username in t for t in titles.values())


def test_a_case_worker_who_is_not_an_admin_may_not_be_told() -> None:
    admin = new_admin()
    agreement = _record(new_agency(agreement=False), review_due=TODAY + dt.timedelta(days=100))
    pending = _pending(agreement)
    assert set(reminders._admins_told(pending)) == {r.pk for r in pending}
    admin.roles = [Role.PRACTITIONER]
    admin.save()
    assert set(reminders._admins_told(pending)) == set()


def test_a_renewal_cancels_the_old_agreements_reminders() -> None:
    new_admin()
    agency = new_agency(agreement=False)
    old = _record(agency, review_due=TODAY + dt.timedelta(days=100))
    new = _record(agency, review_due=TODAY + dt.timedelta(days=500), reference="DSA-2")
    assert _pending(old) == []
    assert len(_pending(new)) == 2
    assert (
        reminders._still_latest(list(Reminder.objects.filter(object_id=old.pk, kind__in=reminders.KINDS)), None)
        == set()
    )  # type: ignore[arg-type]


def test_the_nightly_recheck_tells_admins_added_since() -> None:
    agreement = _record(new_agency(agreement=False), review_due=TODAY + dt.timedelta(days=100))
    assert _pending(agreement) == []
    admin = new_admin()
    assert reminders.sync_all_agencies() >= 1
    assert {r.recipient_id for r in _pending(agreement)} == {admin.pk}


def test_the_recheck_is_scheduled_nightly() -> None:
    task = PeriodicTask.objects.get(task=SYNC_AGREEMENT_REMINDERS)
    assert task.enabled
    assert task.crontab is not None
    assert task.crontab.hour == "2"
