"""The bundled fake marketplaces: one threaded HTTP server serving Coupang and ESM on loopback.

Requests are dispatched by path prefix to a marketplace's half of the sandbox, a `SandboxTarget`
that each registered marketplace app gives (`MarketplaceConfig.sandbox_targets`):

    /v2/providers/   -> marketplaces/coupang/sandbox.py
    /item/v1/        -> marketplaces/esm/sandbox.py

Fault injection is generic and lives here, around the handler (MARKETPLACES.md, "The sandbox"):

    POST /_sandbox/reset                       forget every marketplace's state and every fault
    POST /_sandbox/faults   {"target": "coupang"|"esm", "fault": "5xx"|"timeout"|"429"|
                             "drop_after_apply"|"retired", "times": N,
                             "path_contains": "optional", "method": "optional",
                             "status": 503, "seconds": 1.5, "retry_after": "1",
                             "apply": false, "skip": 0}
    POST /_sandbox/config   {"target": "coupang", "settings": {"rate_limit_rps": 3, ...}}
    GET  /_sandbox/state    the whole state as JSON, for debugging (with `requests`, the
                            sandbox's own record of the last marketplace requests it received:
                            target, method, path, query, body — `SandboxHandle.requests()`)

- `5xx` answers `status` (default 503, "not processed") without running the handler; with
  `"apply": true` it runs the handler first (the change happens) and then answers `status`
  all the same: a create answered 500 that did create (the lost-create case).
- `429` answers 429 with `Retry-After` without running the handler.
- `timeout` sleeps longer than the client's timeout (`seconds`, default the client timeout + 1 s),
  then runs the handler and answers to nobody: the change happened, the client never heard of it.
- `drop_after_apply` runs the handler (the change happens) and closes the connection unanswered.
- `skip` lets that many matching requests through before the fault applies (e.g. the second
  add-items call of a coupon).
- `retired` answers as an API the marketplace has switched off: the target's
  `retired_response(req)` when it has one, else 410.

    POST /_sandbox/settle   {"target": "coupang"}   finish every pending transaction now (the
                                                    target's `settle`), instead of waiting
    GET  /                  what the sandbox is: the marketplaces it serves and their paths, the
                            controls above (HTML, or JSON with `Accept: application/json` or
                            `?format=json`)
"""

from __future__ import annotations

import copy
import html
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from django.conf import settings

from marketplaces.apps import marketplace_configs

FAULTS = ("5xx", "timeout", "429", "drop_after_apply", "retired")
# How many marketplace requests the sandbox remembers (`SandboxState.requests`): enough for a
# test, bounded for a long `make run`.
REQUEST_RECORD_LIMIT = 2000


@dataclass
class SandboxRequest:
    """One request as a marketplace module sees it. `headers` has lower-case names."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    state: SandboxState
    target: str = ""

    def json(self) -> Any:
        """The body parsed as JSON; None when empty. Raises ValueError when malformed."""
        if not self.body:
            return None
        return json.loads(self.body.decode("utf-8"))

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    @property
    def params(self) -> dict[str, str]:
        """The query string as a dict (last value wins)."""
        return dict(parse_qsl(self.query, keep_blank_values=True))

    @property
    def bucket(self) -> dict:
        """This marketplace's state dict; hold `state.lock` while reading or writing it."""
        return self.state.data[self.target]

    @property
    def config(self) -> dict:
        """This marketplace's settings (rate limits, delays, response shapes ...)."""
        return self.state.config[self.target]


