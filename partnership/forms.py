"""The partnership's forms: sign-in, agreements and the configuration pages. They check shape;
``partnership.services`` decides (its ValidationErrors land on these fields through ``core.web.handle_form``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core import signing
from django.db.models import QuerySet
from django.utils import timezone

from core.forms import GovukCheckboxSelectMultiple, date_field, date_hint, long_text_field, text_field
from partnership import selectors
from partnership.models import (
    DEFAULT_MFA_AMR_VALUES,
    Agency,
    AgencyKind,
    ClearanceLevel,
    LawfulBasis,
    Panel,
    PartnershipSettings,
    Role,
    User,
)
from partnership.people import MAX_IMPORT_ROWS
from partnership.snapshots import PANEL_KEYS

ROLE_NAMES = dict(Role.choices)


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is not active. Contact your partnership admin.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Security code",
        max_length=16,
        error_messages={"required": "Enter the security code from your authenticator app or a recovery code"},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )

    def clean_token(self) -> str:
        return "".join(self.cleaned_data["token"].split())


def active_agencies() -> QuerySet[Agency]:
    return Agency.objects.filter(is_active=True).order_by("name")


def agency_field(label: str, *, empty_label: str, required: str, invalid: str = "") -> forms.ModelChoiceField[Agency]:
    """A choice of one active agency, by name; ``required`` and ``invalid`` are its error messages."""
    return forms.ModelChoiceField(
        label=label,
        queryset=active_agencies(),
        empty_label=empty_label,
        error_messages={"required": required, "invalid_choice": invalid or required},
    )


class AgreementForm(forms.Form):
    """An agency's data-sharing agreement, new or renewed."""

    reference = text_field("Reference", 100, required="Enter the agreement's reference")
    signed_on = date_field(
        "When was it signed?",
        "The date it was signed",
        required=False,
        help_text=date_hint("Leave it empty until every party has signed.", days_ahead=-7),
    )
    review_due = date_field(
        "When is it due for review?",
        "The review date",
        future_only=True,
        help_text=date_hint("The agency is sent nothing new after this date.", days_ahead=365),
    )
    lawful_bases = forms.MultipleChoiceField(
        label="Which lawful bases does it rest on?",
        choices=LawfulBasis.choices,
        widget=GovukCheckboxSelectMultiple,
        error_messages={"required": "Choose at least one lawful basis"},
    )


# --- The configuration pages (/manage/) -------------------------------------------------------

IMPORT_SALT = "partnership.manage.import"
MAX_IMPORT_BYTES = 512 * 1024


def number_field(label: str, *, least: int = 0, most: int = 365, help_text: str = "") -> forms.IntegerField:
    """A whole number typed in a text box (GOV.UK asks numbers with inputmode, not type=number)."""
    name = label.split(" (")[0]
    return forms.IntegerField(
        label=label,
        min_value=least,
        max_value=most,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "required": f"Enter the {name.lower()}",
            "invalid": f"{name} must be a whole number",
            "min_value": f"{name} must be {least} or more",
            "max_value": f"{name} must be {most} or fewer",
        },
    )


def yes_box(label: str, help_text: str = "") -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False, help_text=help_text)


def kinds_field(label: str, *, required: str = "", help_text: str = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=AgencyKind.choices,
        required=bool(required),
        widget=GovukCheckboxSelectMultiple,
        help_text=help_text,
        error_messages={"required": required},
    )


# --- Agencies and clearance levels ------------------------------------------------------------


class AgencyForm(forms.Form):
    name = text_field("Name", 200, required="Enter the agency's name")
    kind = forms.ChoiceField(
        label="Kind of agency",
        choices=[("", "Choose a kind"), *AgencyKind.choices],
        error_messages={"required": "Choose the kind of agency", "invalid_choice": "Choose the kind of agency"},
    )
    screens_referrals = yes_box("This agency screens new referrals", "Usually police Prevent.")
    is_active = yes_box(
        "Active", "An inactive agency keeps its history; its people cannot sign in and their sessions end."
    )


