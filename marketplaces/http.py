"""The one place outbound HTTP happens: timeouts, safe retries, typed errors, redacted logging.

A marketplace client subclasses `MarketplaceClient` and overrides `base_url()`, `sign()` and
`error_message()`; `request()` does the rest and logs every exchange as an `HttpExchange` row.

Errors:
    MarketplaceError
    ├── RetryableError     timeout, connection error, 429, 5xx (the job engine retries later)
    └── FinalError         4xx with the marketplace's own message (never retried)
        ├── CredentialsError   401
        └── PlainFinalError    a handler's refusal in plain words (no HTTP status)
"""

from __future__ import annotations

import json as jsonlib
import re
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError
from urllib3.util.retry import Retry

from backoffice.jobs.errors import JobError, JobFailed, RetryLater

from .models import HttpExchange

REDACTED = "***"
_SECRET_NAME = re.compile(
    r"(authorization|secret|token|password|passwd|signature|api[-_]?key|"
    r"access[-_]?key)",
    re.I,
)
_BODY_LIMIT = 64_000


class MarketplaceError(JobError):
    """Anything that went wrong talking to a marketplace; `message` is shown to people."""

    def __init__(self, message: str, *, status: int | None = None, body: str = ""):
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body


class RetryableError(MarketplaceError, RetryLater):
    """Try again later. `retry_after` (seconds) comes from a 429's Retry-After.

    `outcome_unknown` is True when the request may have reached the marketplace and been applied
    (read timeout, connection dropped after sending, 500/502/504): a non-idempotent write must be
    reconciled before it is sent again. It is False when the marketplace certainly did nothing
    (connection refused, 429, 503).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: str = "",
        retry_after: float | None = None,
        outcome_unknown: bool = False,
    ):
        super().__init__(message, status=status, body=body)
        self.retry_after = retry_after
        self.outcome_unknown = outcome_unknown


class FinalError(MarketplaceError, JobFailed):
    """The marketplace refused (4xx); sending the same again would be refused again."""


class CredentialsError(FinalError):
    """401: the keys are wrong, expired or not allowed to use this API."""


class PlainFinalError(FinalError):
    """A handler's final refusal, explained in plain words (e.g. an API the marketplace retired)."""

    def __init__(self, message: str):
        super().__init__(message)


@dataclass
class MarketplaceResponse:
    status: int
    headers: dict[str, str]
    text: str
    data: Any = None
    duration_ms: int = 0
    exchange_id: int | None = None
    extra: dict = field(default_factory=dict)


def make_session(*, connect_retries: int = 2) -> requests.Session:
    """A session whose only automatic retry is a failed connect (nothing was sent, so it is safe
    for every method). Reads, statuses and writes are never retried here: the job engine decides,
    after reconciling when a write's outcome is unknown."""
    retry = Retry(
        total=connect_retries,
        connect=connect_retries,
        read=0,
        status=0,
        other=0,
        redirect=0,
        backoff_factor=0.2,
        allowed_methods=None,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: (REDACTED if _SECRET_NAME.search(k) else v) for k, v in headers.items()}


