"""Keep credentials out of anything assay writes or prints (manifests, logs, error messages)."""

from __future__ import annotations

import re
from typing import Any

REDACTED = "***"
_SECRET_KEY = re.compile(r"(^|_)(key|secret|token|password|passwd|credentials?|signature)s?($|_)", re.I)
_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^/@:\s]*)(:(?P<pw>[^/@\s]*))?@", re.I)
_QUERY_SECRET = re.compile(r"(?P<name>[?&](?:[\w.-]*(?:signature|token|secret|key|credential)[\w.-]*)=)[^&\s]*", re.I)
_NOT_SECRET = {"key_field", "id_field", "text_field", "url_field", "keep"}


def redact_text(text: str) -> str:
    """A URL's password (user:password@host) and secret-looking query parameters replaced by ***."""
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{REDACTED}@" if m["pw"] is not None
                         else f"{m['scheme']}{REDACTED}@", text)
    return _QUERY_SECRET.sub(lambda m: m["name"] + REDACTED, text)


def redact(obj: Any) -> Any:
    """A copy of a JSON-like config with the values of secret-looking keys (key, secret, token,
    password, aws_secret_access_key, ...) and passwords in URLs replaced by ***."""
    if isinstance(obj, dict):
        return {k: REDACTED if _is_secret(k) and v not in (None, "") else redact(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(redact(v) for v in obj)
    if isinstance(obj, str):
        return redact_text(obj)
    return obj


def _is_secret(key: object) -> bool:
    return isinstance(key, str) and key not in _NOT_SECRET and bool(_SECRET_KEY.search(key))
