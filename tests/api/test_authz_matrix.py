"""The authorization matrix: every route under /api/v1 × every role × {own agency, another agency, the parent agency
reading a child}. Each route states the permission it needs here; a route missing from ``ROUTES`` fails the test, so
new endpoints must join the matrix.

The expected answer follows from ``app.domain.roles`` alone:

* ``agency`` routes act on an object of agency ``a``: outside the principal's scope (its agencies, plus children for
  read-down roles) the object does not exist (404); inside it, the role must hold the permission there (403 if not;
  read-down grants read permissions only);
* ``anywhere`` routes (lists) need the permission in at least one agency (403 if not);
* ``system`` routes (changing the national calendar) need the system administrator, which no agency role is: 403 for
  every role here (the system administrator is tested in ``tests/security/test_calendar_system.py``);
* ``signed_in`` routes need only an identity; ``public`` routes not even that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from itertools import count

import pytest

from app.agency import repository as agencies
from app.auth import service as auth_service
from app.clock import utcnow
from app.db import transaction
from app.domain.roles import READ_DOWN, READ_PERMISSIONS, Permission, Role, allows
from app.main import create_app
from app.models import WebhookSubscription
from app.settings import Settings
from app.user import service as user_service

API = "/api/v1"
PASSWORD = "orderly-lattice-42"
_serial = count()


class Scope(StrEnum):
    PUBLIC = "public"
    SIGNED_IN = "signed_in"
    ANYWHERE = "anywhere"
    AGENCY = "agency"
    SYSTEM = "system"
    PEOPLE = "people"  # only a person signed in with the session cookie: every bearer token is refused (403)


class Scenario(StrEnum):
    OWN = "own"  # the principal belongs to agency a, which owns the object
    OTHER = "other"  # the principal belongs to agency b
    PARENT = "parent"  # the principal belongs to p, the parent of a


PRINCIPAL_AGENCY = {Scenario.OWN: "a", Scenario.OTHER: "b", Scenario.PARENT: "p"}


@dataclass(frozen=True)
class Call:
    path: str
    body: object = None
    files: dict[str, tuple[str, bytes]] | None = None  # a multipart upload (then ``body`` is its form fields)


Prepare = Callable[["World"], Call]


@dataclass(frozen=True)
class Spec:
    scope: Scope
    permission: Permission | None
    prepare: Prepare


class World:
    """Agencies p ⊃ a and b (and c, no principal's), with helpers that build the object a request acts on (always in
    agency a)."""

    def __init__(self, api) -> None:
        self.api = api
        api.agency("p")
        api.agency("a", parent="p")
        api.agency("b")
        api.agency("c")
        with transaction(api.factory) as session:
            user_service.create_user(
                session, "matrix", "矩阵", PASSWORD, [(agencies.get_agency(session, "a"), Role.CLERK)], actor="test"
            )

    def step(self, case_id: int, path: str, body: dict[str, object]) -> dict[str, object]:
        response = self.api.client.post(f"{API}/cases/{case_id}/{path}", json=body, headers=self.api.headers("a"))
        assert response.status_code in (200, 201), response.text
        result: dict[str, object] = response.json()
        return result

    def case(self, *steps: tuple[str, dict[str, object]]) -> int:
        response = self.api.client.post(f"{API}/cases", json=case_body(), headers=self.api.headers("a"))
        assert response.status_code == 201, response.text
        case_id: int = response.json()["id"]
        for path, body in steps:
            self.step(case_id, path, body)
        return case_id

    def token(self) -> int:
        with transaction(self.api.factory) as session:
            token, _ = auth_service.create_token(session, agencies.get_agency(session, "a"), Role.CLERK, "obj")
        return token.id

    def user(self, *also: str) -> int:
        """A clerk of agency a (and of ``also``)."""
        with transaction(self.api.factory) as session:
            memberships = [(agencies.get_agency(session, code), Role.CLERK) for code in ("a", *also)]
            user = user_service.create_user(session, f"obj{next(_serial)}", "对象", PASSWORD, memberships, actor="test")
        return user.id


def case_body() -> dict[str, object]:
    return {
        "agency": "a",
        "applicant": {"type": "natural_person", "name": "张三", "id_number": "110101199001011234"},
        "channel": "in_person",
        "receipt": {"submitted_on": "2026-03-02"},
        "request": {"description": "某地块征收批复"},
    }


CORRECTION = ("correction-request", {"on": "2026-03-04", "until": "2026-03-20", "items": "请写明文件名称"})
CONSULTATION = ("consultation", {"on": "2026-03-05", "party": "third_party", "addressee": "某公司"})
FEE = ("fee-notice", {"on": "2026-03-05", "amount": 100, "delivered_on": "2026-03-05"})
FEE_UNDELIVERED = ("fee-notice", {"on": "2026-03-05", "amount": 100})
REASONS = ("reasons-request", {"on": "2026-03-05"})
CONCLUSION = ("conclusion", {"on": "2026-03-10", "disposition": "disclosed"})
REVIEW = ("reviews", {"kind": "review", "filed_on": "2026-04-01"})


def on_case(suffix: str, body: dict[str, object] | None = None, *before: tuple[str, dict[str, object]]) -> Prepare:
    return lambda world: Call(f"/cases/{world.case(*before)}{suffix}", body)


def on_subscription(world: World, suffix: str) -> Call:
    """A webhook subscription of agency a (webhooks are managed with token.manage or agency.manage: both admin)."""
    with transaction(world.api.factory) as session:
        subscription = WebhookSubscription(
            agency_id=agencies.get_agency(session, "a").id,
            url="http://127.0.0.1:9/hook",
            event_types=["case.created"],
            secret="whsec_matrix",
            active=True,
            created_at=utcnow(),
            created_by="matrix",
        )
        session.add(subscription)
        session.flush()
        return Call(f"/webhooks/{subscription.id}{suffix}")


def on_review(world: World) -> Call:
    case_id = world.case(CONCLUSION)
    review = world.step(case_id, *REVIEW)["reviews"]
    return Call(f"/cases/{case_id}/reviews/{review[0]['id']}/decision", {"on": "2026-06-01", "outcome": "upheld"})  # type: ignore[index]


def fixed(path: str, body: object = None) -> Prepare:
    return lambda _world: Call(path, body)


def new_user(_world: World) -> Call:
    username = f"new{next(_serial)}"
    body = {
        "username": username,
        "display_name": "新用户",
        "password": PASSWORD,
        "memberships": [{"agency": "a", "role": "clerk"}],
    }
    return Call("/users", body)


ACTIVE_DISCLOSURE = {
    "regulations.issued": 0,
    "regulations.repealed": 0,
    "regulations.in_force": 3,
    "normative_documents.issued": 1,
    "normative_documents.repealed": 0,
    "normative_documents.in_force": 5,
    "licensing.decisions": 14,
    "penalties.decisions": 171,
    "coercion.decisions": 0,
    "fees.amount": "12.5",
}


def published(world: World) -> Call:
    """Agency a's report for 2025 (the test clock is 2026-11-27), published once by its administrator."""
    path = "/reports/annual/2025/publication?agency=a"
    if world.api.client.get(API + path, headers=world.api.headers("a", Role.ADMIN)).status_code == 404:
        response = world.api.client.post(API + path, headers=world.api.headers("a", Role.ADMIN))
        assert response.status_code == 201, response.text
    return Call(path)


