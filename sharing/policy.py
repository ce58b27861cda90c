"""Who may see and change what. The ONLY place that decides.

A user may read a shareable record when all of these hold:
  * they are an active user in a case-working role with an agency (rule 8);
  * their agency's group holds an unexpired grant on it (rule 4, guardian
    direct foreign-key table), or they hold an unexpired break-glass opening;
  * their clearance rank is at least the record's classification (rule 4);
  * it is not originator-only, or they are in its owning agency;
  * drafts are readable by their author alone.
Everything the user may not read does not exist for them (404, rule 7).
Lists are computed in SQL from the grant table, one query, never in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import BooleanField, Exists, ExpressionWrapper, Model, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from core.errors import NotFound, PermissionDenied
from partnership.models import CASE_WORKING_ROLES, Agency, Role
from sharing.models import BreakGlass, ShareableChildModel, ShareableModel

S = TypeVar("S", bound=ShareableModel)
C = TypeVar("C", bound=ShareableChildModel)


class Viewer(Protocol):
    """Whoever the policy decides for: a signed-in user (partnership.models.User), as the policy reads it.

    Read-only members, so any user-like object with these attributes fits; the policy never writes.
    """

    @property
    def pk(self) -> Any: ...
    @property
    def is_authenticated(self) -> bool: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def agency_id(self) -> int | None: ...
    @property
    def agency(self) -> Agency | None: ...
    @property
    def clearance_rank(self) -> int: ...
    @property
    def roles(self) -> Sequence[str]: ...


class Action(StrEnum):
    """What the policy itself decides. Who may do anything else (screen, share, transition, note, mark,
    export...) is a capability in the record's app's ``permissions.py``, built on ``read_basis``."""

    VIEW = "view"
    CHANGE = "change"
    DOWNLOAD = "download"


class ReadBasis(StrEnum):
    """Why a user may read a record they may read (DESIGN.md rules 4, 9 and 11)."""

    GRANT = "grant"
    """Through their agency's grant (or as a draft's own author): reading, and whatever their
    role and relation to the record allow."""
    BREAK_GLASS = "break_glass"
    """Only through their own break-glass opening: reading alone, and every read is flagged."""


BREAK_GLASS_READS_ONLY = "Break-glass gives reading only."

# ``with_read_basis`` notes on each row for whom, and whether the grant (not break-glass) lets them read it.
_BASIS_FOR = "sharing_read_basis_for"
_VIA_GRANT = "sharing_read_via_grant"


def is_case_worker(user: Viewer | None) -> bool:
    """Rule 8: admins, auditors and superusers read no case content by role alone."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.agency_id is not None
        and user.agency is not None
        and user.agency.is_active
        and CASE_WORKING_ROLES.intersection(user.roles)
    )


# --- Standings a role gives outside any record (who is told; who runs an agency's queue) -----------


def is_auditor(roles: Collection[str]) -> bool:
    """An auditor reads the audit trail (never case content by that role alone, rule 8)."""
    return Role.AUDITOR in roles


def holds_any_role(user: Any, roles: Collection[str]) -> bool:
    """An active, signed-in user holding one of ``roles`` (a superuser by that alone does not)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and set(roles).intersection(getattr(user, "roles", None) or ())
    )


def is_agency_spoc(roles: Collection[str]) -> bool:
    """An agency's single point of contact: their agency's requests, actions and alerts come to them."""
    return Role.SPOC in roles


def agency_spocs_q(agency_id: int | None) -> Q:
    """The SPOCs of one agency, as a filter on users."""
    return Q(agency_id=agency_id, roles__contains=[Role.SPOC])


def hears_of_break_glass(roles: Collection[str], agency_id: int | None, opener_agency_id: int | None) -> bool:
    """Rule 9: a break-glass opening is flagged to every auditor and to the SPOCs of the opener's agency."""
    spoc = is_agency_spoc(roles) and agency_id is not None and agency_id == opener_agency_id
    return is_auditor(roles) or spoc


def break_glass_audience_q(opener_agency_id: int | None) -> Q:
    """``hears_of_break_glass`` as a filter on users (their being active is checked apart)."""
    return agency_spocs_q(opener_agency_id) | Q(roles__contains=[Role.AUDITOR])


def clearance_rank(user: Viewer) -> int:
    return int(user.clearance_rank) if is_case_worker(user) else 0


def grant_model(model: type[ShareableModel]) -> Any:
    """The record type's grant table (a subclass of ``AgencyGrantBase``, related name ``agency_grants``).

    Typed ``Any``: each table adds its own ``content_object`` foreign key, which the base cannot declare.
    """
    return model._meta.get_field("agency_grants").related_model  # type: ignore[misc]