def redact_data(value: Any) -> Any:
    """JSON-like data with every secret-looking key's value replaced."""
    if isinstance(value, dict):
        return {
            k: (REDACTED if _SECRET_NAME.search(str(k)) else redact_data(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_data(v) for v in value]
    return value


def redact_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(_SECRET_NAME.search(k) for k, _ in pairs):
        return query
    return urlencode([(k, REDACTED if _SECRET_NAME.search(k) else v) for k, v in pairs])


class MarketplaceClient:
    """Base for the marketplace clients; one instance per job run (sessions are not shared)."""

    marketplace = ""

    def __init__(self, *, job=None, session: requests.Session | None = None):
        self.job = job
        self.session = session or make_session()

    # --- to override -------------------------------------------------------------------------
    def base_url(self) -> str:
        return f"http://{settings.SANDBOX_HOST}:{settings.SANDBOX_PORT}"

    def sign(self, method: str, path: str, query: str) -> dict[str, str]:
        """Headers that authenticate this request (called for every attempt)."""
        return {}

    def default_headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json;charset=UTF-8", "Accept": "application/json"}

    def error_message(self, data: Any, text: str) -> str:
        """The marketplace's own words for a refusal."""
        if isinstance(data, dict):
            for key in ("errorMessage", "message", "Message"):
                if data.get(key):
                    return str(data[key])
        return text[:500] or "(empty response)"

    def secrets(self) -> list[str]:
        """Secret values that must never reach the log, whatever field they appear in."""
        return []

    def classify(self, status: int, data: Any, text: str, headers: dict[str, str]) -> None:
        """Raise the right error for a non-2xx answer."""
        message = self.error_message(data, text)
        if status == 429:
            raise RetryableError(
                message,
                status=status,
                body=text,
                retry_after=parse_retry_after(headers.get("Retry-After")),
            )
        if status == 503:
            raise RetryableError(message, status=status, body=text)
        if status >= 500:
            raise RetryableError(message, status=status, body=text, outcome_unknown=True)
        if status == 401:
            raise CredentialsError(message, status=status, body=text)
        raise FinalError(message, status=status, body=text)

    def timeout(self) -> tuple[float, float]:
        read = float(getattr(settings, "MARKETPLACE_HTTP_TIMEOUT", 10.0))
        return (min(5.0, read), read)

    # --- the one request path ----------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict | list | None = None,
        headers: dict[str, str] | None = None,
        job=None,
        timeout: tuple[float, float] | float | None = None,
    ) -> MarketplaceResponse:
        """Send one request and return the parsed answer; raise a MarketplaceError otherwise."""
        method = method.upper()
        query = urlencode(params or {}, doseq=True)
        url = f"{self.base_url().rstrip('/')}{path}" + (f"?{query}" if query else "")
        body = None if json is None else jsonlib.dumps(json, ensure_ascii=False).encode("utf-8")
        sent_headers = {
            **self.default_headers(),
            **(headers or {}),
            **self.sign(method, path, query),
        }
        started = time.monotonic()
        status, text, data, response_headers, error = None, "", None, {}, ""
        try:
            try:
                response = self.session.request(
                    method,
                    url,
                    data=body,
                    headers=sent_headers,
                    timeout=timeout or self.timeout(),
                    allow_redirects=False,
                )
            except requests.exceptions.ConnectTimeout as exc:
                raise RetryableError(f"연결 시간 초과: {exc}") from exc
            except requests.exceptions.Timeout as exc:
                raise RetryableError(
                    "응답 시간 초과 (요청이 반영되었는지 알 수 없음)", outcome_unknown=True
                ) from exc
            except requests.exceptions.ConnectionError as exc:
                reason = getattr(exc.args[0], "reason", exc.args[0]) if exc.args else None
                if isinstance(reason, ReadTimeoutError):  # wrapped by the no-read-retry policy
                    raise RetryableError(
                        "응답 시간 초과 (요청이 반영되었는지 알 수 없음)", outcome_unknown=True
                    ) from exc
                if isinstance(reason, (NewConnectionError, ConnectTimeoutError)):
                    raise RetryableError(f"연결할 수 없음: {reason}") from exc  # nothing was sent
                raise RetryableError(
                    "응답 없이 연결이 끊김 (요청이 반영되었는지 알 수 없음)", outcome_unknown=True
                ) from exc
            status = response.status_code
            text = response.text
            response_headers = dict(response.headers)
            try:
                data = response.json() if text else None
            except ValueError:
                data = None
            if status >= 400:
                self.classify(status, data, text, response_headers)
        except MarketplaceError as exc:
            error = f"{type(exc).__name__}: {exc.message}"
            raise
        finally:
            duration_ms = int((time.monotonic() - started) * 1000)
            exchange_id = self._log(
                job or self.job,
                method,
                path,
                query,
                sent_headers,
                body,
                status,
                text,
                duration_ms,
                error,
            )
        return MarketplaceResponse(status, response_headers, text, data, duration_ms, exchange_id)

    # --- logging -------------------------------------------------------------------------------
    def _scrub(self, text: str) -> str:
        for secret in self.secrets():
            if secret:
                text = text.replace(secret, REDACTED)
        return text

    def _redact_body(self, raw: bytes | str | None) -> str:
        if not raw:
            return ""
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        try:
            text = jsonlib.dumps(redact_data(jsonlib.loads(text)), ensure_ascii=False)
        except ValueError:
            pass
        return self._scrub(text)[:_BODY_LIMIT]

    def _log(self, job, method, path, query, headers, body, status, text, duration_ms, error):
        exchange = HttpExchange.objects.create(
            marketplace=self.marketplace,
            job=job,
            target_type=getattr(job, "target_type", ""),
            target_id=getattr(job, "target_id", ""),
            method=method,
            path=self._scrub(path),
            query=self._scrub(redact_query(query)),
            request_headers={k: self._scrub(v) for k, v in redact_headers(headers).items()},
            request_body=self._redact_body(body),
            status_code=status,
            response_body=self._redact_body(text),
            duration_ms=duration_ms,
            error=self._scrub(error)[:2000],
        )
        return exchange.pk
