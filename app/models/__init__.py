"""All ORM tables, imported here so that ``Base.metadata`` is complete for Alembic and the model/migration test."""

from app.models.agency import Agency, CaseCounter
from app.models.audit import AuditChainHead, AuditRecord
from app.models.base import Base
from app.models.calendar import CalendarDay, CalendarYear
from app.models.case import CaseEvent, CaseReview, DisclosureCase
from app.models.document import CaseDocument, DocumentDelivery, DocumentTemplate, LetterCounter, LetterProfile
from app.models.idempotency import IdempotencyKey
from app.models.overdue import OverdueRun
from app.models.report import ActiveDisclosure, AnnualReportText, ReportSnapshot, ReportSnapshotChange
from app.models.token import ApiToken
from app.models.user import AppUser, LoginThrottle, Membership, UserSession
from app.models.webhook import OutboxEvent, WebhookDelivery, WebhookSubscription

__all__ = [
    "ActiveDisclosure",
    "Agency",
    "AnnualReportText",
    "ApiToken",
    "AppUser",
    "AuditChainHead",
    "AuditRecord",
    "Base",
    "CalendarDay",
    "CalendarYear",
    "CaseCounter",
    "CaseDocument",
    "CaseEvent",
    "CaseReview",
    "DisclosureCase",
    "DocumentDelivery",
    "DocumentTemplate",
    "IdempotencyKey",
    "LetterCounter",
    "LetterProfile",
    "LoginThrottle",
    "Membership",
    "OutboxEvent",
    "OverdueRun",
    "ReportSnapshot",
    "ReportSnapshotChange",
    "UserSession",
    "WebhookDelivery",
    "WebhookSubscription",
]