def _active_grant_q(prefix: str = "") -> Q:
    now = timezone.now()
    return Q(**{f"{prefix}expires_at__isnull": True}) | Q(**{f"{prefix}expires_at__gt": now})


def visible_grants(user: Viewer, model: type[ShareableModel]) -> QuerySet[Any]:
    """The grant rows through which ``user`` reads records of ``model``, newest change first.

    One index range scan on (group, sort_key): this drives every caseload list.
    """
    grants: QuerySet[Any] = grant_model(model).objects.all()
    if not is_case_worker(user) or user.agency is None:
        return grants.none()
    return grants.filter(
        _active_grant_q(),
        group_id=user.agency.group_id,
        classification__lte=user.clearance_rank,
        restricted=False,
    ).order_by("-sort_key")


def withheld_grants(user: Viewer, model: type[ShareableModel]) -> QuerySet[Any]:
    """The grant rows of ``user``'s agency on records above their clearance: counted ("N withheld"),
    never shown (rule 6). Another agency's originator-only records do not exist for them and are not counted."""
    grants: QuerySet[Any] = grant_model(model).objects.all()
    if not is_case_worker(user) or user.agency is None:
        return grants.none()
    return grants.filter(
        _active_grant_q(), group_id=user.agency.group_id, classification__gt=user.clearance_rank, restricted=False
    )


def visible(user: Viewer, queryset: QuerySet[S]) -> QuerySet[S]:
    """Filter any queryset of shareable records to what ``user`` may read (a semi-join in SQL)."""
    ids = visible_grants(user, queryset.model).values("content_object_id")
    return queryset.filter(pk__in=ids)


def _break_glass_q(user: Viewer, model: type[Model]) -> Exists:
    return Exists(
        BreakGlass.objects.filter(
            user_id=user.pk,
            content_type=ContentType.objects.get_for_model(model),
            object_id=OuterRef("pk"),
            expires_at__gt=timezone.now(),
        )
    )


def _detail_rules(user: Viewer, agency: Agency, model: type[ShareableModel]) -> tuple[Any, Any]:
    """(read through a grant or as a draft's author, read only through break-glass): the two ways a
    case worker of ``agency`` reads a record's detail, as SQL conditions on the record's rows."""
    granted = Exists(
        grant_model(model).objects.filter(
            _active_grant_q(), content_object_id=OuterRef("pk"), group_id=agency.group_id, restricted=False
        )
    )
    draft_q = model.draft_filter
    drafts = (draft_q & Q(created_by_id=user.pk)) if draft_q is not None else Q(pk__in=[])
    submitted = ~draft_q if draft_q is not None else Q()
    readable = (
        submitted
        & Q(classification__lte=user.clearance_rank)
        & (Q(originator_only=False) | Q(owning_agency_id=user.agency_id))
    )
    return drafts | (readable & granted), readable & _break_glass_q(user, model)


def visible_for_detail(user: Viewer, queryset: QuerySet[S]) -> QuerySet[S]:
    """Like ``visible`` plus the user's own drafts and break-glass openings (detail pages only)."""
    if not is_case_worker(user) or user.agency is None:
        return queryset.none()
    normal, break_glass = _detail_rules(user, user.agency, queryset.model)
    return queryset.filter(normal | break_glass)


def with_read_basis(user: Viewer, queryset: QuerySet[S]) -> QuerySet[S]:
    """``visible_for_detail``, each row noting how ``user`` reads it, so that ``read_basis`` (and every
    capability built on it) answers for the rows fetched here without another query."""
    if not is_case_worker(user) or user.agency is None:
        return queryset.none()
    normal, break_glass = _detail_rules(user, user.agency, queryset.model)
    noted: QuerySet[S] = queryset.filter(normal | break_glass).annotate(
        **{_BASIS_FOR: Value(user.pk), _VIA_GRANT: ExpressionWrapper(normal, output_field=BooleanField())}
    )
    return noted


def _noted_basis(user: Viewer, record: Model) -> ReadBasis | None:
    """The basis ``with_read_basis`` noted on the row for this user, if it did."""
    if getattr(record, _BASIS_FOR, None) != user.pk:
        return None
    return ReadBasis.GRANT if getattr(record, _VIA_GRANT) else ReadBasis.BREAK_GLASS


