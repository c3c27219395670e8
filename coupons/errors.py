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
MEDIUM_NOT_ELIGIBLE = "MEDIUM_NOT_ELIGIBLE"
UNKNOWN_MEMBER = "UNKNOWN_MEMBER"
REASON_REQUIRED = "REASON_REQUIRED"
ALREADY_ISSUED = "ALREADY_ISSUED"
