"""Admin endpoints for outbound webhooks. Thin: the rules are in ``app.webhook.service``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from app.auth.dependencies import PrincipalDep
from app.deps import SessionDep, SettingsDep, UnitRoute
from app.inputs import RowId
from app.models import WebhookDelivery, WebhookSubscription
from app.webhook import delivery, service
from app.webhook.schemas import (
    DeliveryRead,
    DeliveryStatus,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionRead,
)

router = APIRouter(route_class=UnitRoute, prefix="/webhooks", tags=["webhooks"])

ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Needs token.manage or agency.manage (problem+json)"},
    404: {"description": "No such subscription in your agencies (problem+json)"},
}


def _read(subscription: WebhookSubscription) -> SubscriptionRead:
    return SubscriptionRead(
        id=subscription.id,
        agency=subscription.agency.code,
        url=subscription.url,
        events=subscription.event_types,
        active=subscription.active,
        created_at=subscription.created_at,
        created_by=subscription.created_by,
    )


def _delivery(row: WebhookDelivery) -> DeliveryRead:
    return DeliveryRead(
        id=row.id,
        event_id=row.event_id,
        event_type=row.event.type,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_status_code=row.last_status_code,
        last_error=delivery.public_error(row.last_error, row.last_status_code),
        delivered_at=row.delivered_at,
    )


@router.post("", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def create_subscription(
    body: SubscriptionCreate, session: SessionDep, principal: PrincipalDep, settings: SettingsDep, response: Response
) -> SubscriptionCreated:
    """Subscribe an endpoint to an agency's events. The signing secret is in this response only. The endpoint must
    be public (not loopback, private, link-local or a metadata address) unless its host is in
    ``GONGKAI_WEBHOOK_ALLOW_HOSTS``."""
    subscription, secret = service.create_subscription(
        session, principal, body.agency, str(body.url), body.events, settings.webhook_allow_host_list
    )
    response.headers["Location"] = f"/api/v1/webhooks/{subscription.id}"
    response.headers["Cache-Control"] = "no-store"
    return SubscriptionCreated(**_read(subscription).model_dump(), secret=secret)


@router.get("", responses=ERRORS)
def list_subscriptions(session: SessionDep, principal: PrincipalDep) -> list[SubscriptionRead]:
    return [_read(s) for s in service.list_subscriptions(session, principal)]


@router.delete("/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
def delete_subscription(subscription_id: RowId, session: SessionDep, principal: PrincipalDep) -> None:
    """Stop sending to this endpoint; its pending deliveries are given up (marked failed)."""
    service.delete_subscription(session, principal, subscription_id)


@router.get("/{subscription_id}/deliveries", responses=ERRORS)
def list_deliveries(
    subscription_id: RowId,
    session: SessionDep,
    principal: PrincipalDep,
    status_: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryRead]:
    """The latest deliveries to this endpoint, newest first."""
    return [_delivery(d) for d in service.list_deliveries(session, principal, subscription_id, status_, limit)]
