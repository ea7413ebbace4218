from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from app.domain.codes import ApplicantType
from app.domain.lifecycle import CaseStatus
from app.domain.overdue import FindingKind


class OverdueItem(BaseModel):
    """One deadline of one case: a line of the report."""

    case_id: int
    case_number: str
    external_ref: str | None
    agency: str
    kind: FindingKind
    kind_label: str
    due_date: date
    working_days: int = Field(description="Working days left (0 on the day itself); negative when past")
    applicant_type: ApplicantType
    received_date: date
    status: CaseStatus
    status_label: str
    handler: str | None
    provisional: bool = Field(description="Some date lies in a year without a holiday arrangement yet")
    letter: str | None = Field(None, description="delivery_not_recorded: the letter (title and 文号)")
    document_id: int | None = Field(None, description="delivery_not_recorded: the generated letter, if any")
    step_seq: int | None = Field(None, description="delivery_not_recorded: the timeline step the letter reports")

    @property
    def key(self) -> tuple[int, str, int | None, int | None]:
        return self.case_id, self.kind.value, self.document_id, self.step_seq


class OverdueChanges(BaseModel):
    """What changed since the previous run of the same scope: diff on (case, kind, letter)."""

    since_run_id: int | None
    since_as_of: date | None
    new: list[OverdueItem]
    resolved: list[OverdueItem]


class OverdueReport(BaseModel):
    as_of: date
    scope: str = Field(description="An agency code, or * for every agency in scope")
    due_within: int
    run_id: int | None = Field(description="The recorded run (nightly command); null for an ad-hoc API request")
    counts: dict[FindingKind, int]
    items: list[OverdueItem]
    changes: OverdueChanges | None = Field(description="Only on a recorded run")
