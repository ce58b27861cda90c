"""The panel world now lives in ``tests.world``; these names stay for tests that use them."""

from __future__ import annotations

from tests.world import Api, Partnership, client_for, hold_quorate, meeting_today
from tests.world import PanelSitting as PanelWorld

__all__ = ["Api", "PanelWorld", "client_for", "hold_quorate", "join_panel", "meeting_today"]


def join_panel(world: Partnership) -> Partnership:
    return world.join_panel()