def entered(world: World) -> Call:
    """Agency a's 「主动公开政府信息情况」 for 2025, entered once by its administrator."""
    path = "/reports/active-disclosure/2025?agency=a"
    body = {"values": ACTIVE_DISCLOSURE}
    response = world.api.client.put(API + path, json=body, headers=world.api.headers("a", Role.ADMIN))
    assert response.status_code == 200, response.text
    return Call(path)


def _template() -> bytes:
    from pathlib import Path

    return (Path(__file__).resolve().parents[2] / "app" / "document" / "defaults" / "receipt.docx").read_bytes()


def a_letter(world: World, suffix: str = "", body: object = None) -> Call:
    """A receipt letter of a new case of agency a."""
    case_id = world.case()
    response = world.api.client.post(
        f"{API}/cases/{case_id}/letters", json={"kind": "receipt"}, headers=world.api.headers("a")
    )
    assert response.status_code == 201, response.text
    return Call(f"/documents/{response.json()['id']}{suffix}", body)


def a_delivery(world: World) -> Call:
    letter = a_letter(world, "/deliveries", {"method": "direct", "sent_on": "2026-03-02"})
    response = world.api.client.post(API + letter.path, json=letter.body, headers=world.api.headers("a"))
    assert response.status_code == 201, response.text
    return Call(f"/deliveries/{response.json()['id']}/receipt", {"received_on": "2026-03-03"})


PROFILE = {"level": "department", "review_body": "某市人民政府", "number_prefix": "某信公开"}
PDF = {"file": ("scan.pdf", b"%PDF-1.7 matrix")}

