"""Decompressing streams that guard against decompression bombs, and bounded line reading."""

from __future__ import annotations

import gzip
import io
import zlib
from typing import IO

import zstandard


class DecompressionRatioError(OSError):
    """A compressed stream expands beyond the allowed ratio (a zip bomb, or data not worth reading)."""


class _CountingReader(io.RawIOBase):
    """Passes reads through, counting the bytes (the compressed side of a guarded stream)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.count = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


class _GzipMembers(io.RawIOBase):
    """Every member of a gzip stream, decompressed with bounded output per read. Unlike GzipFile,
    a read that hits a corrupt or truncated member first returns everything before it."""

    def __init__(self, source: IO[bytes], chunk: int = 1 << 16) -> None:
        self.source, self.chunk = source, chunk
        self.pending = b""   # compressed bytes not yet given to the decompressor
        self.dobj: zlib._Decompress | None = None
        self.started = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        want = len(buffer)
        while True:
            if self.dobj is None:
                if len(self.pending) < 2:
                    self.pending += self.source.read(self.chunk)
                rest = self.pending.lstrip(b"\x00") if self.started else self.pending
                if not rest:
                    return 0  # end of the stream (zero padding after the last member is ignored)
                if not rest.startswith(_GZIP_MAGIC):
                    raise gzip.BadGzipFile(f"Not a gzipped file ({rest[:2]!r})" if not self.started
                                           else "garbage after the last gzip member")
                self.pending, self.dobj, self.started = rest, zlib.decompressobj(16 + zlib.MAX_WBITS), True
            if not self.pending:
                self.pending = self.source.read(self.chunk)
                if not self.pending and not self.dobj.eof:
                    raise EOFError("compressed file ended before the end-of-stream marker was reached")
            out = self.dobj.decompress(self.pending, want)
            self.pending = self.dobj.unconsumed_tail
            if self.dobj.eof:
                self.pending, self.dobj = self.dobj.unused_data + self.pending, None
            if out:
                buffer[: len(out)] = out
                return len(out)

    def close(self) -> None:
        self.source.close()
        super().close()


_GZIP_MAGIC = b"\x1f\x8b"
_EMPTY_FRAMES = 16


class _RatioGuard(io.RawIOBase):
    """The decompressed side: raises DecompressionRatioError once `check_bytes` have come out and the
    output is more than `max_ratio` times the compressed input read so far."""

    def __init__(self, inner: IO[bytes], source: _CountingReader, max_ratio: float, check_bytes: int) -> None:
        self.inner, self.source = inner, source
        self.max_ratio, self.check_bytes, self.out = max_ratio, check_bytes, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.inner.read(len(buffer))
        for _ in range(_EMPTY_FRAMES):  # an empty zstd frame reads as b"" too; EOF keeps reading b""
            if data:
                break
            data = self.inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.out += n
        if self.out >= self.check_bytes and self.out > self.max_ratio * max(self.source.count, 1):
            raise DecompressionRatioError(
                f"decompression ratio over {self.max_ratio:g}: {self.out:,} bytes out of {self.source.count:,} "
                f"compressed bytes; the rest of the shard is not read")
        return n

    def close(self) -> None:
        self.inner.close()
        super().close()


def decompressing(raw: IO[bytes], compression: str, max_ratio: float | None = None,
                  check_bytes: int = 64 << 20) -> IO[bytes]:
    """A buffered stream of `raw` decompressed ('gzip': every member; 'zstd': every frame), guarded
    by `max_ratio` when given."""
    source = _CountingReader(raw)
    if compression == "gzip":
        inner: IO[bytes] = _GzipMembers(source)
    elif compression == "zstd":
        # One frame per read: a corrupt frame then cannot swallow the output of the frames before it.
        inner = zstandard.ZstdDecompressor().stream_reader(source, read_across_frames=False, closefd=True)
    else:
        raise ValueError(f"unsupported compression {compression!r}")
    guard = _RatioGuard(inner, source, float("inf") if max_ratio is None else max_ratio, check_bytes)
    return io.BufferedReader(guard, buffer_size=1 << 20)


def read_bounded_line(stream: IO[bytes], limit: int) -> tuple[bytes, int]:
    """The next line (with its newline) if at most `limit` bytes, else b"" for an overlong one (read
    to its end in pieces, never held whole); and the line's length in bytes (0 at the end)."""
    line = stream.readline(limit + 1)
    if len(line) <= limit or line.endswith(b"\n"):
        return line, len(line)
    length = len(line)
    while True:
        piece = stream.readline(1 << 20)
        length += len(piece)
        if not piece or piece.endswith(b"\n"):
            return b"", length
