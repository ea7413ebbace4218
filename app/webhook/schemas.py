from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.inputs import LINE, Url
from app.webhook.events import EventType

DeliveryStatus = Literal["pending", "delivered", "failed"]


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"agency": "nrb", "url": "https://oa.example.gov.cn/gongkai/events", "events": ["case.concluded"]}
            ]
        },
    )

    agency: Annotated[str, StringConstraints(min_length=1, max_length=32), LINE]
    url: Url
    events: Annotated[list[EventType], Field(min_length=1)] = Field(
        default_factory=lambda: list(EventType), description="Event types to receive (default: all)"
    )


class SubscriptionRead(BaseModel):
    id: int
    agency: str
    url: str
    events: list[str]
    active: bool
    created_at: datetime
    created_by: str


class SubscriptionCreated(SubscriptionRead):
    secret: str = Field(description="The signing secret. Shown only in this response: store it now.")


class DeliveryRead(BaseModel):
    id: int
    event_id: uuid.UUID
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