def read_basis(user: Viewer, record: ShareableModel) -> ReadBasis | None:
    """How ``user`` reads ``record``: through a grant, only through break-glass, or not at all (None).

    One query; none when the record was fetched through ``with_read_basis`` for this user, or when
    the record itself says no (a draft, its classification, another agency's originator-only record).
    """
    if not is_case_worker(user):
        return None
    noted = _noted_basis(user, record)
    if noted is not None:
        return noted
    if record.is_draft:
        return ReadBasis.GRANT if record.created_by_id == user.pk else None
    if record.classification > user.clearance_rank:
        return None
    if record.originator_only and record.owning_agency_id != user.agency_id:
        return None
    via_grant = (
        with_read_basis(user, type(record)._default_manager.filter(pk=record.pk))
        .values_list(_VIA_GRANT, flat=True)
        .first()
    )
    if via_grant is None:
        return None
    return ReadBasis.GRANT if via_grant else ReadBasis.BREAK_GLASS


def _child_rules_allow(user: Viewer, child: ShareableChildModel) -> bool:
    """A child record's own rules: a case worker cleared for its classification, inside its agency when
    it is originator-only. Its parent decides the rest."""
    if not is_case_worker(user) or child.classification > user.clearance_rank:
        return False
    return not (child.originator_only and child.owning_agency_id != user.agency_id)


def child_read_basis(user: Viewer, child: ShareableChildModel) -> ReadBasis | None:
    """How ``user`` reads a child record: its own clearance and originator rule, then its parent's basis."""
    if not _child_rules_allow(user, child):
        return None
    return read_basis(user, child.shareable_parent)


def under_break_glass(user: Viewer, record: ShareableModel | ShareableChildModel) -> bool:
    """Whether ``user`` reads ``record`` only through break-glass: the audit flag of every read (rule 9)."""
    if isinstance(record, ShareableChildModel):
        return child_read_basis(user, record) is ReadBasis.BREAK_GLASS
    return read_basis(user, record) is ReadBasis.BREAK_GLASS


def reads_through_grant(user: Viewer, record: ShareableModel) -> bool:
    """The first half of every capability beyond reading: a reader through their agency's grant (rule 11)."""
    return read_basis(user, record) is ReadBasis.GRANT


def require_capability(user: Viewer, record: ShareableModel, *, allowed: bool, refusal: str) -> None:
    """The one way a capability refuses (each app's ``permissions.require`` ends here).

    ``NotFound`` when the record does not exist for the user (rule 7); "Break-glass gives reading
    only." when they read it only through break-glass (rule 11); ``refusal`` when they read it through
    their agency's grant but their role or relation to it (``allowed``) does not let them act.
    """
    basis = read_basis(user, record)
    if basis is None:
        raise NotFound("Not found.")
    if basis is ReadBasis.BREAK_GLASS:
        raise PermissionDenied(BREAK_GLASS_READS_ONLY)
    if not allowed:
        raise PermissionDenied(refusal)


def may_break_glass(user: Viewer, record: ShareableModel) -> bool:
    """Who may open a record by break-glass (rule 9): a case worker, a submitted record, and still within
    their clearance and (for an originator-only record) their own agency. No query."""
    return bool(
        is_case_worker(user)
        and not record.is_draft
        and record.classification <= user.clearance_rank
        and not (record.originator_only and record.owning_agency_id != user.agency_id)
    )


K = TypeVar("K", bound=StrEnum)


@dataclass(frozen=True)
class RecordCapabilities(Generic[K, S]):
    """An app's capabilities over one kind of record, as its ``permissions.py`` declares them: for each, the
    actor's role or relation to the record (``relations``) and what a refusal says (``refusals``), asked of
    a reader through their agency's grant; and the one capability that is break-glass (``may_break_glass``).
    """

    relations: Mapping[K, Callable[[Viewer, S], bool]]
    refusals: Mapping[K, str]
    break_glass: K

    def can(self, user: Viewer, capability: K, record: S) -> bool:
        if capability is self.break_glass:
            return may_break_glass(user, record)
        return self.relations[capability](user, record) and reads_through_grant(user, record)

    def require(self, user: Viewer, capability: K, record: S) -> None:
        """``require_capability``; break-glass is asked of someone who may not read the record, so its
        refusal is always ``NotFound``: it says nothing about the record."""
        if capability is self.break_glass:
            if not may_break_glass(user, record):
                raise NotFound("Not found.")
            return
        allowed = self.relations[capability](user, record)
        require_capability(user, record, allowed=allowed, refusal=self.refusals[capability])


