"""All ORM tables, imported here so that ``Base.metadata`` is complete for Alembic and the model/migration test."""

from app.models.agency import Agency, CaseCounter
from app.models.base import Base
from app.models.calendar import CalendarDay, CalendarYear
from app.models.case import CaseEvent, CaseReview, DisclosureCase
from app.models.token import ApiToken
from app.models.user import AppUser, Membership, UserSession

__all__ = [
    "Agency",
    "ApiToken",
    "AppUser",
    "Base",
    "CalendarDay",
    "CalendarYear",
    "CaseCounter",
    "CaseEvent",
    "CaseReview",
    "DisclosureCase",
    "Membership",
    "UserSession",
]
