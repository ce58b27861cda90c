"""Reading pages in tests: the GOV.UK error summary, a page's text; and small documents to upload."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def error_summary(response: Any) -> list[tuple[str, str]]:
    """(href, text) of each link in the GOV.UK error summary."""
    html = response.content.decode()
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert summary, "no error summary on the page"
    return [
        (href, re.sub(r"\s+", " ", text).strip())
        for href, text in re.findall(r'<a href="([^"]*)">(.*?)</a>', summary.group(0), re.S)
    ]


def assert_sign_in_needed(*urls: str) -> None:
    """Each page sends a visitor who has not signed in to the sign-in page."""
    from django.test import Client

    for url in urls:
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/account/sign-in/"), url


def date_fields(prefix: str, day: dt.date) -> dict[str, str]:
    """A GOV.UK date input's three fields for ``day``."""
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


def text_of(response: Any) -> str:
    """The page's HTML with every run of whitespace made one space."""
    return re.sub(r"\s+", " ", response.content.decode())


def pinned_get(client: Any, url: str, queries: int, assert_num_queries: Any, data: Any = None) -> Any:
    """The page read once to warm the session's lazy state, then read again in exactly ``queries``
    queries (``assert_num_queries`` is pytest-django's ``django_assert_num_queries``); the second answer."""
    client.get(url, data)
    with assert_num_queries(queries):
        return client.get(url, data)
