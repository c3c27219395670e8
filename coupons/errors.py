"""Domain errors with stable codes, shared by services, admin and API."""

from __future__ import annotations

from backoffice.errors import Conflict, DomainError, NotFound

__all__ = ["Conflict", "DomainError", "IssueRefused", "NotFound"]


class IssueRefused(DomainError):
    """An issue attempt refused with one of SPEC §4's reason codes."""

    http_status = 409


# Issue refusal codes (SPEC §4).
UNKNOWN_PROMOTION = "UNKNOWN_PROMOTION"
NOT_DOWNLOADABLE = "NOT_DOWNLOADABLE"
NOT_APPROVED = "NOT_APPROVED"
NOT_IN_PERIOD = "NOT_IN_PERIOD"
SOLD_OUT = "SOLD_OUT"
MEMBER_LIMIT = "MEMBER_LIMIT"
GRADE_NOT_ELIGIBLE = "GRADE_NOT_ELIGIBLE"
SITE_NOT_ELIGIBLE = "SITE_NOT_ELIGIBLE"
MEDIUM_NOT_ELIGIBLE = "MEDIUM_NOT_ELIGIBLE"
UNKNOWN_MEMBER = "UNKNOWN_MEMBER"
REASON_REQUIRED = "REASON_REQUIRED"
ALREADY_ISSUED = "ALREADY_ISSUED"
INVALID_QTY = "INVALID_QTY"
BUDGET_EXHAUSTED = "BUDGET_EXHAUSTED"
# A CS compensation submission key sent again with another request (409).
SUBMISSION_KEY_REUSED = "SUBMISSION_KEY_REUSED"

# Every code an issue result carries besides OK, with its meaning (the OpenAPI schema lists them).
REFUSAL_CODES = {
    UNKNOWN_PROMOTION: "프로모션(또는 할인쿠폰코드)이 없음",
    UNKNOWN_MEMBER: "회원이 없음",
    NOT_DOWNLOADABLE: "이 경로로 발급할 수 없는 발급방식/발급주체",
    NOT_APPROVED: "승인 상태가 아님",
    NOT_IN_PERIOD: "프로모션 기간이 아니거나 쿠폰 유효기간이 끝남",
    SITE_NOT_ELIGIBLE: "회원의 사이트가 발급 대상이 아님",
    GRADE_NOT_ELIGIBLE: "회원등급이 발급 대상이 아님",
    MEDIUM_NOT_ELIGIBLE: "주문매체가 발급 대상이 아님",
    SOLD_OUT: "총 발급한도 소진",
    MEMBER_LIMIT: "회원당 발급한도 도달",
    REASON_REQUIRED: "발급사유(MK021) 없음 또는 알 수 없음",
    ALREADY_ISSUED: "같은 자동발급차수로 이미 발급됨",
    INVALID_QTY: "발급수량 오류",
    BUDGET_EXHAUSTED: "프로모션 예산 소진",
}
