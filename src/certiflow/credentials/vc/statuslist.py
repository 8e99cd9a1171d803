"""W3C Bitstring Status List v1.0: the ``encodedList`` of a ``BitstringStatusListCredential`` and its bits.

``encodedList`` is ``"u"`` (multibase base64url) + base64url without padding of the GZIP-compressed
bitstring. Bit ``index`` is bit ``7 - index % 8`` of byte ``index // 8``: index 0 is the left-most (most
significant) bit of the first byte.

Invariants: a list is at least :data:`MIN_LENGTH` bits (16 KB, the specification's minimum, for herd
privacy), in both directions; encoding is deterministic (the GZIP header's time is 0, so the same bits
always give the same string); decoding never inflates more than :data:`MAX_LENGTH` bits, so a small
hostile string cannot exhaust memory.
"""

from __future__ import annotations

import base64
import gzip
import re
import zlib

#: The specification's minimum length of a bitstring, in bits (16 KB).
MIN_LENGTH = 131072
#: The longest bitstring :func:`decode` accepts, in bits (16 MB): far more than one issuer needs.
MAX_LENGTH = 16 * 1024 * 1024 * 8

_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class InvalidStatusList(ValueError):
    """An ``encodedList`` that cannot be decoded; the message says why."""


def encode(bits: bytes | bytearray) -> str:
    """The ``encodedList`` of ``bits``; refuses (``ValueError``) a list shorter than :data:`MIN_LENGTH`."""
    if len(bits) * 8 < MIN_LENGTH:
        raise ValueError(
            f"A status list has at least {MIN_LENGTH} bits ({MIN_LENGTH // 8} bytes), not {len(bits) * 8}."
        )
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode(encoded: str) -> bytes:
    """The bitstring of an ``encodedList``; :class:`InvalidStatusList` when it has no ``u`` prefix, is not
    base64url without padding, is not GZIP, or inflates to fewer than :data:`MIN_LENGTH` or more than
    :data:`MAX_LENGTH` bits."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise InvalidStatusList("An encodedList is multibase base64url: it must start with 'u'.")
    text = encoded[1:]
    if not _BASE64URL.match(text) or len(text) % 4 == 1:
        raise InvalidStatusList("The encodedList is not base64url without padding.")
    compressed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    bits = _gunzip(compressed)
    if len(bits) * 8 < MIN_LENGTH:
        raise InvalidStatusList(f"The status list has {len(bits) * 8} bits; the minimum is {MIN_LENGTH}.")
    return bits


def _gunzip(compressed: bytes) -> bytes:
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # 16+: a GZIP header and trailer
    limit = MAX_LENGTH // 8
    try:
        bits = inflater.decompress(compressed, limit + 1)
    except zlib.error:
        raise InvalidStatusList("The encodedList is not GZIP-compressed data.") from None
    if len(bits) > limit:
        raise InvalidStatusList(f"The status list is longer than {MAX_LENGTH} bits, the most accepted.")
    if not inflater.eof or inflater.unused_data:
        raise InvalidStatusList("The encodedList is truncated or has data after its GZIP stream.")
    return bits


def is_set(bits: bytes | bytearray, index: int) -> bool:
    """Whether bit ``index`` is 1; ``IndexError`` outside the list (negative indices included)."""
    byte, mask = _position(bits, index)
    return bool(bits[byte] & mask)


def set_bit(bits: bytearray, index: int, value: bool) -> None:
    """Set bit ``index`` of ``bits`` (in place) to ``value``; ``IndexError`` outside the list."""
    byte, mask = _position(bits, index)
    if value:
        bits[byte] |= mask
    else:
        bits[byte] &= ~mask & 0xFF


def _position(bits: bytes | bytearray, index: int) -> tuple[int, int]:
    if not 0 <= index < len(bits) * 8:
        raise IndexError(f"Status list index {index} is outside the list of {len(bits) * 8} bits.")
    return index // 8, 0x80 >> (index % 8)
