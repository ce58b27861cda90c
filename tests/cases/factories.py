"""The standard partnership now lives in ``tests.world``; these names stay for tests that use them."""

from __future__ import annotations

from tests.world import Partnership as World

__all__ = ["World", "make_world"]


def make_world() -> World:
    return World()
