"""The error tree every service raises and every API answers in one shape (api_errors)."""

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