@dataclass
class SandboxResponse:
    """A JSON body (`json`) or a raw one (`text`, with `content_type`)."""

    status: int = 200
    json: Any = None
    text: str | None = None
    content_type: str = "application/json;charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        if self.text is not None:
            return self.text.encode("utf-8")
        if self.json is None:
            return b""
        return json.dumps(self.json, ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class SandboxTarget:
    """One marketplace's half of the sandbox: the paths it serves and how it answers."""

    name: str
    prefixes: tuple[str, ...]
    handle: Callable[[SandboxRequest], SandboxResponse]
    retired_response: Callable[[SandboxRequest], SandboxResponse] | None = None
    # Finish every pending asynchronous request now (`SandboxHandle.settle`); given the state.
    settle: Callable[[SandboxState, str], None] | None = None
    # "METHOD path" lines it serves, for the sandbox's own root page (defaults: KNOWN_PATHS).
    paths: tuple[str, ...] = ()


# What the bundled marketplaces serve (MARKETPLACES.md), for the root page of the sandbox.
KNOWN_PATHS = {
    "coupang": (
        "POST /v2/providers/marketplace_openapi/apis/api/v1/coupons",
        "PUT /v2/providers/marketplace_openapi/apis/api/v1/coupon-items",
        "GET /v2/providers/marketplace_openapi/apis/api/v1/coupons/transactionStatus"
        "?requestTransactionId=…",
        "POST /v2/providers/marketplace_openapi/apis/api/v1/coupons/expire",
        "GET /v2/providers/marketplace_openapi/apis/api/v1/coupons/{couponId}",
        "GET /v2/providers/fms/apis/api/v2/vendors/{vendorId}/contract/list",
    ),
    "esm": (
        "POST|PUT|DELETE|GET /item/v1/goods/{goodsNo}/customer-benefit/sponsorship",
        "GET /item/v1/goods/{goodsNo}/price",
    ),
}
CONTROLS = (
    ("POST /_sandbox/reset", "forget every marketplace's state and every fault"),
    (
        "POST /_sandbox/faults",
        '{"target": "coupang"|"esm", "fault": "5xx"|"timeout"|"429"|"drop_after_apply"|'
        '"retired", "times": 1, "path_contains": "…", "method": "…", "status": 503, '
        '"seconds": 1.5, "retry_after": "1", "apply": false, "skip": 0}',
    ),
    ("POST /_sandbox/config", '{"target": "coupang", "settings": {"rate_limit_rps": 3}}'),
    ("POST /_sandbox/settle", '{"target": "coupang"}: finish pending transactions now'),
    ("GET /_sandbox/state", "the whole state as JSON, with the requests received"),
)


def registered_targets() -> list[SandboxTarget]:
    """The sandbox halves of the marketplaces registered in INSTALLED_APPS."""
    return [target for config in marketplace_configs() for target in config.sandbox_targets]


@dataclass
class Fault:
    target: str
    fault: str
    times: int = 1
    path_contains: str | None = None
    method: str | None = None
    status: int = 503
    seconds: float | None = None
    retry_after: str = "1"
    apply: bool = False  # 5xx only: run the handler, then answer `status` anyway
    skip: int = 0  # let this many matching requests through untouched first

    def matches(self, target: str, method: str, path: str) -> bool:
        return (
            self.times > 0
            and self.target == target
            and (not self.method or self.method.upper() == method)
            and (not self.path_contains or self.path_contains in path)
        )


class SandboxState:
    """Per-marketplace state dicts and settings, and the pending faults, behind one lock."""

    def __init__(self, targets: Iterable[str]) -> None:
        self.targets = tuple(targets)
        self.lock = threading.RLock()
        self.data: dict[str, dict] = {}
        self.config: dict[str, dict] = {}
        self.faults: list[Fault] = []
        self.requests: deque[dict] = deque(maxlen=REQUEST_RECORD_LIMIT)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.data = {target: {} for target in self.targets}
            self.config = {target: {} for target in self.targets}
            self.faults = []
            self.requests.clear()

    def record(self, req: SandboxRequest) -> None:
        """Remember a marketplace request as received (before any fault), body parsed if JSON."""
        try:
            body = req.json()
        except ValueError:
            body = req.body.decode("utf-8", "replace")
        entry = {
            "target": req.target,
            "method": req.method,
            "path": req.path,
            "query": req.query,
            "body": body,
        }
        with self.lock:
            self.requests.append(entry)

    def recorded(self, target: str | None = None) -> list[dict]:
        """A copy of the recorded requests, oldest first (one marketplace's, or all)."""
        with self.lock:
            return [copy.deepcopy(r) for r in self.requests if target in (None, r["target"])]

    def add_fault(self, fault: Fault) -> None:
        if fault.target not in self.targets:
            raise ValueError(f"unknown target {fault.target!r}")
        if fault.fault not in FAULTS:
            raise ValueError(f"unknown fault {fault.fault!r}")
        with self.lock:
            self.faults.append(fault)

    def take_fault(self, target: str, method: str, path: str) -> Fault | None:
        """The first pending fault matching this request, consumed once."""
        with self.lock:
            for fault in self.faults:
                if fault.matches(target, method, path):
                    if fault.skip > 0:
                        fault.skip -= 1
                        continue
                    fault.times -= 1
                    return copy.copy(fault)
        return None

    def configure(self, target: str, **settings: Any) -> None:
        with self.lock:
            self.config[target].update(settings)

    def snapshot(self, target: str | None = None) -> Any:
        """A deep copy of the state (one marketplace's, or all), safe to inspect."""
        with self.lock:
            if target:
                return copy.deepcopy(self.data[target])
            return {
                "data": copy.deepcopy(self.data),
                "config": copy.deepcopy(self.config),
                "faults": [vars(f).copy() for f in self.faults if f.times > 0],
                "requests": self.recorded(),
            }


def _client_timeout_seconds() -> float:
    return float(getattr(settings, "MARKETPLACE_HTTP_TIMEOUT", 10.0))


def _error(status: int, message: str) -> SandboxResponse:
    return SandboxResponse(status=status, json={"code": "ERROR", "message": message})


class _Handler(BaseHTTPRequestHandler):
    server_version = "MarketplaceSandbox/1.0"
    # HTTP/1.0: one request per connection, so a dropped response never poisons a pooled socket.
    protocol_version = "HTTP/1.0"

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass

    def _dispatch(self) -> None:
        state: SandboxState = self.server.state  # type: ignore[attr-defined]
        targets: dict[str, SandboxTarget] = self.server.targets  # type: ignore[attr-defined]
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = SandboxRequest(self.command, path, query, headers, body, state)
        if path.startswith("/_sandbox/"):
            self._send(_control(req, targets))
            return
        if path in ("", "/") and self.command in ("GET", "HEAD"):
            self._send(describe(req, targets))
            return
        module = next(
            (t for t in targets.values() if any(path.startswith(p) for p in t.prefixes)), None
        )
        if module is None:
            self._send(_error(404, "Not Found"))
            return
        target = req.target = module.name
        state.record(req)
        fault = state.take_fault(target, req.method, path)
        if fault and fault.fault == "5xx" and not fault.apply:
            self._send(_error(fault.status, "Service Unavailable"))
            return
        if fault and fault.fault == "429":
            response = _error(429, "Too Many Requests")
            response.headers["Retry-After"] = str(fault.retry_after)
            self._send(response)
            return
        if fault and fault.fault == "retired":
            retired = module.retired_response
            self._send(retired(req) if retired else _error(410, "Gone"))
            return
        if fault and fault.fault == "timeout":
            time.sleep(
                fault.seconds if fault.seconds is not None else _client_timeout_seconds() + 1
            )
        try:
            response = module.handle(req)
        except Exception as exc:  # a sandbox bug must not look like a network fault
            response = _error(500, f"sandbox error: {exc!r}")
        if fault and fault.fault == "drop_after_apply":
            self.close_connection = True
            return
        if fault and fault.fault == "5xx":  # applied above; the answer is lost all the same
            response = _error(fault.status, "Internal Server Error")
        self._send(response)

    def _send(self, response: SandboxResponse) -> None:
        payload = response.encode()
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout fault): nobody is listening

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch


