"""The API's JSON parser: DRF's, with the nesting depth bounded before parsing (Python's parser
recurses per level and a 2 KB body nested 1,000 deep raised RecursionError, a 500) and every
string refused that holds a NUL or a lone surrogate (PostgreSQL cannot store either; encoding one
raised DataError / UnicodeEncodeError)."""

from __future__ import annotations

import codecs
import json
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

# NUL and the surrogate code points, which a JSON \\uXXXX escape can produce unpaired.
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


def forbidden_char_message() -> str:
    return _("NUL 문자나 짝이 없는 서로게이트 문자는 보낼 수 없습니다.")


def has_forbidden_char(text: str) -> bool:
    """True when `text` holds a NUL or a lone surrogate (neither can be stored or encoded)."""
    return _FORBIDDEN.search(text) is not None


# A JSON string (with its escapes) or one bracket: a scan that never recurses.
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in `raw` (brackets inside strings ignored)."""
    depth = deepest = 0
    for match in _TOKEN.finditer(raw):
        ch = match.group()[:1]
        if ch in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif ch in (b"]", b"}"):
            depth -= 1
    return deepest


def forbidden_paths(value, limit: int = 20) -> list[str]:
    """Where the parsed `value` holds a NUL or a lone surrogate, as error paths (`rows[3].mbrNo`;
    a key is named by the object holding it), at most `limit` of them."""
    found: list[str] = []
    stack = [(value, "")]
    while stack and len(found) < limit:
        item, path = stack.pop()
        if isinstance(item, str):
            if has_forbidden_char(item):
                found.append(path or "non_field_errors")
        elif isinstance(item, dict):
            for key, child in reversed(item.items()):
                child_path = f"{path}.{key}" if path else key
                if has_forbidden_char(key):
                    found.append(path or "non_field_errors")
                else:
                    stack.append((child, child_path))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]") for i, child in reversed(list(enumerate(item))))
    return sorted(set(found))


class BoundedJSONParser(JSONParser):
    """JSON with at most API_JSON_MAX_DEPTH levels of nesting and no NUL / lone surrogate."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        max_depth = settings.API_JSON_MAX_DEPTH
        if json_depth(raw) > max_depth:
            raise ParseError(
                _("JSON은 %(n)d단계까지만 중첩할 수 있습니다.") % {"n": max_depth},
                code="too_deep",
            )
        try:
            data = json.loads(codecs.decode(raw, encoding), parse_constant=_no_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(_("JSON 형식이 아닙니다: %(error)s") % {"error": exc}) from exc
        paths = forbidden_paths(data)
        if paths:
            message = forbidden_char_message()
            raise ValidationError({path: [message] for path in paths})
        return data


def _no_constant(name):
    # NaN / Infinity are not JSON (DRF's strict mode refuses them as well).
    raise ValueError(f"{name} is not valid JSON")
