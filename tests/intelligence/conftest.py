"""The tension world: the standard partnership with wards, and reports recorded through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from intelligence import services
from intelligence.models import Area, AssessmentDimension, SelfAssessment, TensionReport
from partnership.models import Role, User
from tests.world import Partnership, new_user


class TensionWorld(Partnership):
    """The standard partnership plus: two wards; a council community officer (rank 2, practitioner); a
    probation practitioner (rank 3) never shared with; a partnership admin and an auditor; and the
    police SPOC (rank 3)."""

    def __init__(self) -> None:
        super().__init__()
        self.north = Area.objects.create(name="North Ward")
        self.east = Area.objects.create(name="East Ward", kind=Area.Kind.NEIGHBOURHOOD)
        self.probation = self.agencies(probation_agency=("Probation",)).probation_agency  # type: ignore[attr-defined]
        self.people(
            officer_council=(self.council, 2, Role.PRACTITIONER),
            police_spoc=(self.police, 3, Role.SPOC),
            outsider=(self.probation, 3, Role.PRACTITIONER),
            admin=(None, 3, Role.PARTNERSHIP_ADMIN),
            auditor=(None, 3, Role.AUDITOR),
        )

    def report(self, author: User | None = None, **changes: Any) -> TensionReport:
        """A report by ``author`` (the council officer unless said): a Baseline protest in North Ward."""
        fields: dict[str, Any] = {
            "occurred_on": timezone.localdate(),
            "area": self.north,
            "category": "protest",
            "level": 3,
            "trend": "rising",
            "summary": "Leaflets calling for a march past the mosque",
            "details": "Seen on lamp posts on the high street.",
            "classification": 1,
            **changes,
        }
        return services.record_tension_report(actor=author or self.officer_council, **fields)  # type: ignore[attr-defined]

    def share(self, report: TensionReport, *agencies: Any, by: User | None = None) -> None:
        for agency in agencies:
            services.share_tension_report(
                actor=by or report.created_by, report_id=report.pk, agency=agency, reason="Weekly review"
            )

    def assessed_years(self, rows: int) -> list[SelfAssessment]:
        """``rows`` years from 2010, started by the admin, each with its first ``rows`` dimensions scored 3
        and ``rows`` actions, each owned by a new member and improving a dimension in turn."""
        dimensions = list(AssessmentDimension.objects.all())
        made = []
        for i in range(rows):
            year = services.start_self_assessment(actor=self.admin, year=2010 + i)  # type: ignore[attr-defined]
            for dimension in dimensions[:rows]:
                services.score_dimension(
                    actor=self.admin,  # type: ignore[attr-defined]
                    assessment_id=year.pk,
                    dimension=dimension,
                    score=3,
                    evidence="Shown",
                )
            for j in range(rows):
                services.add_assessment_action(
                    actor=self.admin,  # type: ignore[attr-defined]
                    assessment_id=year.pk,
                    description=f"Step {i}.{j}",
                    owner=new_user(self.school, 1),
                    dimension=dimensions[j % len(dimensions)],
                    due_date=self.days_ago(-9),
                )
            made.append(year)
        return made

    def days_ago(self, days: int) -> dt.date:
        return timezone.localdate() - dt.timedelta(days=days)


@pytest.fixture
def world(db: Any) -> TensionWorld:
    return TensionWorld()
