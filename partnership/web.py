"""The request type of every signed-in page."""

from __future__ import annotations

from django.http import HttpRequest

from partnership.models import User


class SignedInRequest(HttpRequest):
    """Every page view is behind ``login_required`` (and two-factor middleware): the user is a real User."""

    user: User
