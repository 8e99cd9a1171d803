"""Decoding uploaded bytes: what is read, and what is refused with a precise message."""

import codecs

import pytest

from certiflow.frameworks.importers.base import (
    MAX_DOCUMENT_BYTES,
    ImportRefused,
    ParseResult,
    check_numbering,
    decode_document,
    normalise_space,
)

FRENCH = "Référentiel « Manager » – compétences, œuvres, l’équipe"


def test_decode_utf8_keeps_text_and_normalises_line_endings():
    text, encoding = decode_document(f"{FRENCH}\r\nligne 2\r".encode(), name="a.txt")

    assert (text, encoding) == (f"{FRENCH}\nligne 2\n", "utf-8")


def test_decode_utf8_with_bom():
    text, encoding = decode_document(codecs.BOM_UTF8 + FRENCH.encode(), name="a.txt")

    assert (text, encoding) == (FRENCH, "utf-8-sig")


def test_decode_utf16_with_bom():
    text, encoding = decode_document(FRENCH.encode("utf-16"), name="a.txt")

    assert (text, encoding) == (FRENCH, "utf-16")


def test_decode_windows_1252_when_it_reads_as_french_text():
    text, encoding = decode_document(FRENCH.encode("cp1252"), name="a.txt")

    assert (text, encoding) == (FRENCH, "windows-1252")


def test_decode_windows_1252_table_with_few_letters():
    table = "nom;prénom;email;date\n" + "".join(
        f"Lefèvre;Zoé;z{n}@exemple.fr;01/09/2024\n" for n in range(50)
    )

    text, encoding = decode_document(table.encode("cp1252"), name="promo.csv")

    assert (text, encoding) == (table, "windows-1252")


def test_decode_refuses_an_empty_file():
    with pytest.raises(ImportRefused, match="is empty"):
        decode_document(b"  \n\n ", name="vide.txt")


def test_decode_refuses_a_binary_file():
    with pytest.raises(ImportRefused, match="binary file"):
        decode_document(b"%PDF-1.7\n\x00\x01\x02\xff" * 10, name="ref.pdf")


def test_decode_refuses_an_oversized_file():
    with pytest.raises(ImportRefused, match="the limit is"):
        decode_document(b"a" * (MAX_DOCUMENT_BYTES + 1), name="big.txt")


def test_decode_refuses_bytes_that_are_neither_utf8_nor_windows_1252():
    raw = "Текст на русском языке".encode("koi8-r")

    with pytest.raises(ImportRefused) as refused:
        decode_document(raw, name="ru.txt")

    assert "cannot be told reliably" in str(refused.value)
    assert refused.value.line == 1


def test_decode_refuses_a_bad_utf16_file_with_bom():
    with pytest.raises(ImportRefused, match="not valid UTF-16"):
        decode_document(codecs.BOM_UTF16_LE + b"\x00\xd8", name="a.txt")


def test_decode_refuses_control_characters_with_their_line():
    with pytest.raises(ImportRefused) as refused:
        decode_document(b"ligne 1\nligne 2\x07\n", name="a.txt")

    assert refused.value.line == 2


def test_normalise_space_collapses_runs_and_nbsp():
    assert normalise_space("  a\u00a0 b\n\t c  ") == "a b c"


def test_check_numbering_reports_gaps_and_order_without_renumbering():
    result = ParseResult(layout="x", document={})

    check_numbering(result, [("A1", 1), ("A2", 2), ("A5", 3), ("A4", 5)], what="Activity", prefix="A")

    assert [(issue.code, issue.line) for issue in result.issues] == [
        ("numbering_gap", 3),
        ("numbering_order", 5),
    ]
    assert "A3, A4 missing" in result.issues[0].message


def test_check_numbering_refuses_a_duplicated_code_with_both_lines():
    result = ParseResult(layout="x", document={})

    with pytest.raises(ImportRefused) as refused:
        check_numbering(result, [("C1", 3), ("C2", 4), ("C1", 9)], what="Competency", prefix="C")

    assert refused.value.line == 9
    assert "first on line 3" in str(refused.value)
