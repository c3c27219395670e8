"""Domain errors with stable codes, shared by services, admin and API."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal by a business rule. `code` is stable; `message` is for people."""

    code = "DOMAIN_ERROR"
    http_status = 400

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        fields: dict | None = None,
        http_status: int | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if http_status:
            self.http_status = http_status
        self.fields = fields or {}


class NotFound(DomainError):
    code = "NOT_FOUND"
    http_status = 404


class Conflict(DomainError):
    code = "CONFLICT"
    http_status = 409


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
MEDIUM_NOT_ELIGIBLE = "MEDIUM_NOT_ELIGIBLE"
UNKNOWN_MEMBER = "UNKNOWN_MEMBER"
REASON_REQUIRED = "REASON_REQUIRED"
ALREADY_ISSUED = "ALREADY_ISSUED"
