"""The header's search box, for those who read case content (DESIGN.md rule 8): ``{% may_search user as x %}``."""

from __future__ import annotations

from typing import Any

from django import template

from referrals.search import may_search as _may_search

register = template.Library()


@register.simple_tag
def may_search(user: Any) -> bool:
    return _may_search(user)
