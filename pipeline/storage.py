"""Local paths and s3:// alike, through fsspec."""

from __future__ import annotations

import glob as _glob
import os
import posixpath
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import fsspec
import polars as pl
from fsspec.core import url_to_fs

from pipeline.redact import redact_text
from pipeline.retry import object_store_defaults
from pipeline.streams import decompressing


def filesystem(path: str, storage_options: dict[str, Any] | None = None) -> tuple[fsspec.AbstractFileSystem, str]:
    return url_to_fs(path, **object_store_defaults(path, storage_options))


def open_binary(path: str, storage_options: dict[str, Any] | None = None, compression: str | None = None,
                max_ratio: float | None = None, check_bytes: int = 64 << 20) -> IO[bytes]:
    """A buffered binary stream; `compression` ('gzip', 'zstd', None) is undone on the fly.

    Every gzip member and zstd frame is read (files made by concatenating them are common). With
    `max_ratio`, reading raises DecompressionRatioError once `check_bytes` have been decompressed
    at more than `max_ratio` times the compressed bytes read.
    """
    raw = fsspec.open(path, "rb", **object_store_defaults(path, storage_options)).open()
    if compression is None:
        return raw
    return decompressing(raw, compression, max_ratio, check_bytes)


# fsspec / s3fs option -> the object_store key polars reads (polars ignores fsspec's own names and
# would fall back to the environment's or the instance's credentials).
_POLARS_S3_KEYS = {"key": "aws_access_key_id", "secret": "aws_secret_access_key", "token": "aws_session_token",
                   "endpoint_url": "aws_endpoint_url", "region_name": "aws_region"}


def polars_storage_options(path: str | list[str], storage_options: dict[str, Any] | None) -> dict[str, str] | None:
    """`storage_options` (fsspec's names) as polars' scan_* options for s3:// paths: credentials,
    endpoint (plain HTTP allowed when the endpoint is http://), region, anonymous access; the
    object_store names (aws_*) pass unchanged. None for other paths or no options."""
    first = path[0] if isinstance(path, list) and path else path
    if not storage_options or not isinstance(first, str) or not first.startswith(("s3://", "s3a://")):
        return None
    client = dict(storage_options.get("client_kwargs") or {})
    out: dict[str, str] = {}
    for name, value in {**client, **storage_options}.items():
        if name.startswith("aws_"):
            out[name] = str(value)
        elif name in _POLARS_S3_KEYS and value is not None:
            out[_POLARS_S3_KEYS[name]] = str(value)
    if storage_options.get("anon"):
        out["aws_skip_signature"] = "true"
    if out.get("aws_endpoint_url", "").startswith("http://"):
        out.setdefault("aws_allow_http", "true")
    return out or None


def scan_parquet(path: str | list[str], storage_options: dict[str, Any] | None = None) -> pl.LazyFrame:
    """polars.scan_parquet with fsspec-style storage options (see polars_storage_options)."""
    return pl.scan_parquet(path, storage_options=polars_storage_options(path, storage_options))


def absolute(path: str) -> str:
    """Local paths made absolute (workers may run elsewhere); URLs unchanged."""
    return path if "://" in path else os.path.abspath(path)


def expand_inputs(patterns: list[str] | tuple[str, ...], storage_options: dict[str, Any] | None = None) -> list[str]:
    """Expand globs (local or remote) into a sorted, de-duplicated list of files; a missing path is an error."""
    out: list[str] = []
    for pattern in patterns:
        pattern = absolute(pattern)
        with access_checked(pattern):
            out.extend(_expand(pattern, storage_options))
    return sorted(dict.fromkeys(out))


_CREDENTIAL_ERRORS = {"NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError"}


@contextmanager
def access_checked(path: str) -> Iterator[None]:
    """Turn a refused object-store call into one clear PermissionError naming the bucket."""
    try:
        yield
    except Exception as exc:
        refused = isinstance(exc, PermissionError) or type(exc).__name__ in _CREDENTIAL_ERRORS
        if not refused or "://" not in path:
            raise
        scheme, rest = path.split("://", 1)
        raise PermissionError(f"{scheme}://{rest.split('/', 1)[0]}: access denied for {redact_text(path)} "
                              f"({exc}); check the credentials (AWS_* environment variables, ~/.aws, or fsspec "
                              "configuration)") from None


