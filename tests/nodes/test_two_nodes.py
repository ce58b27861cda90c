"""Two web nodes and two workers, as on two machines (issue 16): two gunicorn processes and two Celery
workers on this machine, against ONE PostgreSQL (the test database), the machine's Redis and one bucket of
an S3-compatible server, and nothing else in common. Nothing a request needs is kept by the process that
served it:

* a document uploaded through node A downloads, byte for byte, from node B (and is in the bucket, encrypted),
  and a worker's nightly deletion of a stale draft removes its document from that same bucket;
* a session signed in on A (password and two-factor code) is signed in on B, and signing out on B ends it on A;
* the login lock-out counts failures made on both nodes, and so does the password-reset throttle;
* reminder sweeps run by both workers at once send each due reminder exactly once.

Slow (it starts four Django processes); every wait is a generous hang guard, never a speed target."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_otp.oath import totp

from core.models import AuditEvent, AuditVerb, Reminder, ReminderStatus
from referrals import services as referral_services
from referrals.models import Attachment, Referral
from referrals.tasks import DELETE_UNTOUCHED_DRAFTS
from tests.nodes.processes import Browser, NodeWorker, WebNode
from tests.pages import PDF
from tests.partnership.factories import PASSWORD, AuditorUserFactory, UserFactory, enrol_totp
from tests.plugins.object_store import ObjectStore, store_documents_in
from tests.referrals.factories import draft_referral
from tests.reminders.helpers import make_due_reminders
from tests.reminders.worker import wait_for
from tests.world import Partnership

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


class Nodes:
    """Web nodes ``a`` and ``b``; workers ``worker_a`` (which also takes the web nodes' tasks) and ``worker_b``."""

    def __init__(self, tmp_path: Path, storage_env: dict[str, str]) -> None:
        cache_prefix = f"convene-test-cache-{uuid.uuid4().hex[:12]}"
        self.worker_a = NodeWorker(tmp_path / "mail-a", storage_env=storage_env, cache_prefix=cache_prefix)
        self.worker_b = NodeWorker(tmp_path / "mail-b", storage_env=storage_env, cache_prefix=cache_prefix)
        self.cache_prefix = cache_prefix
        web_env = self.worker_a.env()
        self.a = WebNode("a", web_env, tmp_path)
        self.b = WebNode("b", web_env, tmp_path)

    def start(self) -> None:
        self.worker_a.mail_dir.mkdir(parents=True, exist_ok=True)  # the web nodes write their email there too
        for process in (self.a, self.b, self.worker_a, self.worker_b):
            process.start()
        self.a.wait_until_ready()
        self.b.wait_until_ready()

    def workers(self) -> tuple[NodeWorker, NodeWorker]:
        return self.worker_a, self.worker_b

    def stop(self) -> None:
        with ExitStack() as stack:  # every process is stopped, even when stopping another fails
            stack.callback(self._forget_the_cache)
            for worker in self.workers():
                stack.callback(worker.cleanup)
            for web in (self.a, self.b):
                stack.callback(web.stop)

    def _forget_the_cache(self) -> None:
        keys = list(self.worker_a.redis.scan_iter(match=self.cache_prefix + ":*"))
        if keys:
            self.worker_a.redis.delete(*keys)

    def assert_alive(self) -> None:
        for process, output in [(self.a.process, self.a.output), (self.b.process, self.b.output)] + [
            (worker.process, worker.output) for worker in self.workers()
        ]:
            assert process is not None
            assert process.poll() is None, output()


@pytest.fixture
def nodes(tmp_path: Path, object_store: ObjectStore) -> Iterator[tuple[Nodes, str]]:
    bucket = object_store.new_bucket()
    running = Nodes(tmp_path, object_store.environ(bucket))
    try:
        running.start()
        yield running, bucket
    finally:
        running.stop()


def _sign_in(browser: Browser, node: WebNode, username: str, device: Any) -> None:
    response = browser.post(node, "/account/sign-in/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.text[:2000]
    assert response.headers["Location"].startswith("/account/two-factor/")
    response = browser.post(node, "/account/two-factor/", {"token": str(totp(device.bin_key)).zfill(6)})
    assert response.status_code == 302, response.text[:2000]
    assert not response.headers["Location"].startswith("/account/")


def test_two_web_nodes_and_two_workers_share_documents_sessions_throttles_and_reminders(
    nodes: tuple[Nodes, str], object_store: ObjectStore, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    running, bucket = nodes
    a, b = running.a, running.b
    world = Partnership()
    _a_document_uploaded_on_a_downloads_from_b(world, a, b, object_store, bucket)
    store_documents_in(object_store, bucket, settings, monkeypatch)  # this process too, for the next part
    _a_worker_removes_a_stale_drafts_document_from_the_shared_bucket(world, running.worker_b, object_store, bucket)
    _the_login_lock_out_counts_failures_on_both_nodes(a, b)
    _the_password_reset_throttle_counts_requests_on_both_nodes(a, b)
    _reminder_sweeps_on_both_workers_send_each_reminder_once(running)
    running.assert_alive()


def _a_document_uploaded_on_a_downloads_from_b(
    world: Partnership, a: WebNode, b: WebNode, store: ObjectStore, bucket: str
) -> None:
    draft = draft_referral(world.teacher)
    device = enrol_totp(world.teacher)
    on_a = Browser()
    _sign_in(on_a, a, world.teacher.username, device)

    response = on_a.post(
        a,
        f"/referrals/{draft.pk}/draft/attachments/",
        {"classification": "1", "description": ""},
        files={"file": ("evidence.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 302, response.text[:2000]
    attachment = Attachment.objects.get(referral=draft)
    assert store.keys(bucket) == [attachment.file.name]
    assert store.client.head_object(Bucket=bucket, Key=attachment.file.name)["ServerSideEncryption"] == "AES256"
    assert store.public_grants(bucket, attachment.file.name) == []

    # B has never seen this browser: only the session cookie A set goes with the request.
    on_b = Browser()
    on_b.session.cookies.set("sessionid", on_a.session.cookies["sessionid"])
    assert on_b.get(b, "/referrals/mine/").status_code == 200  # signed in, two-factor verified, on B
    download = on_b.get(b, f"/referrals/attachments/{attachment.pk}/download/")
    assert download.status_code == 200
    assert download.content == PDF
    assert 'filename="evidence.pdf"' in download.headers["Content-Disposition"]

    # Someone else signed in on B gets the same answer as for a document that does not exist.
    stranger = UserFactory(agency=world.health)
    elsewhere = Browser()
    _sign_in(elsewhere, b, stranger.username, enrol_totp(stranger))
    assert elsewhere.get(b, f"/referrals/attachments/{attachment.pk}/download/").status_code == 404

    # Signing out on B ends the session on A too.
    signed_out = on_b.post(b, "/account/sign-out/", {}, form_on="/referrals/mine/")
    assert signed_out.status_code == 302, signed_out.text[:2000]
    response = on_a.get(a, "/referrals/mine/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/sign-in/")


def _a_worker_removes_a_stale_drafts_document_from_the_shared_bucket(
    world: Partnership, worker: NodeWorker, store: ObjectStore, bucket: str
) -> None:
    """The nightly deletion of drafts untouched for longer than the partnership keeps them (90 days), run by
    worker B, removes the draft's document from the bucket every node reads."""
    stale = draft_referral(world.teacher, given_name="Stale")
    attachment = referral_services.add_attachment(
        actor=world.teacher,
        referral_id=stale.pk,
        upload=SimpleUploadedFile("old.txt", b"an old note", content_type="text/plain"),
        classification=1,
    )
    assert attachment.file.name in store.keys(bucket)
    long_ago = timezone.now() - dt.timedelta(days=120)
    Referral.objects.filter(pk=stale.pk).update(updated_at=long_ago)
    Attachment.objects.filter(pk=attachment.pk).update(created_at=long_ago)

    worker.publisher.send_task(DELETE_UNTOUCHED_DRAFTS, queue=worker.queue)
    wait_for(
        lambda: not Referral.objects.filter(pk=stale.pk).exists() and attachment.file.name not in store.keys(bucket),
        interval=0.5,
        what="worker B to delete the stale draft and its document",
    )
    assert Attachment.objects.filter(referral__created_by=world.teacher).count() == 1  # the fresh draft's, kept


def _the_login_lock_out_counts_failures_on_both_nodes(a: WebNode, b: WebNode) -> None:
    user = UserFactory()
    enrol_totp(user)
    attacker = Browser()
    wrong = {"username": user.username, "password": "not the password at all"}
    # Four failures, alternating nodes: each refused as a wrong password, none locked yet...
    for node in (a, b, a, b):
        assert attacker.post(node, "/account/sign-in/", wrong).status_code == 200
    # ...the fifth, on A, locks the username from this address...
    assert attacker.post(a, "/account/sign-in/", wrong).status_code == 429
    # ...on B as well: the right password is refused there too.
    right = {"username": user.username, "password": PASSWORD}
    assert attacker.post(b, "/account/sign-in/", right).status_code == 429
    assert AuditEvent.objects.filter(verb=AuditVerb.LOGIN_FAILED, details__username=user.username).count() >= 5


def _the_password_reset_throttle_counts_requests_on_both_nodes(a: WebNode, b: WebNode) -> None:
    user = UserFactory(email=f"reset-{uuid.uuid4().hex[:8]}@example.gov.uk")
    browser = Browser()
    # Three requests an hour for one address (the default), spread over both nodes; the fourth is refused.
    for node in (a, b, a, b):
        response = browser.post(node, "/account/password-reset/", {"email": user.email})
        assert response.status_code == 302, response.text[:2000]
    refused = AuditEvent.objects.filter(verb=AuditVerb.PASSWORD_RESET_THROTTLED, details__email=user.email)
    assert [event.details["limit"] for event in refused] == ["address"]


def _reminder_sweeps_on_both_workers_send_each_reminder_once(running: Nodes) -> None:
    auditors = [AuditorUserFactory() for _ in range(4)]  # auditors hear of every break-glass opening
    ids = make_due_reminders(120, auditors, due=timezone.now(), opener=UserFactory())
    # Beat's ticks reaching both workers at once: several small-batch sweeps each, over the same reminders.
    for _ in range(3):
        for worker in running.workers():
            worker.publish(batch_size=10)

    def all_sent() -> bool:
        running.assert_alive()
        left = Reminder.objects.filter(pk__in=ids, status=ReminderStatus.PENDING).count()
        return left == 0 and all(worker.queued() == 0 for worker in running.workers())

    wait_for(all_sent, interval=0.5, what="both workers' sweeps to send every reminder")
    emailed: Counter[int] = Counter()
    for worker in running.workers():
        emailed.update(worker.emailed())
    assert {pk: emailed[pk] for pk in ids} == dict.fromkeys(ids, 1)
    assert Reminder.objects.filter(pk__in=ids, status=ReminderStatus.SENT).count() == len(ids)
