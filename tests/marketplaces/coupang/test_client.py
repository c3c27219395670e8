"""The Coupang client against its documented test vectors and the sandbox's gateway."""

from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone

import pytest

from marketplaces.coupang.client import (
    CoupangClient,
    Coupon,
    Policy,
    RequestResult,
    TransactionStatus,
    authorization,
    signature,
    signed_date,
)
from marketplaces.http import CredentialsError, FinalError, RetryableError
from marketplaces.models import HttpExchange

SECRET = "0123456789abcdef0123456789abcdef01234567"
ACCESS = "00000000-0000-0000-0000-000000000000"
DATE = "250115T053000Z"
TX_PATH = "/v2/providers/marketplace_openapi/apis/api/v1/coupons/transactionStatus"
TX_QUERY = "requestTransactionId=et5_154210571558673553106"


def test_signature_test_vector_for_post():
    assert (
        signature(SECRET, DATE, "POST", "/v2/providers/marketplace_openapi/apis/api/v1/coupons", "")
        == "d76639a540ef9c11ac1dc7c7dbaf2c0884f55d2757905bfc89dc167d0a2c1ebc"
    )


def test_signature_test_vector_for_get_with_query_and_the_question_mark_differs():
    good = signature(SECRET, DATE, "GET", TX_PATH, TX_QUERY)
    with_mark = signature(SECRET, DATE, "GET", TX_PATH, "?" + TX_QUERY)
    assert good == "f87b8e7f5827d797a04ec08c6d7ea486f9182e4967da99c2efbedd9e8857f2c6"
    assert with_mark.startswith("eb16226e")
    assert with_mark != good


def test_authorization_header_and_signed_date_format():
    header = authorization(
        ACCESS, SECRET, DATE, "POST", "/v2/providers/marketplace_openapi/apis/api/v1/coupons", ""
    )
    assert header == (
        "CEA algorithm=HmacSHA256, access-key=00000000-0000-0000-0000-000000000000, "
        "signed-date=250115T053000Z, signature="
        "d76639a540ef9c11ac1dc7c7dbaf2c0884f55d2757905bfc89dc167d0a2c1ebc"
    )
    moment = datetime(2025, 1, 15, 14, 30, tzinfo=dt_timezone(timedelta(hours=9)))
    assert signed_date(moment) == "250115T053000Z"


def test_tolerant_parsing_of_object_or_array_daily_limit_names_and_done_words():
    one = Coupon.parse(
        [
            {
                "couponId": 7,
                "couponStatus": "STANDBY",
                "startDate": "2025-01-15 16:00:00",
                "couponPolicies": [
                    {
                        "typeOfDiscount": "PRICE",
                        "discount": 1000,
                        "maximumDiscountPrice": -1,
                        "maximumPerDay": 3,
                    }
                ],
            }
        ]
    )
    assert one.coupon_id == 7
    assert one.start_at.isoformat() == "2025-01-15T16:00:00+09:00"
    assert one.policies[0].maximum_per_daily == 3
    assert one.policies[0].maximum_discount_price is None
    assert Policy.parse({"maximumPerDaily": 9}).maximum_per_daily == 9
    done = TransactionStatus.parse({"transactionStatusResponse": {"status": "SUCCESS"}}, "t1")
    assert (done.status, done.pending) == ("DONE", False)
    fail = TransactionStatus.parse(
        [
            {
                "transactionStatusResponse": {
                    "status": "FAIL",
                    "couponFailedVendorItemIdResponses": {"vendorItemId": 5, "failureReason": "x"},
                }
            }
        ],
        "t2",
    )
    assert (fail.status, fail.failures) == ("FAIL", {5: "x"})
    assert TransactionStatus.parse(
        {"transactionStatusResponse": {"status": "REQUESTED"}}, "t3"
    ).pending
    result = RequestResult.parse(
        {"requestResultStatus": "SUCCESS", "body": {"couponId": 1, "requestTransactionId": "et5_1"}}
    )
    assert (result.succeeded, result.transaction_id) == (True, "et5_1")


