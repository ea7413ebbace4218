"""Managing webhook subscriptions: an agency administrator's business (``token.manage`` or ``agency.manage``)."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from typing import Any

from sqlalchemy.orm import Session

from app import keys
from app.agency.repository import get_agency
from app.audit import service as audit
from app.auth.principal import Principal
from app.clock import utcnow
from app.domain.errors import Forbidden, NotFound
from app.domain.roles import Permission
from app.models import WebhookDelivery, WebhookSubscription
from app.webhook import destination, repository
from app.webhook.events import EventType


def managed_agencies(principal: Principal) -> frozenset[int]:
    return principal.agency_ids(Permission.TOKEN_MANAGE) | principal.agency_ids(Permission.AGENCY_MANAGE)


def _check(principal: Principal, agency_id: int, missing: NotFound) -> None:
    """404 outside the principal's scope (existence does not leak), 403 inside it without a managing role."""
    if agency_id not in principal.scope:
        raise missing
    if agency_id not in managed_agencies(principal):
        raise Forbidden("forbidden", "管理事件订阅须具有令牌管理或机关管理权限。")


def require_manager(principal: Principal) -> None:
    if not managed_agencies(principal):
        raise Forbidden("forbidden", "管理事件订阅须具有令牌管理或机关管理权限。")


def create_subscription(
    session: Session,
    principal: Principal,
    agency_code: str,
    url: str,
    events: list[EventType],
    allow_hosts: Collection[str],
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its signing secret, which is stored encrypted (``app.keys``) and shown only now. The
    destination must be public unless allow-listed (``app.webhook.destination``)."""
    agency = get_agency(session, agency_code)
    _check(principal, agency.id, NotFound("agency_not_found", f"机关代码「{agency_code}」不存在。"))
    destination.check_url(url, allow_hosts)
    secret = "whsec_" + secrets.token_urlsafe(32)
    subscription = WebhookSubscription(
        agency_id=agency.id,
        url=url,
        event_types=sorted({e.value for e in events}),
        secret=keys.of(session).encrypt(secret),
        active=True,
        created_at=utcnow(),
        created_by=principal.actor,
    )
    session.add(subscription)
    session.flush()
    _audit(session, subscription, "webhook.create", None, principal.actor)
    return subscription, secret


def _state(subscription: WebhookSubscription) -> dict[str, Any]:
    return audit.snapshot(subscription, exclude=("secret",))


def _audit(
    session: Session, subscription: WebhookSubscription, action: str, before: dict[str, Any] | None, actor: str
) -> None:
    audit.record(
        session,
        agency=subscription.agency,
        actor=actor,
        action=action,
        entity="webhook_subscription",
        entity_id=subscription.id,
        before=before,
        after=_state(subscription),
    )


def reencrypt_secrets(session: Session) -> int:
    """Encrypt every signing secret under the current key (after a key rotation, or for secrets stored in clear
    before encryption); returns how many were changed."""
    ring = keys.of(session)
    changed = 0
    for subscription in repository.all_subscriptions(session):
        if not ring.is_current(subscription.secret):
            subscription.secret = ring.encrypt(ring.decrypt(subscription.secret))
            changed += 1
    session.flush()
    return changed


def list_subscriptions(session: Session, principal: Principal) -> list[WebhookSubscription]:
    require_manager(principal)
    return repository.subscriptions(session, managed_agencies(principal))


def get_subscription(session: Session, principal: Principal, subscription_id: int) -> WebhookSubscription:
    missing = NotFound("subscription_not_found", f"订阅 {subscription_id} 不存在或不在您的权限范围内。")
    subscription = repository.subscription(session, subscription_id, principal.scope)
    if subscription is None or not subscription.active:
        raise missing
    _check(principal, subscription.agency_id, missing)
    return subscription


def delete_subscription(session: Session, principal: Principal, subscription_id: int) -> None:
    """Deactivate: the deliveries stay as a record; those still pending are given up."""
    subscription = get_subscription(session, principal, subscription_id)
    before = _state(subscription)
    subscription.active = False
    repository.abandon_pending(session, subscription.id, "subscription deleted")
    session.flush()
    _audit(session, subscription, "webhook.delete", before, principal.actor)


def list_deliveries(
    session: Session, principal: Principal, subscription_id: int, status: str | None, limit: int
) -> list[WebhookDelivery]:
    subscription = get_subscription(session, principal, subscription_id)
    return repository.deliveries(session, subscription.id, status, limit)
