"""OpenAPI post-processing: the answers any operation may give, documented on every operation.

The request guard, the parsers, the throttles and the outage handler answer these before a view
runs (backoffice/middleware.py, parsers.py, throttling.py, api_errors.py), always in the one
error shape, so each operation lists them instead of a reader learning them from a 415 or a 503.
"""

COMMON_ERRORS = {
    "413": "요청 본문이 너무 큽니다 (API_MAX_BODY_BYTES).",
    "415": "지원하지 않는 Content-Type이거나 본문을 해석할 수 없습니다.",
    "429": "호출 한도를 넘었습니다. Retry-After 후 다시 시도하세요.",
    "431": "요청 헤더가 너무 큽니다 (API_MAX_HEADER_BYTES).",
    "503": "데이터베이스에 연결할 수 없습니다. Retry-After 후 다시 시도하세요.",
}
ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorOut"}


def add_common_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: add COMMON_ERRORS to every operation that lacks them."""
    if "ErrorOut" not in result.get("components", {}).get("schemas", {}):
        return result
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for status, description in COMMON_ERRORS.items():
                responses.setdefault(
                    status,
                    {
                        "content": {"application/json": {"schema": ERROR_SCHEMA}},
                        "description": description,
                    },
                )
    return result
