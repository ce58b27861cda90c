"""Helpers for browser journeys: axe-core checks and asset sanity checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}


def _format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node.get('failureSummary', '')}")
    return "\n".join(lines)


def assert_accessible(page: Any, label: str = "") -> None:
    """Run axe-core on the current page; fail on any serious or critical violation.

    axe is injected with page.evaluate, which the page's content security
    policy does not govern (a <script> tag would be refused, as it should be).
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    if violations:
        print(f"axe on {label or page.url}:\n{_format_violations(violations)}")
    assert not blocking, f"axe found serious or critical violations on {label or page.url}:\n" + _format_violations(
        blocking
    )


def assert_styled(page: Any) -> None:
    """The stylesheet and the GOV.UK Frontend module both loaded (static files are served, CSP allows them)."""
    page.wait_for_function("() => document.body.classList.contains('govuk-frontend-supported')")
    font = page.evaluate("() => getComputedStyle(document.querySelector('.govuk-body, .govuk-heading-l')).fontFamily")
    assert "arial" in font.lower() or "GDS Transport" in font, f"application.css did not apply (font-family: {font})"
