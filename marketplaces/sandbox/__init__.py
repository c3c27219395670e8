"""The bundled fake marketplaces (MARKETPLACES.md, "The sandbox"). See server.py."""

from .server import (  # noqa: F401
    SandboxHandle,
    SandboxRequest,
    SandboxResponse,
    SandboxState,
    serve_forever,
    start_sandbox,
)