def _control(req: SandboxRequest, targets: dict[str, SandboxTarget]) -> SandboxResponse:
    state = req.state
    try:
        body = req.json() or {}
    except ValueError:
        return _error(400, "body is not JSON")
    if req.method == "POST" and req.path == "/_sandbox/reset":
        state.reset()
        return SandboxResponse(json={"ok": True})
    if req.method == "POST" and req.path == "/_sandbox/faults":
        known = {
            "target",
            "fault",
            "times",
            "path_contains",
            "method",
            "status",
            "seconds",
            "retry_after",
            "apply",
            "skip",
        }
        try:
            state.add_fault(Fault(**{k: v for k, v in body.items() if k in known}))
        except (TypeError, ValueError) as exc:
            return _error(400, str(exc))
        return SandboxResponse(json={"ok": True})
    if req.method == "POST" and req.path == "/_sandbox/config":
        if body.get("target") not in targets:
            return _error(400, "unknown target")
        state.configure(body["target"], **(body.get("settings") or {}))
        return SandboxResponse(json={"ok": True})
    if req.method == "POST" and req.path == "/_sandbox/settle":
        if body.get("target") not in targets:
            return _error(400, "unknown target")
        settle_now(state, targets[body["target"]])
        return SandboxResponse(json={"ok": True})
    if req.method == "GET" and req.path == "/_sandbox/state":
        return SandboxResponse(json=json.loads(json.dumps(state.snapshot(), default=str)))
    return _error(404, "Not Found")


