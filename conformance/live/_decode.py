"""A response body as the server meant it, decompressed within a cap.

httpx undoes gzip and deflate a network read at a time with no bound, so one small read of a
"gzip bomb" becomes tens of megabytes at once. Here gzip and deflate are undone by zlib with a
``max_length``: never more than the cap (plus one byte, to see it was passed) is produced. Other
encodings (br, zstd) are left to httpx's decoders.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import httpx

# Bytes produced per decompression step: small, so that a read never holds much more than
# what it adds to the body.
_PIECE = 64 * 1024


class BadEncoding(Exception):
    """The body is not what its Content-Encoding says."""


def _decompressor(encoding: str) -> zlib._Decompress | None:
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(zlib.MAX_WBITS)
    return None


def decoded(response: httpx.Response, cap: int) -> Iterator[bytes]:
    """The decoded body, read by read; it stops once more than ``cap`` bytes were produced."""
    if response.is_stream_consumed:  # read already (a response built in memory): as it is
        yield response.content[: cap + 1]
        return
    encoding = response.headers.get("content-encoding", "").strip().lower()
    decoder = _decompressor(encoding)
    if decoder is None:
        yield from response.iter_raw() if encoding in ("", "identity") else response.iter_bytes()
        return
    produced = 0
    raw_deflate = encoding == "deflate"
    for data in response.iter_raw():
        while data and produced <= cap:
            try:
                out = decoder.decompress(data, min(_PIECE, cap + 1 - produced))
            except zlib.error as error:
                if raw_deflate and produced == 0:  # deflate sent without its zlib header
                    decoder, raw_deflate = zlib.decompressobj(-zlib.MAX_WBITS), False
                    continue
                raise BadEncoding(f"the body is not valid {encoding} ({error})") from None
            raw_deflate = False
            produced += len(out)
            if out:
                yield out
            data = decoder.unconsumed_tail
        if produced > cap:
            return
    rest = decoder.flush()
    if rest:
        yield rest[: cap + 1 - produced]