def _expand(pattern: str, storage_options: dict[str, Any] | None) -> list[str]:
    fs, stripped = filesystem(pattern, storage_options)
    if _glob.has_magic(stripped):
        matches = sorted(fs.glob(stripped))
        if not matches:
            raise FileNotFoundError(f"no input matches {pattern!r}")
    else:
        if not fs.exists(stripped):
            raise FileNotFoundError(f"input not found: {pattern!r}")
        matches = sorted(fs.find(stripped)) if fs.isdir(stripped) else [stripped]
    return [_unstrip(pattern, m) for m in matches]


def _unstrip(original: str, path: str) -> str:
    return f"{original.split('://', 1)[0]}://{path}" if "://" in original else path


def confined_join(root: str, *parts: str) -> str:
    """`root/part/...` for names that stay inside `root`: a part that is empty, absolute, a URL, or
    has a `..` segment is refused (ValueError), whatever input names or configs it came from."""
    for part in parts:
        segments = part.replace("\\", "/").split("/")
        if (not part or part.startswith(("/", "\\", "~")) or "://" in part or ".." in segments
                or (len(part) > 1 and part[1] == ":")):
            raise ValueError(f"{part!r}: an output name must be a relative path inside the output folder {root}")
    return join(root, *parts)


def join(base: str, *parts: str) -> str:
    return posixpath.join(base, *parts) if "://" in base else os.path.join(base, *parts)


def makedirs(path: str, storage_options: dict[str, Any] | None = None) -> None:
    with access_checked(path):
        fs, stripped = filesystem(path, storage_options)
        fs.makedirs(stripped, exist_ok=True)


def temporary_name(final: str) -> str:
    """A sibling name for writing `final` before it is complete (renamed into place when done)."""
    head, tail = posixpath.split(final) if "://" in final else os.path.split(final)
    return join(head, f".{tail}.tmp-{uuid.uuid4().hex[:12]}")


def remove_stale_temporaries(folder: str, storage_options: dict[str, Any] | None = None) -> int:
    """Delete temporaries left by killed tasks of an earlier run (named by `temporary_name`)."""
    fs, stripped = filesystem(folder, storage_options)
    stale = [p for p in fs.find(stripped) if ".tmp-" in p.rsplit("/", 1)[-1] and p.rsplit("/", 1)[-1].startswith(".")]
    for path in stale:
        fs.rm(path)
    return len(stale)


def commit(tmp: str, final: str, storage_options: dict[str, Any] | None = None) -> None:
    """Move a finished temporary file into place (atomic rename locally; copy+delete on object stores)."""
    fs, tmp_stripped = filesystem(tmp, storage_options)
    _, final_stripped = filesystem(final, storage_options)
    fs.mv(tmp_stripped, final_stripped)


def remove_quietly(path: str, storage_options: dict[str, Any] | None = None) -> None:
    try:
        fs, stripped = filesystem(path, storage_options)
        if fs.exists(stripped):
            fs.rm(stripped)
    except OSError:
        pass


@contextmanager
def atomic_write(path: str, storage_options: dict[str, Any] | None = None) -> Iterator[Any]:
    """A binary file to write `path` through: a temporary sibling, moved into place when the block ends
    and removed if it raises, so `path` is either absent, the old file, or complete."""
    tmp = temporary_name(path)
    fs, stripped = filesystem(tmp, storage_options)
    fs.makedirs(fs._parent(stripped), exist_ok=True)
    try:
        with fs.open(stripped, "wb") as sink:
            yield sink
        commit(tmp, path, storage_options)
    except BaseException:
        remove_quietly(tmp, storage_options)
        raise


def write_bytes_atomic(path: str, data: bytes, storage_options: dict[str, Any] | None = None) -> None:
    with atomic_write(path, storage_options) as sink:
        sink.write(data)


def read_bytes(path: str, storage_options: dict[str, Any] | None = None) -> bytes | None:
    fs, stripped = filesystem(path, storage_options)
    if not fs.exists(stripped):
        return None
    with fs.open(stripped, "rb") as f:
        return f.read()