P = Permission
ROUTES: dict[tuple[str, str], Spec] = {
    ("POST", "/cases"): Spec(Scope.AGENCY, P.CASE_CREATE, fixed("/cases", case_body())),
    ("GET", "/cases"): Spec(Scope.SIGNED_IN, P.CASE_READ, fixed("/cases")),
    ("GET", "/cases/{case_id}"): Spec(Scope.AGENCY, P.CASE_READ, on_case("")),
    ("GET", "/cases/{case_id}/deadline"): Spec(Scope.AGENCY, P.CASE_READ, on_case("/deadline")),
    ("POST", "/cases/{case_id}/correction-request"): Spec(
        Scope.AGENCY, P.CASE_STEP, on_case("/" + CORRECTION[0], CORRECTION[1])
    ),
    ("POST", "/cases/{case_id}/correction"): Spec(
        Scope.AGENCY, P.CASE_STEP, on_case("/correction", {"on": "2026-03-16"}, CORRECTION)
    ),
    ("POST", "/cases/{case_id}/correction-lapse"): Spec(
        Scope.AGENCY, P.CASE_STEP, on_case("/correction-lapse", {"on": "2026-03-23"}, CORRECTION)
    ),
    ("POST", "/cases/{case_id}/consultation"): Spec(
        Scope.AGENCY, P.CASE_STEP, on_case("/" + CONSULTATION[0], CONSULTATION[1])
    ),
    ("POST", "/cases/{case_id}/consultation-reply"): Spec(
        Scope.AGENCY, P.CASE_STEP, on_case("/consultation-reply", {"on": "2026-03-11"}, CONSULTATION)
    ),
    ("POST", "/cases/{case_id}/extension"): Spec(
        Scope.AGENCY,
        P.CASE_EXTEND,
        on_case("/extension", {"on": "2026-03-20", "days": 5, "approver": "王主任", "notice_on": "2026-03-20"}),
    ),
    ("POST", "/cases/{case_id}/fee-notice"): Spec(Scope.AGENCY, P.CASE_STEP, on_case("/" + FEE[0], FEE[1])),
    ("POST", "/cases/{case_id}/fee-payment"): Spec(
        Scope.AGENCY, P.CASE_STEP, on_case("/fee-payment", {"on": "2026-03-06", "amount": 100}, FEE)
    ),
    ("POST", "/cases/{case_id}/fee-lapse"): Spec(
        Scope.AGENCY, P.CASE_STEP, on_case("/fee-lapse", {"on": "2026-06-01"}, FEE)
    ),
    ("POST", "/cases/{case_id}/delivery"): Spec(
        Scope.AGENCY,
        P.CASE_STEP,
        on_case("/delivery", {"on": "2026-03-09", "delivered_on": "2026-03-06"}, FEE_UNDELIVERED),
    ),
    ("POST", "/cases/{case_id}/reasons-request"): Spec(
        Scope.AGENCY, P.CASE_STEP, on_case("/" + REASONS[0], REASONS[1])
    ),
    ("POST", "/cases/{case_id}/agency-deadline"): Spec(
        Scope.AGENCY, P.CASE_STEP, on_case("/agency-deadline", {"on": "2026-03-06", "until": "2026-04-30"}, REASONS)
    ),
    ("POST", "/cases/{case_id}/excessive-refusal"): Spec(
        Scope.AGENCY, P.CASE_CONCLUDE, on_case("/excessive-refusal", {"on": "2026-03-06"}, REASONS)
    ),
    ("POST", "/cases/{case_id}/withdrawal"): Spec(
        Scope.AGENCY, P.CASE_STEP, on_case("/withdrawal", {"on": "2026-03-05"})
    ),
    ("POST", "/cases/{case_id}/conclusion"): Spec(
        Scope.AGENCY, P.CASE_CONCLUDE, on_case("/" + CONCLUSION[0], CONCLUSION[1])
    ),
    ("POST", "/cases/{case_id}/assignment"): Spec(
        Scope.AGENCY, P.CASE_ASSIGN, on_case("/assignment", {"username": "matrix"})
    ),
    ("POST", "/cases/{case_id}/reviews"): Spec(Scope.AGENCY, P.CASE_STEP, on_case("/reviews", REVIEW[1], CONCLUSION)),
    ("POST", "/cases/{case_id}/reviews/{review_id}/decision"): Spec(Scope.AGENCY, P.CASE_STEP, on_review),
    ("GET", "/calendar/{year}"): Spec(Scope.SIGNED_IN, None, fixed("/calendar/2026")),
    ("PUT", "/calendar/{year}"): Spec(
        Scope.SYSTEM,
        P.CALENDAR_MANAGE,
        fixed("/calendar/2031", {"year": 2031, "source": "测试通知", "holidays": ["2031-01-01"]}),
    ),
    ("GET", "/meta/codes"): Spec(Scope.SIGNED_IN, None, fixed("/meta/codes")),
    ("POST", "/auth/login"): Spec(
        Scope.PUBLIC, None, fixed("/auth/login", {"username": "matrix", "password": PASSWORD})
    ),
    ("POST", "/auth/logout"): Spec(Scope.SIGNED_IN, None, fixed("/auth/logout")),
    ("GET", "/auth/me"): Spec(Scope.SIGNED_IN, None, fixed("/auth/me")),
    ("POST", "/auth/password"): Spec(
        Scope.PEOPLE, None, fixed("/auth/password", {"current_password": PASSWORD, "new_password": "新的密码-2027"})
    ),
    ("POST", "/tokens"): Spec(
        Scope.AGENCY, P.TOKEN_MANAGE, fixed("/tokens", {"agency": "a", "role": "integration", "name": "oa"})
    ),
    ("GET", "/tokens"): Spec(Scope.ANYWHERE, P.TOKEN_MANAGE, fixed("/tokens")),
    ("POST", "/tokens/{token_id}/rotation"): Spec(
        Scope.AGENCY, P.TOKEN_MANAGE, lambda world: Call(f"/tokens/{world.token()}/rotation")
    ),
    ("POST", "/tokens/{token_id}/revocation"): Spec(
        Scope.AGENCY, P.TOKEN_MANAGE, lambda world: Call(f"/tokens/{world.token()}/revocation")
    ),
    ("GET", "/agencies"): Spec(Scope.SIGNED_IN, None, fixed("/agencies")),
    ("POST", "/agencies"): Spec(
        Scope.AGENCY,
        P.AGENCY_MANAGE,
        lambda _world: Call("/agencies", {"code": f"sub{next(_serial)}", "name": "分局", "parent": "a"}),
    ),
    ("PUT", "/agencies/{code}/policy"): Spec(
        Scope.AGENCY, P.AGENCY_MANAGE, fixed("/agencies/a/policy", {"reply_days": 12})
    ),
    ("GET", "/audit"): Spec(Scope.ANYWHERE, P.AUDIT_READ, fixed("/audit")),
    ("GET", "/cases/{case_id}/audit"): Spec(Scope.AGENCY, P.AUDIT_READ, on_case("/audit")),
    ("POST", "/users"): Spec(Scope.AGENCY, P.USER_MANAGE, new_user),
    ("GET", "/users"): Spec(Scope.ANYWHERE, P.USER_MANAGE, fixed("/users")),
    ("PUT", "/users/{user_id}/memberships/{agency}"): Spec(
        Scope.AGENCY, P.USER_MANAGE, lambda world: Call(f"/users/{world.user()}/memberships/a", {"role": "supervisor"})
    ),
    ("DELETE", "/users/{user_id}/memberships/{agency}"): Spec(
        Scope.AGENCY, P.USER_MANAGE, lambda world: Call(f"/users/{world.user('c')}/memberships/a")
    ),
    ("POST", "/users/{user_id}/unlock"): Spec(
        Scope.AGENCY, P.USER_MANAGE, lambda world: Call(f"/users/{world.user()}/unlock")
    ),
    ("POST", "/users/{user_id}/password-reset"): Spec(
        Scope.AGENCY, P.USER_MANAGE, lambda world: Call(f"/users/{world.user()}/password-reset")
    ),
    ("POST", "/users/{user_id}/deactivation"): Spec(
        Scope.AGENCY, P.USER_MANAGE, lambda world: Call(f"/users/{world.user()}/deactivation")
    ),
    ("GET", "/reports/overdue"): Spec(Scope.ANYWHERE, P.CASE_READ, fixed("/reports/overdue")),
    ("GET", "/reports/annual"): Spec(Scope.AGENCY, P.REPORT_READ, fixed("/reports/annual?year=2025&agency=a")),
    ("GET", "/reports/annual/cases"): Spec(
        Scope.AGENCY, P.REPORT_READ, fixed("/reports/annual/cases?year=2025&agency=a&row=received&column=total")
    ),
    ("GET", "/reports/annual/fees"): Spec(
        Scope.AGENCY, P.REPORT_READ, fixed("/reports/annual/fees?year=2025&agency=a")
    ),
    ("GET", "/reports/annual/{year}/publication"): Spec(Scope.AGENCY, P.REPORT_READ, published),
    ("POST", "/reports/annual/{year}/publication"): Spec(
        Scope.AGENCY, P.REPORT_PUBLISH, fixed("/reports/annual/2025/publication?agency=a")
    ),
    ("GET", "/reports/active-disclosure/{year}"): Spec(Scope.AGENCY, P.REPORT_READ, entered),
    ("PUT", "/reports/active-disclosure/{year}"): Spec(
        Scope.AGENCY,
        P.REPORT_PUBLISH,
        fixed("/reports/active-disclosure/2025?agency=a", {"values": ACTIVE_DISCLOSURE}),
    ),
    ("GET", "/reports/annual/document"): Spec(
        Scope.AGENCY, P.REPORT_READ, fixed("/reports/annual/document?year=2025&agency=a")
    ),
    ("GET", "/reports/annual/{year}/text"): Spec(
        Scope.AGENCY, P.REPORT_READ, fixed("/reports/annual/2025/text?agency=a")
    ),
    ("PUT", "/reports/annual/{year}/text"): Spec(
        Scope.AGENCY, P.REPORT_PUBLISH, fixed("/reports/annual/2025/text?agency=a", {"texts": {"overview": "概述"}})
    ),
    ("POST", "/reports/annual/prose-check"): Spec(
        Scope.ANYWHERE,
        P.REPORT_READ,
        fixed("/reports/annual/prose-check", {"text": "收到申请1件", "tables": {"applications": {"rows": []}}}),
    ),
    ("GET", "/template-kinds"): Spec(Scope.SIGNED_IN, None, fixed("/template-kinds")),
    ("GET", "/agencies/{code}/templates"): Spec(Scope.AGENCY, P.CASE_READ, fixed("/agencies/a/templates")),
    ("GET", "/agencies/{code}/templates/{kind}"): Spec(
        Scope.AGENCY, P.CASE_READ, fixed("/agencies/a/templates/receipt")
    ),
    ("PUT", "/agencies/{code}/templates/{kind}"): Spec(
        Scope.AGENCY,
        P.AGENCY_MANAGE,
        lambda _world: Call("/agencies/a/templates/receipt", {}, {"file": ("receipt.docx", _template())}),
    ),
    ("DELETE", "/agencies/{code}/templates/{kind}"): Spec(
        Scope.AGENCY, P.AGENCY_MANAGE, fixed("/agencies/a/templates/receipt")
    ),
    ("GET", "/agencies/{code}/letter-profile"): Spec(Scope.AGENCY, P.CASE_READ, fixed("/agencies/a/letter-profile")),
    ("PUT", "/agencies/{code}/letter-profile"): Spec(
        Scope.AGENCY, P.AGENCY_MANAGE, fixed("/agencies/a/letter-profile", PROFILE)
    ),
    ("POST", "/cases/{case_id}/letters"): Spec(Scope.AGENCY, P.CASE_STEP, on_case("/letters", {"kind": "receipt"})),
    ("GET", "/cases/{case_id}/documents"): Spec(Scope.AGENCY, P.CASE_READ, on_case("/documents")),
    ("POST", "/cases/{case_id}/documents"): Spec(
        Scope.AGENCY, P.CASE_STEP, lambda world: Call(f"/cases/{world.case()}/documents", {"kind": "other"}, PDF)
    ),
    ("GET", "/cases/{case_id}/documents/archive"): Spec(Scope.AGENCY, P.CASE_READ, on_case("/documents/archive")),
    ("GET", "/cases/{case_id}/timeline"): Spec(Scope.AGENCY, P.CASE_READ, on_case("/timeline")),
    ("GET", "/documents/{document_id}"): Spec(Scope.AGENCY, P.CASE_READ, a_letter),
    ("GET", "/documents/{document_id}/content"): Spec(
        Scope.AGENCY,
        P.CASE_READ_PERSONAL,
        lambda w: a_letter(w, "/content"),  # a letter names its applicant
    ),
    ("POST", "/documents/{document_id}/deliveries"): Spec(
        Scope.AGENCY,
        P.CASE_STEP,
        lambda w: a_letter(w, "/deliveries", {"method": "direct", "sent_on": "2026-03-02"}),
    ),
    ("POST", "/deliveries/{delivery_id}/receipt"): Spec(Scope.AGENCY, P.CASE_STEP, a_delivery),
    ("GET", "/letters/unreceived"): Spec(Scope.ANYWHERE, P.CASE_READ, fixed("/letters/unreceived")),
    ("POST", "/webhooks"): Spec(
        Scope.AGENCY, P.TOKEN_MANAGE, fixed("/webhooks", {"agency": "a", "url": "http://93.184.216.34/hook"})
    ),
    ("GET", "/webhooks"): Spec(Scope.ANYWHERE, P.TOKEN_MANAGE, fixed("/webhooks")),
    ("DELETE", "/webhooks/{subscription_id}"): Spec(Scope.AGENCY, P.TOKEN_MANAGE, lambda w: on_subscription(w, "")),
    ("GET", "/webhooks/{subscription_id}/deliveries"): Spec(
        Scope.AGENCY, P.TOKEN_MANAGE, lambda w: on_subscription(w, "/deliveries")
    ),
}