def _words(text: str) -> list[str]:
    """Values typed one a line or separated by commas or spaces."""
    return [word for word in text.replace(",", " ").split() if word]


class SingleSignOnForm(forms.Form):
    """An agency's OpenID Connect provider. The secret is never shown back: empty keeps the stored one."""

    is_enabled = yes_box("Its people sign in with their work account", "Turned off, they sign in with a password.")
    issuer = forms.URLField(
        label="Issuer",
        max_length=300,
        assume_scheme="https",
        help_text="The provider's issuer address, like https://login.microsoftonline.com/<tenant>/v2.0",
        error_messages={"required": "Enter the issuer", "invalid": "Enter the issuer as a web address"},
    )
    client_id = text_field("Client ID", 200, required="Enter the client ID")
    client_secret = forms.CharField(
        label="Client secret",
        max_length=500,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        error_messages={"max_length": "The client secret must be 500 characters or fewer"},
    )
    allowed_email_domains = long_text_field(
        "Allowed email domains",
        max_length=4000,
        required="Enter at least one email domain",
        help_text="One a line, like police.example.gov.uk. Only people of this agency with such an address sign in.",
    )
    mfa_amr_values = text_field(
        "amr values that mean a second factor",
        500,
        help_text="Separated by spaces, like mfa otp hwk. Otherwise people also enter a Convene security code.",
    )
    mfa_acr_values = text_field(
        "acr values that mean a second factor (optional)", 1000, help_text="Separated by spaces."
    )

    def __init__(self, *args: Any, has_secret: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client_secret"].help_text = (
            "Leave it empty to keep the one stored." if has_secret else "It is stored encrypted and never shown again."
        )

    @staticmethod
    def initial_for(config: Any) -> dict[str, Any]:
        if config is None:
            return {"is_enabled": True, "mfa_amr_values": " ".join(DEFAULT_MFA_AMR_VALUES)}
        return {
            "is_enabled": config.is_enabled,
            "issuer": config.issuer,
            "client_id": config.client_id,
            "allowed_email_domains": "\n".join(config.allowed_email_domains),
            "mfa_amr_values": " ".join(config.mfa_amr_values),
            "mfa_acr_values": " ".join(config.mfa_acr_values),
        }

    def values(self) -> dict[str, Any]:
        """``services.configure_single_sign_on`` values."""
        data = self.cleaned_data
        return {
            **data,
            "allowed_email_domains": _words(data["allowed_email_domains"]),
            "mfa_amr_values": _words(data["mfa_amr_values"]),
            "mfa_acr_values": _words(data["mfa_acr_values"]),
        }


class SingleSignOnStartForm(forms.Form):
    """The email-first step: the address says which agency's provider signs this person in."""

    email = forms.EmailField(
        label="Work email address",
        max_length=254,
        error_messages={
            "required": "Enter your work email address",
            "invalid": "Enter an email address in the correct format, like name@example.gov.uk",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ClearanceLevelForm(forms.Form):
    rank = number_field("Rank", least=1, most=99, help_text="Higher ranks may read more. A held rank cannot change.")
    name = text_field("Name", 100, required="Enter the level's name")
    description = long_text_field("Description (optional)", max_length=2000)


# --- People -----------------------------------------------------------------------------------


def _optional_choice(label: str, queryset: QuerySet[Any], empty_label: str, invalid: str) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=queryset,
        required=False,
        empty_label=empty_label,
        error_messages={"invalid_choice": invalid},
    )


class PersonForm(forms.Form):
    """What is configured about a person. ``own=True``: the admin themselves, without the parts of
    their access they may never change (the service refuses them anyway)."""

    first_name = text_field("First name", 150, required="Enter their first name")
    last_name = text_field("Last name", 150, required="Enter their last name")
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        required=False,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.gov.uk"},
    )
    job_title = text_field("Job title (optional)", 200)
    phone = text_field("Phone (optional)", 50)
    agency = _optional_choice("Agency", Agency.objects.order_by("name"), "No agency", "Choose an agency")
    clearance = _optional_choice(
        "Clearance level", ClearanceLevel.objects.order_by("rank"), "No clearance", "Choose a clearance level"
    )
    roles = forms.MultipleChoiceField(
        label="Roles",
        choices=Role.choices,
        required=False,
        widget=GovukCheckboxSelectMultiple,
        help_text="A new role or a higher clearance may wait for a second partnership admin's approval.",
    )

    def __init__(self, *args: Any, own: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].label_from_instance = lambda agency: agency.name  # type: ignore[attr-defined]
        self.fields["clearance"].label_from_instance = lambda level: level.name  # type: ignore[attr-defined]
        if own:
            for name in ("agency", "clearance", "roles"):
                del self.fields[name]

    @staticmethod
    def initial_for(user: User) -> dict[str, Any]:
        fields = ("first_name", "last_name", "email", "job_title", "phone", "agency", "clearance", "roles")
        return {name: getattr(user, name) for name in fields}


