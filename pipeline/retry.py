"""Which failures are worth retrying (the object store or the network hiccuped), and retry defaults.

Retries happen at two levels: each object-store call is retried by botocore with exponential
backoff (`object_store_defaults`), and a shard task that still fails on a transient error is
raised to Dask, which reruns it (`ClusterConfig.retries`, on any worker); Dask also reruns the
tasks of a worker that died. A shard that keeps failing is recorded as failed in the manifest.
"""

from __future__ import annotations

import errno
from typing import Any

_TRANSIENT_ERRNOS = {errno.EIO, getattr(errno, "EREMOTEIO", errno.EIO), errno.EBUSY, errno.ECONNRESET,
                     errno.ECONNREFUSED, errno.ECONNABORTED, errno.ETIMEDOUT, errno.EPIPE, errno.EAGAIN}
# Transport errors of botocore / aiohttp / urllib3, by name (not every install has each package).
_TRANSIENT_NAMES = {"EndpointConnectionError", "ConnectionClosedError", "ConnectTimeoutError", "ReadTimeoutError",
                    "ResponseStreamingError", "IncompleteReadError", "ServerDisconnectedError",
                    "ClientPayloadError", "ClientConnectorError", "ClientOSError", "ProtocolError",
                    "IncompleteRead", "HTTPClientError", "FSTimeoutError"}
OBJECT_STORE_ATTEMPTS = 10


def is_transient(exc: BaseException) -> bool:
    """True for a failure a retry may cure: a dropped connection, a timeout, a 5xx from the store."""
    for e in _chain(exc):
        if isinstance(e, (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)):
            return False
        if isinstance(e, (ConnectionError, TimeoutError)) or type(e).__name__ in _TRANSIENT_NAMES:
            return True
        if isinstance(e, OSError) and e.errno in _TRANSIENT_ERRNOS:
            return True
    return False


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def object_store_defaults(path: str, storage_options: dict[str, Any] | None) -> dict[str, Any]:
    """`storage_options` with botocore's standard retry mode (exponential backoff with jitter on
    5xx, throttling and connection errors) for s3:// paths, unless the user configured retries."""
    options = dict(storage_options or {})
    if not path.startswith(("s3://", "s3a://")):
        return options
    config_kwargs = dict(options.get("config_kwargs") or {})
    config_kwargs.setdefault("retries", {"max_attempts": OBJECT_STORE_ATTEMPTS, "mode": "standard"})
    options["config_kwargs"] = config_kwargs
    return options
