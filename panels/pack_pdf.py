"""The panel pack as a PDF: the same content as the printable page, for ONE reader, watermarked
with their name and the time it was made on every page. No personal data in its metadata."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from core.pdf import PdfDocument
from panels.models import Action, Rating
from panels.selectors import ActionOutcomes, PackCase, PanelPack
from referrals.selectors import ChronologyItem


def render_pack_pdf(panel_pack: PanelPack, *, compress: bool = True) -> bytes:
    """Everything the reader may read about the meeting's cases, case by case."""
    document = PdfDocument(
        title="Panel pack",
        reader=_person_name(panel_pack.reader),
        generated_at=panel_pack.generated_at,
        compress=compress,
    )
    _cover(document, panel_pack)
    _actions_review(document, panel_pack)
    for number, entry in enumerate(panel_pack.cases, start=1):
        _case(document, number, entry)
    return document.render()


def _person_name(user: Any) -> str:
    return (user.get_full_name() or user.username) if user else ""


def _rating_label(value: int | None) -> str:
    return "None" if value is None else str(Rating(value).label)


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def _cover(document: PdfDocument, panel_pack: PanelPack) -> None:
    meeting = panel_pack.meeting
    when = timezone.localtime(meeting.scheduled_at)
    document.heading(f"Panel pack: {meeting.panel.name}")
    document.key_values(
        [
            ("Meeting", f"{when:%d %B %Y at %H:%M}"),
            ("Where", meeting.venue or "Not set"),
            *([("Call link", meeting.call_link)] if meeting.call_link else []),
            ("Prepared for", _person_name(panel_pack.reader)),
            ("Agency", getattr(panel_pack.reader.agency, "name", "")),
            ("Generated", f"{timezone.localtime(panel_pack.generated_at):%d %B %Y at %H:%M}"),
        ]
    )
    document.paragraph(
        "This pack holds only what you may read in Convene at your clearance. "
        "Do not copy or forward it. Its generation is recorded in the audit trail.",
        small=True,
    )
    if panel_pack.withheld:
        document.inset(
            f"{panel_pack.withheld} agenda item{_plural(panel_pack.withheld, ' is', 's are')} "
            "on cases you cannot read and not included."
        )
    if not panel_pack.cases:
        document.paragraph("There are no cases on the agenda that you can read.")


_ACTION_GROUPS = (
    ("open", "Still open"),
    ("done", "Done"),
    ("not_done", "Not done"),
    ("not_possible", "Could not be done"),
)


def _action_rows(actions: list[Action]) -> list[list[str]]:
    return [
        [a.case.reference, a.description, a.owner_agency.name, f"{a.due_date:%d %b %Y}", a.outcome_reason]
        for a in actions
    ]


def _action_groups(document: PdfDocument, outcomes: ActionOutcomes) -> None:
    """Each group apart: actions not done are never mixed with those that could not be done."""
    for name, label in _ACTION_GROUPS:
        actions = getattr(outcomes, name)
        if actions:
            document.paragraph(f"{label} ({len(actions)})")
            document.table(["Case", "Action", "Owner", "Due", "Reason"], _action_rows(actions), widths=ACTION_WIDTHS)


ACTION_WIDTHS = [30, 60, 30, 22, 32]


def _actions_review(document: PdfDocument, panel_pack: PanelPack) -> None:
    review = panel_pack.actions
    if review is None:  # a guest's pack: their item alone
        return
    document.heading("Carried forward from earlier meetings", level=2)
    if not review.carried_forward:
        document.paragraph("No open actions from earlier meetings.")
    else:
        document.table(
            ["Case", "Action", "Owner", "Due", "Reason"], _action_rows(review.carried_forward), widths=ACTION_WIDTHS
        )
    if review.closed_since:
        document.heading("Closed since the previous meeting", level=3)
        _action_groups(document, review.closed_since)
    if review.agreed_here:
        document.heading("Actions agreed at this meeting", level=3)
        _action_groups(document, review.agreed_here)


def _case(document: PdfDocument, number: int, entry: PackCase) -> None:
    case = entry.case
    person = case.referral.subject
    document.heading(f"{number}. {case.reference}: {person.full_name}", level=2)
    document.key_values(
        [
            ("Agenda item", entry.item.get_kind_display()),
            ("Status", case.get_status_display()),
            ("Date of birth", f"{person.date_of_birth:%d %B %Y}" if person.date_of_birth else "Not known"),
            ("Concerns", case.referral.concerns),
            *([("Deferred", entry.item.deferred_reason)] if entry.item.deferred else []),
        ]
    )
    _assessment(document, entry)
    _plan(document, entry)
    _overdue_actions(document, entry)
    _contributions(document, entry)


def _assessment(document: PdfDocument, entry: PackCase) -> None:
    document.heading("Vulnerability assessment", level=3)
    assessment = entry.latest_assessment
    if assessment is None:
        document.paragraph("No assessment you can read.")
        return
    document.key_values(
        [
            ("Version", str(assessment.version)),
            ("Conclusion", assessment.conclusion),
            ("Management plan", assessment.management_plan or "None recorded"),
        ]
    )
    if entry.changes:
        document.table(
            ["Factor", "Was", "Now"],
            [[c["factor"], _rating_label(c["was"]), _rating_label(c["now"])] for c in entry.changes],
            widths=[100, 35, 35],
        )
    else:
        document.paragraph("No changed ratings to show.", small=True)


def _plan(document: PdfDocument, entry: PackCase) -> None:
    document.heading("Support plan", level=3)
    if entry.plan is None:
        document.paragraph("No support plan yet.")
        return
    document.key_values([("Status", entry.plan.get_status_display()), ("Objectives", entry.plan.objectives)])
    document.table(
        ["Intervention", "Provider", "Status", "Progress"],
        [
            [i.get_kind_display(), i.provider.name, i.get_status_display(), i.progress_notes]
            for i in entry.plan.interventions.all()
        ],
        widths=[40, 40, 25, 69],
    )


def _overdue_actions(document: PdfDocument, entry: PackCase) -> None:
    document.heading("Overdue actions", level=3)
    if not entry.overdue_actions:
        document.paragraph("None.")
        return
    document.table(
        ["Action", "Owner", "Due"],
        [[a.description, a.owner_agency.name, f"{a.due_date:%d %b %Y}"] for a in entry.overdue_actions],
        widths=[110, 40, 24],
    )


def _event_cell(item: ChronologyItem) -> str:
    """The entry's title and text; a significant entry is flagged first (an emphasis, not a filter)."""
    title = f"SIGNIFICANT: {item.entry.title}" if item.entry.significant else item.entry.title
    summary = " (releasable summary)" if not item.full else ""
    return f"{title}{summary}\n{item.text}" if item.text else f"{title}{summary}"


def _contributions(document: PdfDocument, entry: PackCase) -> None:
    document.heading("Contributions and significant events", level=3)
    chronology = entry.chronology
    document.table(
        ["Date", "Event", "Agency"],
        [
            [f"{timezone.localtime(i.entry.occurred_at):%d %b %Y}", _event_cell(i), i.entry.owning_agency.name]
            for i in chronology.items
        ],
        widths=[24, 110, 40],
    )
    if not chronology.items:
        document.paragraph("None you can read.")
    if chronology.withheld:
        document.inset(
            f"{chronology.withheld} event{_plural(chronology.withheld, ' is', 's are')} "
            "withheld at a higher classification."
        )