def description(targets: dict[str, SandboxTarget]) -> dict:
    """What the sandbox serves and how to steer it, as JSON."""
    return {
        "name": "marketplace sandbox",
        "about": "A fake Coupang and ESM Plus (Gmarket / Auction) for local runs and tests: "
        "signatures and tokens checked as the real ones, every documented rule and message, "
        "state kept in memory (MARKETPLACES.md).",
        "marketplaces": [
            {
                "name": t.name,
                "prefixes": list(t.prefixes),
                "paths": list(t.paths or KNOWN_PATHS.get(t.name, ())),
            }
            for t in targets.values()
        ],
        "controls": [{"request": r, "what": w} for r, w in CONTROLS],
        "faults": list(FAULTS),
    }


def describe(req: SandboxRequest, targets: dict[str, SandboxTarget]) -> SandboxResponse:
    """The root page: JSON when asked for (Accept or ?format=json), else a small HTML page."""
    about = description(targets)
    if "application/json" in req.header("accept") or req.params.get("format") == "json":
        return SandboxResponse(json=about)
    esc = html.escape
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>Marketplace sandbox</title></head><body style='font-family:sans-serif'>",
        f"<h1>Marketplace sandbox</h1><p>{esc(about['about'])}</p>",
    ]
    for market in about["marketplaces"]:
        parts.append(f"<h2>{esc(market['name'])}</h2><ul>")
        parts += [f"<li><code>{esc(p)}</code></li>" for p in market["paths"]]
        parts.append("</ul>")
    parts.append("<h2>Controls and faults</h2><ul>")
    parts += [
        f"<li><code>{esc(c['request'])}</code> — {esc(c['what'])}</li>" for c in about["controls"]
    ]
    parts.append(f"</ul><p>Faults: {esc(', '.join(about['faults']))}.</p>")
    parts.append("<p>The same as JSON: <code>GET /?format=json</code>.</p></body></html>")
    return SandboxResponse(text="".join(parts), content_type="text/html; charset=utf-8")


def settle_now(state: SandboxState, target: SandboxTarget) -> None:
    """Finish the target's pending asynchronous requests at once (nothing to do without any)."""
    if target.settle:
        target.settle(state, target.name)


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address, targets: Iterable[SandboxTarget] | None = None):
        super().__init__(address, _Handler)
        chosen = registered_targets() if targets is None else list(targets)
        self.targets = {t.name: t for t in chosen}
        self.state = SandboxState(self.targets)


class SandboxHandle:
    """A sandbox running in a daemon thread of this process (tests, `make run`)."""

    def __init__(self, server: SandboxServer, thread: threading.Thread):
        self.server = server
        self.thread = thread
        host, port = server.server_address[:2]
        self.host, self.port = host, port
        self.base_url = f"http://{host}:{port}"

    @property
    def state(self) -> SandboxState:
        return self.server.state

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def reset(self) -> None:
        self.state.reset()

    def inject(
        self,
        target: str,
        fault: str,
        times: int = 1,
        path_contains: str | None = None,
        method: str | None = None,
        **options: Any,
    ) -> None:
        """Make the next `times` matching requests misbehave (see the module docstring)."""
        self.state.add_fault(
            Fault(
                target=target,
                fault=fault,
                times=times,
                path_contains=path_contains,
                method=method,
                **options,
            )
        )

    def configure(self, target: str, **settings: Any) -> None:
        self.state.configure(target, **settings)

    def settle(self, target: str) -> None:
        """Finish the target's pending asynchronous requests (Coupang's transactions) now."""
        settle_now(self.state, self.server.targets[target])

    def snapshot(self, target: str | None = None) -> Any:
        return self.state.snapshot(target)

    def requests(self, target: str | None = None) -> list[dict]:
        """The marketplace requests the sandbox received, oldest first (see `SandboxState.record`)."""
        return self.state.recorded(target)


def start_sandbox(
    host: str = "127.0.0.1", port: int = 0, targets: Iterable[SandboxTarget] | None = None
) -> SandboxHandle:
    """Start the sandbox in a daemon thread; port 0 picks a free one (see `.base_url`).

    Serves `targets`, by default every registered marketplace's."""
    server = SandboxServer((host, port), targets)
    thread = threading.Thread(target=server.serve_forever, name="marketplace-sandbox", daemon=True)
    thread.start()
    return SandboxHandle(server, thread)


def serve_forever(
    host: str = "127.0.0.1", port: int = 8001, announce: Callable[[str], None] | None = None
) -> None:
    """Run the sandbox (every registered marketplace's half) in the foreground until interrupted;
    `announce(base_url)` is called once it listens."""
    server = SandboxServer((host, port))
    if announce:
        announce(f"http://{host}:{server.server_address[1]}")
    try:
        server.serve_forever()
    finally:
        server.server_close()