@pytest.mark.django_db
def test_contract_lookup_finds_the_non_contract_based_contract(sandbox):
    client = CoupangClient()
    assert client.default_contract_id() == 15
    assert [c.contract_id for c in client.contracts()] == [15, 16]


@pytest.mark.django_db
def test_secrets_never_reach_the_log(sandbox, settings):
    CoupangClient().contracts()
    exchange = HttpExchange.objects.get()
    assert exchange.request_headers["Authorization"] == "***"
    assert exchange.request_headers["X-Requested-By"] == "A00012345"
    logged = str(exchange.__dict__)
    assert settings.COUPANG_SECRET_KEY not in logged
    assert settings.COUPANG_ACCESS_KEY not in logged
    assert exchange.status_code == 200
    assert exchange.marketplace == "coupang"


@pytest.mark.django_db
def test_wrong_secret_gets_the_401_body_as_a_credentials_error(sandbox, settings):
    sandbox.configure("coupang", secret_key=settings.COUPANG_SECRET_KEY)  # what Coupang holds
    settings.COUPANG_SECRET_KEY = "not-the-secret"
    with pytest.raises(CredentialsError) as caught:
        CoupangClient().contracts()
    assert caught.value.status == 401
    assert caught.value.message == "Invalid signature."
    assert '"code": "ERROR"' in caught.value.body or '"code":"ERROR"' in caught.value.body


class _QuestionMarkSigner(CoupangClient):
    def sign(self, method, path, query):
        return {
            "Authorization": authorization(
                self._key(),
                self._secret(),
                signed_date(),
                method,
                path,
                "?" + query if query else "",
            ),
            "X-Requested-By": self.vendor_id,
        }

    def _key(self):
        from django.conf import settings

        return settings.COUPANG_ACCESS_KEY

    def _secret(self):
        from django.conf import settings

        return settings.COUPANG_SECRET_KEY


class _StaleClockSigner(_QuestionMarkSigner):
    def sign(self, method, path, query):
        stale = signed_date(datetime.now(UTC) - timedelta(minutes=10))
        return {
            "Authorization": authorization(self._key(), self._secret(), stale, method, path, query),
            "X-Requested-By": self.vendor_id,
        }


@pytest.mark.django_db
def test_sandbox_rejects_a_signature_made_with_the_question_mark(sandbox):
    with pytest.raises(CredentialsError, match="^Invalid signature.$"):
        _QuestionMarkSigner().transaction_status("et5_154210571558673553106")
    # The same request signed correctly gets past the gateway: an unknown transaction, Coupang's
    # documented final 500 (시스템 오류) on request status.
    with pytest.raises(FinalError, match="시스템 오류"):
        CoupangClient().transaction_status("et5_154210571558673553106")


@pytest.mark.django_db
def test_sandbox_rejects_an_expired_signed_date(sandbox):
    with pytest.raises(CredentialsError, match="^Specified signature is expired.$"):
        _StaleClockSigner().contracts()


@pytest.mark.django_db
def test_rate_limit_answers_429_with_retry_after(sandbox):
    sandbox.configure("coupang", rate_limit_rps=2, retry_after="3")
    client = CoupangClient()
    client.contracts()
    client.contracts()
    with pytest.raises(RetryableError) as caught:
        client.contracts()
    assert (caught.value.status, caught.value.retry_after, caught.value.outcome_unknown) == (
        429,
        3.0,
        False,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("shape", ["message", "errorMessage", "both"])
def test_refusal_words_are_read_from_either_field(sandbox, shape):
    sandbox.configure("coupang", error_shape=shape)
    with pytest.raises(FinalError) as caught:
        CoupangClient().get_coupon(999)
    assert caught.value.message == "존재 하지 않는 프로모션 (999)"
    assert caught.value.status == 404