def can_view(user: Viewer, obj: ShareableModel) -> bool:
    """One query (none when the answer is known from the record itself)."""
    if not is_case_worker(user):
        return False
    if obj.is_draft:
        return bool(obj.created_by_id == user.pk)
    if obj.classification > user.clearance_rank:
        return False
    if obj.originator_only and obj.owning_agency_id != user.agency_id:
        return False
    if _noted_basis(user, obj) is not None:
        return True
    return visible_for_detail(user, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def can_view_child(user: Viewer, child: ShareableChildModel, *, parent_visible: bool | None = None) -> bool:
    if not _child_rules_allow(user, child):
        return False
    return can_view(user, child.shareable_parent) if parent_visible is None else parent_visible


def _summary_q(summary_field: str | None) -> Q:
    return ~Q(**{summary_field: ""}) if summary_field else Q(pk__in=[])


def visible_children(user: Viewer, queryset: QuerySet[C], *, summary_field: str | None = None) -> QuerySet[C]:
    """Children of a record the user can already read, cut to their clearance and agency.

    With ``summary_field``, a child above the user's clearance that has a releasable
    summary is included: the reader gets the summary only (see ``reads_in_full``).
    """
    if not is_case_worker(user):
        return queryset.none()
    return queryset.filter(
        Q(classification__lte=user.clearance_rank) | _summary_q(summary_field),
        Q(originator_only=False) | Q(owning_agency_id=user.agency_id),
    )


def withheld_children(user: Viewer, queryset: QuerySet[C], *, summary_field: str | None = None) -> QuerySet[C]:
    """Children above the user's clearance with nothing releasable: counted ("N withheld"), never shown (rule 6).

    Originator-only children of other agencies do not exist for the reader and are not counted.
    """
    if not is_case_worker(user):
        return queryset.none()
    return queryset.filter(
        Q(classification__gt=user.clearance_rank),
        ~_summary_q(summary_field),
        Q(originator_only=False) | Q(owning_agency_id=user.agency_id),
    )


def reads_in_full(user: Viewer, child: ShareableChildModel) -> bool:
    """Whether the reader sees a visible child's full content, or only its releasable summary."""
    return is_case_worker(user) and child.classification <= user.clearance_rank


def can(user: Viewer, action: Action, obj: ShareableModel | ShareableChildModel) -> bool:
    if isinstance(obj, ShareableChildModel):
        if action in (Action.VIEW, Action.DOWNLOAD):
            return can_view_child(user, obj)
        return can_view_child(user, obj) and obj.created_by_id == user.pk
    if action is Action.VIEW:
        return can_view(user, obj)
    if action is Action.CHANGE:
        return obj.is_draft and can_view(user, obj)
    return False


def require(user: Viewer, action: Action, obj: ShareableModel | ShareableChildModel) -> None:
    """Raise NotFound when the user may not read it (rule 7), PermissionDenied when they may read but not act."""
    readable = can(user, Action.VIEW, obj)
    if not readable:
        raise NotFound("Not found.")
    if action is not Action.VIEW and not can(user, action, obj):
        raise PermissionDenied("You cannot do that to this record.")


def readers_of(records: Iterable[ShareableModel], user_ids: Iterable[int]) -> set[tuple[int, int]]:
    """Which of ``user_ids`` may read which of ``records`` (one model): ``(user id, record id)`` pairs, one query.

    For telling people about a record (DESIGN.md rule 12): the same rules as ``can_view``, from
    the other side, for a batch of candidate people at once. A break-glass opening does not count:
    it lets its holder read one record for a while, never be told about it.
    """
    by_pk = {r.pk: r for r in records}
    wanted = set(user_ids)
    if not by_pk or not wanted:
        return set()
    model = type(next(iter(by_pk.values())))
    grants = grant_model(model).objects.filter(
        _active_grant_q(),
        content_object_id__in=list(by_pk),
        group_id=OuterRef("agency__group_id"),
        classification__lte=OuterRef("clearance__rank"),
        restricted=False,
    )
    people = (
        get_user_model()
        .objects.filter(
            pk__in=wanted,
            is_active=True,
            agency__isnull=False,
            agency__is_active=True,
            roles__overlap=sorted(CASE_WORKING_ROLES),
        )
        .annotate(granted=ArraySubquery(grants.values("content_object_id")))
        .values_list("pk", "agency_id", "clearance__rank", "granted")
    )
    pairs = set()
    for pk, agency_id, rank, granted in people:
        for record in by_pk.values():
            if record.is_draft:
                readable = record.created_by_id == pk
            else:
                readable = (
                    record.pk in granted
                    and record.classification <= (rank or 0)
                    and not (record.originator_only and record.owning_agency_id != agency_id)
                )
            if readable:
                pairs.add((pk, record.pk))
    return pairs
