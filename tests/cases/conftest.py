"""The readers around a referral or case that the screening and case pages are tried with."""

from __future__ import annotations

from partnership.models import Role
from tests.world import Partnership, new_agency


class Readers(Partnership):
    """The standard partnership, plus housing (never granted) with a practitioner and SPOC at the top
    clearance (``outsider``), the admin and the auditor (top clearance), a police screening officer at
    Baseline and a school practitioner at Security Check."""

    def __init__(self) -> None:
        super().__init__()
        self.housing = new_agency("Housing")
        self.people(
            outsider=(self.housing, 3, Role.PRACTITIONER, Role.SPOC),
            admin=(None, 3, Role.PARTNERSHIP_ADMIN),
            auditor=(None, 3, Role.AUDITOR),
            police_baseline=(self.police, 1, Role.SCREENING_OFFICER),
            sc_teacher=(self.school, 2, Role.PRACTITIONER),
        )
