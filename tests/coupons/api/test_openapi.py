"""OpenAPI 3 at /api/schema/, the offline Swagger UI at /api/docs/, and Schemathesis against the
real WSGI app: at least 500 generated requests (valid and invalid), none answered with a 5xx, and
every answer conforming to the document (a documented status, its content type and its schema,
error bodies included)."""

import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from coupons import codes, issuing

from .conftest import (
    make_exhibition,
    make_goods,
    make_member,
    make_user,
    member_token,
    token_client,
)

pytestmark = pytest.mark.django_db

SEED_PATHS = [
    "/v1/marketing/goodsDetailCpnList",
    "/v1/marketing/cpnDown",
    "/v1/marketing/cpnDownBo",
    "/v1/marketing/getCouponListByAutoIssuTypCd",
    "/v1/marketing/cpnIssuList",
]
# The operations of this API (the marketplace resources are fuzzed by their own tests).
OURS = re.compile(
    r"^/(v1/marketing/|api/v1/admin/(promotions|members|goods|exhibitions|member-coupons|compensations)/)"
)
MEMBER_OPERATIONS = {
    "/v1/marketing/goodsDetailCpnList",
    "/v1/marketing/cpnDown",
    "/v1/marketing/cpnIssuList",
}


def test_schema_document(client):
    r = client.get("/api/schema/", {"format": "json"})
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.")
    for path in SEED_PATHS:
        assert path in doc["paths"], path
    assert doc["components"]["securitySchemes"]["memberJwt"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": doc["components"]["securitySchemes"]["memberJwt"]["description"],
    }
    for path in MEMBER_OPERATIONS:
        (op,) = doc["paths"][path].values()
        assert op["security"] == [{"memberJwt": []}], path
    bo = doc["paths"]["/v1/marketing/cpnDownBo"]["post"]
    assert {"tokenAuth": []} in bo["security"] and {"memberJwt": []} not in bo["security"]
    detail = doc["paths"]["/v1/marketing/goodsDetailCpnList"]["post"]
    examples = detail["requestBody"]["content"]["application/json"]["examples"]
    assert any(
        e["value"].get("cpnType") == "10" and e["value"]["ordMediaCd"] == "20"
        for e in examples.values()
    )
    assert "Idempotency-Key" in [
        p["name"] for p in doc["paths"]["/v1/marketing/cpnDown"]["post"]["parameters"]
    ]


def test_docs_ui_is_offline(client):
    r = client.get("/api/docs/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "swagger-ui" in html and "drf_spectacular_sidecar" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html


@pytest.fixture
def fuzz_world(make_promotion):
    """Real data so that generated requests get past auth and reach the code behind it."""
    member = make_member("100000000", grade=codes.Grade.GOLD)
    goods = make_goods("1000000001")
    make_exhibition("E1000", [goods])
    download = make_promotion(mbr_issu_lmt_qty=100)
    make_promotion(cpn_issu_way_cd="04", dc_cpn_cd="SPRING2024")
    make_promotion(
        cpn_issu_main_cd="30",
        cpn_issu_way_cd="02",
        auto_issu_typ_cd="2101",
        auto_issu_potm_cd="10",
        auto_issu_qty=1,
    )
    make_promotion(
        cpn_issu_main_cd="20",
        cpn_issu_way_cd="01",
        all_goods_yn=False,
        targets=[{"aply_gb_cd": "01", "aply_typ_cd": "08", "tgt_no": "E1000"}],
    )
    issuing.coupon_issue(member=member, promotion=download, qty=3, channel=codes.Channel.DOWNLOAD)
    root = make_user("fuzz-root", superuser=True)
    token = token_client(root)._credentials["HTTP_AUTHORIZATION"]
    return {"member": f"Bearer {member_token(member.mbr_no, ttl=3600)}", "admin": token}


@pytest.fixture
def wsgi_app():
    """The project's WSGI app. Like Django's test client, keep the test's connection open across
    requests (the handler would close it at request end, inside the test transaction)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_schemathesis_no_server_errors_and_responses_conform(fuzz_world, wsgi_app):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    sent: list[tuple[str, str, int]] = []
    errors: list[str] = []
    operations = [op.ok() for op in schema.get_all_operations() if OURS.match(op.ok().path)]
    assert len(operations) >= 20
    unsatisfiable = []

    def fuzz(operation, mode, auth):
        @settings(
            max_examples=15,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            response = case.call(headers={"Authorization": auth})
            sent.append((case.method, case.path, response.status_code))
            try:
                case.validate_response(response, checks=CONFORMANCE)
            except FailureGroup as exc:  # one failure per check that failed
                errors.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{str(exc)[:600]}\n{response.text[:300]}"
                )

        return run

    for operation in operations:
        auth = fuzz_world["member" if operation.path in MEMBER_OPERATIONS else "admin"]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz(operation, mode, auth)()
            except Unsatisfiable:  # nothing to make invalid (e.g. a lone path parameter)
                unsatisfiable.append((operation.label, mode))

    assert not errors, f"{len(errors)} nonconforming answers:\n" + "\n".join(errors[:10])
    assert len(unsatisfiable) <= 6, unsatisfiable
    assert len(sent) >= 500, len(sent)
    # the generated requests got past authentication to the code behind it
    statuses = [status for _, _, status in sent]
    assert sum(1 for s in statuses if s not in (401, 403)) > len(sent) * 0.8
    assert sum(1 for s in statuses if s == 200) >= 50
