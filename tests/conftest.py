from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from partnership.models import User
from tests.partnership.factories import PASSWORD, UserFactory, enrol_totp

# No DATABASE_URL: the plugin starts the embedded PostgreSQL (settings only compute its address).
pytest_plugins = ["tests.plugins.embedded_db"]


def sign_in_verified(client: Client, user: User) -> Client:
    """Sign in through the real pages: password, then the TOTP code."""
    from django_otp.oath import totp

    device = enrol_totp(user)
    response = client.post("/account/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    code = str(totp(device.bin_key)).zfill(6)
    response = client.post("/account/two-factor/", {"token": code})
    assert response.status_code == 302, response.content
    return client


@pytest.fixture
def user(db: Any) -> User:
    return UserFactory()


@pytest.fixture
def verified_client(client: Client, user: User) -> Client:
    return sign_in_verified(client, user)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Django's flush after live-server tests truncates every table; the audit table refuses
    TRUNCATE in real databases, so the test databases lift just that one trigger
    (tests/sharing/test_audit.py turns it back on to prove it works)."""
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE sharing_auditevent DISABLE TRIGGER sharing_audit_no_truncate")


def _restore_into_an_empty_database() -> None:
    """A serialized-rollback test restores the database as it was after the migrations. Django expects
    the previous test to have left it empty, but a transactional test without serialized rollback ends
    with a flush that re-runs post_migrate (content types, permissions, the national lists) under new
    ids, and restoring on top of those rows breaks their unique keys. So the restore empties the
    database first (post_migrate inhibited), whichever test ran before it in the worker."""
    from django.core.management import call_command
    from django.db.backends.base.creation import BaseDatabaseCreation

    restore = BaseDatabaseCreation.deserialize_db_from_string

    def deserialize_into_an_empty_database(self: BaseDatabaseCreation, data: str) -> None:
        call_command(
            "flush",
            verbosity=0,
            interactive=False,
            database=self.connection.alias,
            reset_sequences=False,
            inhibit_post_migrate=True,
        )
        restore(self, data)

    BaseDatabaseCreation.deserialize_db_from_string = deserialize_into_an_empty_database  # type: ignore[method-assign]


_restore_into_an_empty_database()


# --- No personal data in any email, across the whole suite -------------------------------------------

_DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """After each test body (before its database is rolled back), scan every email it sent for the
    names and dates of birth of the people referred and for any case text held in the database."""
    result = yield
    from django.core import mail

    outbox = getattr(mail, "outbox", None)
    uses_db = item.get_closest_marker("django_db") is not None or bool(
        _DB_FIXTURES & set(getattr(item, "fixturenames", ()))
    )
    if outbox and uses_db:
        from tests.reminders.personal_data import leaks

        found = leaks(outbox, ignore_staff_names=True)
        assert not found, "Personal data in an email: " + "; ".join(found[:5])
    return result
