"""A real OpenID Connect provider for the single sign-on tests: ``tests/oidc/provider.mjs`` (the npm
package oidc-provider, installed by ``make install``) run by node on 127.0.0.1 at a free port."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

SCRIPT = Path(__file__).with_name("provider.mjs")
ROOT = SCRIPT.parents[2]
STARTUP_SECONDS = 30


class OidcProvider:
    """``clients``: [{client_id, client_secret, redirect_uris}]; ``accounts``: {login: {password, email,
    email_verified, amr, acr, disabled}}. Use as a context manager; ``issuer`` is known once started."""

    def __init__(self, *, clients: list[dict[str, Any]], accounts: dict[str, dict[str, Any]]) -> None:
        self.config = {"clients": clients, "accounts": accounts}
        self.issuer = ""
        self._process: subprocess.Popen[str] | None = None
        self._dir = tempfile.TemporaryDirectory(prefix="convene-oidc-")

    def __enter__(self) -> OidcProvider:
        node = shutil.which("node")
        if node is None or not (ROOT / "node_modules" / "oidc-provider").is_dir():
            pytest.fail("node and the npm package oidc-provider are needed: run `make install`")
        config = Path(self._dir.name) / "config.json"
        config.write_text(json.dumps(self.config))
        self._process = subprocess.Popen(  # noqa: S603 - our own script, no shell
            [node, str(SCRIPT), str(config)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()  # the script prints its issuer once it listens
        if not line:
            self.__exit__()
            pytest.fail("the test OpenID Connect provider did not start")
        self.issuer = json.loads(line)["issuer"]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=STARTUP_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        self._dir.cleanup()

    def change_account(self, login: str, **changes: Any) -> None:
        response = requests.post(f"{self.issuer}/_test/accounts/{login}", json=changes, timeout=10)
        assert response.status_code == 204, response.text

    def sign_in(self, authorize_url: str, *, login: str, password: str, back_to: str) -> str:
        """Go through the provider's sign-in page like a browser; the address it sends the browser
        back to (starting with ``back_to``)."""
        browser = requests.Session()
        page = browser.get(authorize_url, timeout=10)
        assert page.status_code == 200, page.text
        action = page.url.rstrip("/") + "/login"
        response = browser.post(action, data={"login": login, "password": password}, allow_redirects=False, timeout=10)
        while response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if location.startswith(back_to):
                return location
            response = browser.get(location, allow_redirects=False, timeout=10)
        raise AssertionError(f"the provider did not send the browser back: {response.status_code} {response.text}")