class InviteForm(PersonForm):
    username = text_field("Username", 150, required="Enter a username", help_text="They sign in with this.")
    field_order = ["username", "first_name", "last_name", "email"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.required, email.help_text = True, "The invitation goes here."
        email.error_messages["required"] = "Enter their email address, for the invitation"

    def values(self) -> dict[str, Any]:
        """``services.create_user`` arguments."""
        return dict(self.cleaned_data)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "The first line names the columns: username, first_name, last_name, email, job_title, agency "
            f"(its name), clearance_rank and roles (separated by semicolons). At most {MAX_IMPORT_ROWS} people."
        ),
        error_messages={"required": "Choose a CSV file", "empty": "The file is empty"},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> str:
        """The file's text (``cleaned_data["file"]`` is the text, not the upload)."""
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(f"The file must be smaller than {MAX_IMPORT_BYTES // 1024} KB")
        try:
            return str(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise forms.ValidationError("The file must be a CSV saved as UTF-8") from exc


class ImportConfirmForm(forms.Form):
    """The checked file, carried back signed so the import runs on exactly what was previewed."""

    payload = forms.CharField(widget=forms.HiddenInput)

    @staticmethod
    def sign(text: str) -> str:
        return signing.dumps(text, salt=IMPORT_SALT, compress=True)

    def clean_payload(self) -> str:
        try:
            return str(signing.loads(self.cleaned_data["payload"], salt=IMPORT_SALT, max_age=60 * 60))
        except signing.BadSignature as exc:
            raise forms.ValidationError("Upload the file again") from exc


# --- Panels -----------------------------------------------------------------------------------

TIME_HINT = "Use the 24-hour clock, for example 10:00."


class PanelForm(forms.Form):
    name = text_field("Name", 200, required="Enter the panel's name")
    is_active = yes_box("Active", "An inactive panel keeps its meetings and cases; no new meetings are planned.")
    chair = forms.ModelChoiceField(
        label="Chair",
        queryset=User.objects.none(),
        help_text="People with the panel chair role in an agency.",
        error_messages={"required": "Choose the chair", "invalid_choice": "Choose the chair"},
    )
    deputy_chair = forms.ModelChoiceField(
        label="Deputy chair (optional)",
        queryset=User.objects.none(),
        required=False,
        empty_label="No deputy",
        error_messages={"invalid_choice": "Choose the deputy chair"},
    )
    member_agencies = forms.ModelMultipleChoiceField(
        label="Member agencies",
        queryset=Agency.objects.none(),
        required=False,
        widget=GovukCheckboxSelectMultiple,
        help_text="Each member agency reads the panel pack of the cases on its agenda.",
    )
    cadence_weeks = number_field("Weeks between meetings", least=1, most=52)
    first_meeting_on = date_field(
        "Date of the first meeting",
        "The date of the first meeting",
        help_text=date_hint("Later meetings follow the cadence.", days_ahead=14),
    )
    first_meeting_time = forms.TimeField(
        label="Time of the first meeting",
        help_text=TIME_HINT,
        input_formats=["%H:%M", "%H.%M"],
        error_messages={"required": "Enter the time of the first meeting", "invalid": TIME_HINT},
    )
    meeting_duration_minutes = number_field("Meeting length in minutes", least=15, most=600)
    venue = text_field("Venue (optional)", 300)
    call_link = forms.URLField(
        label="Call link (optional)",
        required=False,
        assume_scheme="https",
        max_length=200,
        error_messages={"invalid": "Enter the call link as a web address, like https://meet.example.gov.uk/panel"},
    )
    quorum_requires_chair = yes_box("The chair (or deputy) must attend for the meeting to be quorate")
    quorum_required_kinds = kinds_field(
        "Agency kinds that must attend", help_text="The meeting is quorate only when each of these is present."
    )
    quorum_min_agencies = number_field(
        "Least number of member agencies attending", least=1, most=50, help_text="Including the required ones."
    )
    notice_days_before = number_field("Days before a meeting its notice goes to members", least=0, most=60)
    papers_days_before = number_field("Days before a meeting its papers go to members", least=0, most=60)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chairs = selectors.chair_candidates().order_by("last_name", "first_name", "username")
        for name in ("chair", "deputy_chair"):
            choice = self.fields[name]
            choice.queryset = chairs  # type: ignore[attr-defined]
            choice.label_from_instance = lambda u: f"{u.get_full_name() or u.username}"  # type: ignore[attr-defined]
        members = self.fields["member_agencies"]
        members.queryset = Agency.objects.filter(is_active=True).order_by("name")  # type: ignore[attr-defined]
        members.label_from_instance = lambda agency: agency.name  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(panel: Panel | None) -> dict[str, Any]:
        if panel is None:
            return {
                "is_active": True,
                "cadence_weeks": 6,
                "meeting_duration_minutes": 120,
                "quorum_requires_chair": True,
                "quorum_min_agencies": 3,
                "notice_days_before": 7,
                "papers_days_before": 1,
            }
        first = timezone.localtime(panel.first_meeting_at)
        initial = {key: getattr(panel, key) for key in PANEL_FORM_KEYS}
        initial.update(
            first_meeting_on=first.date(),
            first_meeting_time=first.time().strftime("%H:%M"),
            member_agencies=[m.agency_id for m in panel.memberships.all()],
        )
        return initial

    def panel_values(self) -> dict[str, Any]:
        """``services.create_panel`` / ``update_panel`` values (everything but the members)."""
        data = self.cleaned_data
        values = {key: data[key] for key in PANEL_FORM_KEYS}
        values["quorum_required_kinds"] = sorted(data["quorum_required_kinds"])
        when = dt.datetime.combine(data["first_meeting_on"], data["first_meeting_time"])
        values["first_meeting_at"] = timezone.make_aware(when)
        return values


# What the panel form edits as it stands (the first meeting is asked as a date and a time).
PANEL_FORM_KEYS = tuple(key for key in PANEL_KEYS if key != "first_meeting_at")


# --- Partnership settings ---------------------------------------------------------------------


class SettingsForm(forms.Form):
    """Each setting is explained as its field in ``PartnershipSettings`` is (its help text)."""

    urgent_screening_working_days = number_field("Urgent referrals: working days to screen", least=1, most=30)
    priority_screening_working_days = number_field("Priority referrals: working days to screen", least=1, most=30)
    screening_working_days = number_field("Routine referrals: working days to screen", least=1, most=60)
    information_request_working_days = number_field("Working days to answer an information request", least=1, most=60)
    draft_retention_days = number_field("Days an unsubmitted draft is kept", least=1, most=365)
    break_glass_minutes = number_field("Minutes a break-glass opening lasts", least=5, most=480)
    second_admin_approval = yes_box("A second partnership admin approves raised clearances and new roles")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.help_text = str(getattr(PartnershipSettings._meta.get_field(name), "help_text", ""))
