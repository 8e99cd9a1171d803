import base64
import gzip

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certiflow.credentials.vc import statuslist
from certiflow.credentials.vc.statuslist import (
    MAX_LENGTH,
    MIN_LENGTH,
    InvalidStatusList,
    decode,
    encode,
    is_set,
    set_bit,
)


def empty_list(bits: int = MIN_LENGTH) -> bytearray:
    return bytearray(bits // 8)


def set_indices(bits: bytes) -> set[int]:
    """The indices of the 1 bits, read independently of ``is_set``: most significant bit first."""
    return {
        byte * 8 + offset
        for byte, value in enumerate(bits)
        if value
        for offset, char in enumerate(f"{value:08b}")
        if char == "1"
    }


def multibase(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


@settings(max_examples=50, deadline=None)
@given(indices=st.sets(st.integers(min_value=0, max_value=MIN_LENGTH - 1), max_size=40))
def test_encode_decode_any_set_of_indices_round_trips(indices):
    bits = empty_list()
    for index in indices:
        set_bit(bits, index, True)

    decoded = decode(encode(bits))

    assert decoded == bytes(bits)
    assert all(is_set(decoded, index) for index in indices)
    assert set_indices(decoded) == indices


@pytest.mark.parametrize(
    ("index", "byte", "value"),
    [(0, 0, 0x80), (1, 0, 0x40), (7, 0, 0x01), (8, 1, 0x80), (MIN_LENGTH - 1, MIN_LENGTH // 8 - 1, 0x01)],
)
def test_set_bit_follows_the_specification_bit_order(index, byte, value):
    bits = empty_list()

    set_bit(bits, index, True)

    assert bits[byte] == value
    assert sum(bits) == value


def test_set_bit_false_clears_only_that_bit():
    bits = bytearray(b"\xff" * (MIN_LENGTH // 8))

    set_bit(bits, 3, False)

    assert bits[0] == 0xEF
    assert is_set(bits, 3) is False
    assert is_set(bits, 2) is True


def test_encode_is_deterministic_and_multibase_base64url():
    bits = empty_list()
    set_bit(bits, 42, True)

    first = encode(bits)
    second = encode(bytes(bits))

    assert first == second
    assert first.startswith("u")
    assert "=" not in first
    assert set(first[1:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_encode_writes_no_time_in_the_gzip_header():
    encoded = encode(empty_list())

    compressed = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))

    assert compressed[:2] == b"\x1f\x8b"
    assert compressed[4:8] == bytes(4)


def test_decode_accepts_a_list_made_elsewhere():
    bits = empty_list()
    bits[0] = 0x80
    made_elsewhere = multibase(gzip.compress(bytes(bits), mtime=1_700_000_000))

    decoded = decode(made_elsewhere)

    assert is_set(decoded, 0)


def test_encode_short_list_is_refused():
    with pytest.raises(ValueError, match="at least 131072 bits"):
        encode(bytes(MIN_LENGTH // 8 - 1))


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        ("H4sIAAAAAAAAA", "must start with 'u'"),
        ("", "must start with 'u'"),
        ("zH4sIAAAAAAAAA", "must start with 'u'"),
        ("uH4sI+AAA/AAA", "not base64url"),
        ("uH4sIAA==", "not base64url"),
        ("uH4sIA AAA", "not base64url"),
        ("uA", "not base64url"),
        (multibase(b"not gzip at all"), "not GZIP"),
        (multibase(gzip.compress(bytes(MIN_LENGTH // 8 - 1))), "has 131064 bits; the minimum is 131072"),
        (multibase(gzip.compress(bytes(MIN_LENGTH // 8))[:-6]), "truncated"),
        (multibase(gzip.compress(bytes(MIN_LENGTH // 8)) + b"trailing"), "after its GZIP stream"),
    ],
    ids=[
        "no-prefix",
        "empty",
        "base58-prefix",
        "standard-base64",
        "padding",
        "space",
        "impossible-length",
        "not-gzip",
        "too-short",
        "truncated",
        "trailing-data",
    ],
)
def test_decode_invalid_list_raises(encoded, message):
    with pytest.raises(InvalidStatusList, match=message):
        decode(encoded)


def test_decode_list_longer_than_the_maximum_is_refused():
    bomb = multibase(gzip.compress(bytes(MAX_LENGTH // 8 + 1), compresslevel=1))

    with pytest.raises(InvalidStatusList, match="longer than"):
        decode(bomb)


def test_decode_non_string_raises():
    with pytest.raises(InvalidStatusList):
        decode(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("index", [-1, MIN_LENGTH, MIN_LENGTH + 8])
def test_is_set_and_set_bit_outside_the_list_raise(index):
    bits = empty_list()

    with pytest.raises(IndexError, match="outside the list"):
        is_set(bits, index)
    with pytest.raises(IndexError, match="outside the list"):
        set_bit(bits, index, True)


def test_min_length_is_sixteen_kilobytes():
    assert statuslist.MIN_LENGTH == 16 * 1024 * 8
