"""Notification delivery: the in-app inbox, the registry of reminder kinds, the
reminder outbox, the sweep that sends it, and email preferences.

Nothing domain-specific lives here. Each app says "who gets which reminder
when" in its own ``reminders.py``: it registers its kinds with
:func:`register_kind` or, for kinds about the same event, :func:`register_kinds`
(with a check that the thing is still due, often :func:`still_due_while`) and,
inside the transaction of each event, calls :func:`sync_moments` (or
:func:`sync_reminders`) with the reminders its objects should now have;
:func:`resync_each` re-states them nightly. Kinds about a record's due date are
declared with ``due_dates.DueDateKinds`` (due soon and overdue) or
``due_dates.DueAhead`` (one reminder ahead of the day), which hold those
mechanics. The sweep (:func:`send_due_reminders`, run by Celery beat every
minute and by ``manage.py send_due_reminders``) sends what is due.

No personal data ever leaves through here: a reminder's text is built from its
kind's headline, a moment, a record reference and a link into Convene, and
nothing else, so neither a name nor case text can reach an inbox.

And telling is decided like seeing (DESIGN.md rule 12): each kind says, through
``may_tell``, who may still be told (those who may read the record it is
about; ``sharing.reminders.About`` builds that from ``sharing.policy``). Apps
queue reminders only for them, and the sweep asks again just before sending,
skipping and recording anyone who may no longer read it. A reference or a link
therefore only ever reaches someone who may open it.

Events (a referral to screen, a request to answer) are told the same way, due at once: an
app's ``events.py`` declares its kinds with :func:`register_event_kinds` and its services call
it in one line, which queues :func:`tell_now` for those who may read the record.

The modules: ``inbox`` (in-app notifications), ``kinds`` (the registry and its
settings), ``outbox`` (writing reminders), ``due_dates`` (the kinds of a due date),
``events`` (telling of events at once), ``sweep`` (sending them), ``preferences``
(email or in-app only), and the notification centre's ``views``, ``urls`` and
header ``context``. Import the public names from here.
"""

from __future__ import annotations

from core.notifications.events import EventKind, happened, register_event_kinds, still_among, still_theirs, tell_now
from core.notifications.inbox import mark_all_read, mark_read, notify, unread_count
from core.notifications.kinds import (
    MayTell,
    ReminderKind,
    StillDue,
    Wording,
    day_of,
    mandatory_kinds,
    recipients_who,
    register_kind,
    register_kinds,
    reminder_kinds,
    still_due_while,
    timing,
)
from core.notifications.outbox import (
    Due,
    SyncResult,
    alert_now,
    cancel_reminders,
    link_to,
    resync_each,
    sync_moments,
    sync_reminders,
)
from core.notifications.preferences import email_preferences, set_email_preferences
from core.notifications.sweep import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_TIME_BUDGET,
    MAX_FAILURES,
    BatchFigure,
    SweepReport,
    build_email,
    due_reminders,
    send_due_reminders,
)

# Calendar helpers live in core.working_days; re-exported because the apps' reminders
# modules import them from here alongside the outbox names.
from core.working_days import at_london, london_date, next_working_day, working_days_before

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_TIME_BUDGET",
    "MAX_FAILURES",
    "BatchFigure",
    "Due",
    "EventKind",
    "MayTell",
    "ReminderKind",
    "StillDue",
    "SweepReport",
    "SyncResult",
    "Wording",
    "alert_now",
    "at_london",
    "build_email",
    "cancel_reminders",
    "day_of",
    "due_reminders",
    "email_preferences",
    "happened",
    "link_to",
    "london_date",
    "mandatory_kinds",
    "mark_all_read",
    "mark_read",
    "next_working_day",
    "notify",
    "recipients_who",
    "register_event_kinds",
    "register_kind",
    "register_kinds",
    "reminder_kinds",
    "resync_each",
    "send_due_reminders",
    "set_email_preferences",
    "still_among",
    "still_due_while",
    "still_theirs",
    "sync_moments",
    "sync_reminders",
    "tell_now",
    "timing",
    "unread_count",
    "working_days_before",
]