def api_routes() -> set[tuple[str, str]]:
    """Every (method, path) the application serves under /api/v1, as the routing table lists it."""
    app = create_app(Settings(database_url="sqlite://", environment="test"))
    found: set[tuple[str, str]] = set()

    def walk(routes: Iterator[object]) -> None:
        for route in routes:
            contexts = getattr(route, "effective_route_contexts", None)
            if contexts is not None:  # a router included with a prefix
                walk(iter(contexts()))
                continue
            path = getattr(route, "path", "")
            if path.startswith(API):
                found.update((method, path.removeprefix(API)) for method in getattr(route, "methods", ()) or ())

    walk(iter(app.routes))
    return found - {("HEAD", path) for _, path in found}


def expected(spec: Spec, role: Role, scenario: Scenario) -> int | None:
    """The status the matrix demands; None for "allowed" (any 2xx)."""
    if spec.scope in (Scope.PUBLIC, Scope.SIGNED_IN):
        return None
    if spec.scope is Scope.PEOPLE:
        return 403
    assert spec.permission is not None
    if spec.scope is Scope.SYSTEM:
        return 403
    if spec.scope is Scope.ANYWHERE:
        return None if allows(role, spec.permission) else 403
    in_scope = scenario is Scenario.OWN or (scenario is Scenario.PARENT and role in READ_DOWN)
    if not in_scope:
        return 404
    held = allows(role, spec.permission) and (scenario is Scenario.OWN or spec.permission in READ_PERMISSIONS)
    return None if held else 403


