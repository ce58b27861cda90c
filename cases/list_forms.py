"""The case list's and the request queue's tabs, filters and orders, read from the query string.

Codes and ids only (nothing personal in a URL). A value that is not on offer is a field error on the page
(400), never a 500. ``query`` rebuilds the query string so tabs, filters and pages keep one another.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms

from cases.models import CaseStatus, RequestStatus
from partnership.models import CASE_WORKING_ROLES, User
from referrals.models import Rag, Urgency
from referrals.permissions import case_owner_candidates

MINE, AGENCY, ALL = "mine", "agency", "all"


def _choice(label: str, choices: Any, *, blank: str = "Any") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", blank), *choices] if blank else choices,
        error_messages={"invalid_choice": f"Choose one of the {label.lower()} options shown"},
    )


def _people(queryset: Any) -> list[tuple[str, str]]:
    return [(str(user.pk), user.get_full_name() or user.username) for user in queryset]


class ListForm(forms.Form):
    """Shared by both lists: the tab (whose work), the order, and the query strings that keep them."""

    TABS: tuple[tuple[str, str], ...] = ()
    DEFAULT_TAB = ALL
    tab = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_tab(self) -> str:
        tab = self.cleaned_data.get("tab") or self.DEFAULT_TAB
        if tab not in dict(self.TABS):
            raise forms.ValidationError("Choose one of the tabs shown")
        return str(tab)

    def filters(self) -> dict[str, str]:
        """Every field's value (the tab's default for a missing tab): the selector's filters."""
        data = self.cleaned_data if self.is_valid() else {}
        values = {name: str(data.get(name) or "") for name in self.fields}
        values["tab"] = values["tab"] or self.DEFAULT_TAB
        return values

    def filtered(self) -> bool:
        return any(value for name, value in self.filters().items() if name not in ("tab", "sort"))

    def query(self, **changes: str) -> str:
        """The query string of this list with ``changes`` (a new tab, a cursor), defaults left out."""
        values = {**self.filters(), **changes}
        if values.get("tab") == self.DEFAULT_TAB:
            values.pop("tab")
        return "?" + urlencode({name: value for name, value in values.items() if value})

    def cleared(self) -> str:
        """The query string of this tab and order with no filters."""
        return self.query(**{name: "" for name in self.fields if name not in ("tab", "sort")})

    def tabs(self) -> list[dict[str, Any]]:
        current = self.filters()["tab"]
        return [
            {"key": key, "label": label, "url": self.query(tab=key), "selected": key == current}
            for key, label in self.TABS
        ]


class CaseListForm(ListForm):
    TABS = ((MINE, "My cases"), (AGENCY, "My agency's cases"), (ALL, "All cases I can see"))
    status = _choice("Status", CaseStatus.choices)
    urgency = _choice("Urgency", Urgency.choices)
    rag = _choice("RAG rating", [*Rag.choices, ("none", "Not rated")])
    owner = _choice("Case owner", [], blank="Anyone")
    sort = _choice(
        "Sort by",
        [("changed", "Most recently changed"), ("urgency", "Most urgent first"), ("opened", "Newest case first")],
        blank="",
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        owners = case_owner_candidates().order_by("last_name", "first_name", "username")
        self.fields["owner"].choices = [("", "Anyone"), *_people(owners)]  # type: ignore[attr-defined]


class RequestQueueForm(ListForm):
    TABS = ((MINE, "Assigned to me"), (AGENCY, "My agency's requests"), (ALL, "All requests I can see"))
    DEFAULT_TAB = AGENCY
    status = _choice("Status", RequestStatus.choices, blank="Any open status")
    due = _choice("Due", [("overdue", "Overdue"), ("week", "Within 7 days")], blank="Any time")
    urgency = _choice("Urgency", Urgency.choices)
    rag = _choice("RAG rating", [*Rag.choices, ("none", "Not rated")])
    assignee = _choice("Assigned to", [], blank="Anyone")
    sort = _choice(
        "Sort by",
        [("due", "Soonest due first"), ("due_latest", "Latest due first"), ("asked", "Most recently asked")],
        blank="",
    )

    def __init__(self, data: Any = None, *, agency_id: int | None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        people = User.objects.filter(
            agency_id=agency_id or 0, is_active=True, roles__overlap=list(CASE_WORKING_ROLES)
        ).order_by("last_name", "first_name", "username")
        self.fields["assignee"].choices = [  # type: ignore[attr-defined]
            ("", "Anyone"),
            ("none", "Nobody yet"),
            *_people(people),
        ]
