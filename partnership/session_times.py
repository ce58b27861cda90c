"""When a signed-in session began and was last seen, kept in the session itself: sign-in (password and
two-factor, an invitation, single sign-on) stamps a new session, and ``SessionLifetimeMiddleware`` ends
one that has been idle or alive too long."""

from __future__ import annotations

import time

from django.http import HttpRequest

LOGIN_AT = "convene_login_at"
LAST_SEEN = "convene_last_seen"


def stamp_new_session(request: HttpRequest) -> None:
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[LAST_SEEN] = now
