"""An S3-compatible object store on loopback for the tests of the document storage: moto's standalone
server, started once per test process on a free port of 127.0.0.1, with a new private bucket per test.

``object_store`` is the server (session-scoped); ``s3_documents`` points Django's default storage at a new
bucket of it through the real settings (``config.settings.base.document_storage`` reading the same
``CONVENE_S3_*`` variables production sets), so the services and views under test store and read documents
there. A suite enables these fixtures by importing them into its conftest.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

REGION = "eu-west-2"
# moto accepts any credentials; these only have to be the same in every process.
ACCESS_KEY = "convene-test-access-key"
SECRET_KEY = "convene-test-secret-key"

# What the bucket and object ACLs may never grant: anyone, or anyone with an AWS account.
PUBLIC_GRANTEES = {
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
}


class ObjectStore:
    """The running server, as a client with the deployment's own credentials sees it."""

    def __init__(self, endpoint_url: str) -> None:
        self.endpoint_url = endpoint_url
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def new_bucket(self) -> str:
        """A new bucket, private as an operator creates it (no ACL, no policy)."""
        name = f"convene-test-{uuid.uuid4().hex[:16]}"
        self.client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        return name

    def environ(self, bucket: str, **extra: str) -> dict[str, str]:
        """The environment a web node or worker is deployed with to keep its documents in ``bucket``."""
        return {
            "CONVENE_STORAGE_BACKEND": "s3",
            "CONVENE_S3_BUCKET": bucket,
            "CONVENE_S3_ENDPOINT_URL": self.endpoint_url,
            "CONVENE_S3_REGION": REGION,
            "CONVENE_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "CONVENE_S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "CONVENE_S3_ADDRESSING_STYLE": "path",
            **extra,
        }

    def keys(self, bucket: str) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def public_grants(self, bucket: str, key: str | None = None) -> list[dict[str, Any]]:
        """The grants of the bucket (or of one object in it) to anyone but its owner's account."""
        acl = self.client.get_object_acl(Bucket=bucket, Key=key) if key else self.client.get_bucket_acl(Bucket=bucket)
        return [grant for grant in acl["Grants"] if grant["Grantee"].get("URI") in PUBLIC_GRANTEES]


@pytest.fixture(scope="session")
def object_store() -> Iterator[ObjectStore]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request in every failure report
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield ObjectStore(f"http://{host}:{port}")
    finally:
        server.stop()


def store_documents_in(
    store: ObjectStore, bucket: str, settings: Any, monkeypatch: pytest.MonkeyPatch, **extra: str
) -> None:
    """Point this process's default storage at ``bucket``, configured from the environment as in production."""
    from config.settings.base import document_storage

    for name, value in store.environ(bucket, **extra).items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {**settings.STORAGES, "default": document_storage()}


@pytest.fixture
def s3_documents(object_store: ObjectStore, settings: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """Django's default storage is a new bucket of the object store. Returns the bucket's name."""
    bucket = object_store.new_bucket()
    store_documents_in(object_store, bucket, settings, monkeypatch)
    return bucket