COMBINATIONS = [(role, scenario) for role in Role for scenario in Scenario]


def test_every_route_is_in_the_matrix():
    served = api_routes()
    missing = sorted(served - ROUTES.keys())
    assert not missing, f"new endpoints must join the authorization matrix (tests/api/test_authz_matrix.py): {missing}"
    assert not ROUTES.keys() - served, f"the matrix lists routes that no longer exist: {ROUTES.keys() - served}"
    total = len(ROUTES) * len(COMBINATIONS)
    print(f"authorization matrix: {len(ROUTES)} routes × {len(Role)} roles × {len(Scenario)} scenarios = {total}")
    assert len(COMBINATIONS) == 15


REFUSED = {"forbidden", "personal_document"}
"""The codes of a 403: a role without the permission, or one without ``case.read_personal`` asking for a personal
file's content (``app.document.files.get_document``)."""


@pytest.mark.parametrize(("method", "template"), sorted(ROUTES))
def test_route_answers_as_the_permission_table_says(api, method, template):
    spec = ROUTES[(method, template)]
    world = World(api)
    failures = []
    for role, scenario in COMBINATIONS:
        call = spec.prepare(world)
        headers = api.headers(PRINCIPAL_AGENCY[scenario], role)
        if call.files is not None:
            response = api.client.request(
                method,
                API + call.path,
                data=call.body,
                files=call.files,
                headers=headers,  # type: ignore[arg-type]
            )
        else:
            response = api.client.request(method, API + call.path, json=call.body, headers=headers)
        want = expected(spec, role, scenario)
        ok = 200 <= response.status_code < 300 if want is None else response.status_code == want
        if ok and want is not None:
            ok = response.json()["code"] in REFUSED if want == 403 else response.json()["code"].endswith("not_found")
        if not ok:
            got = f"{response.status_code} {response.text[:200]}"
            failures.append(f"{role.value}/{scenario.value}: wanted {want or '2xx'}, got {got}")
    assert not failures, "\n".join(failures)
