import copy
from importlib import resources
from pathlib import Path

import pytest

from certiflow.credentials.vc import jsonld
from certiflow.credentials.vc.jsonld import (
    CONTEXTS,
    ContextNotBundled,
    DroppedData,
    InvalidJsonLd,
    RelativeReference,
    UndefinedTerm,
    canonicalize,
    document_loader,
    format_path,
)

VECTOR_DIR = Path(__file__).resolve().parent / "test_vector"


def proof_options(signed_credential):
    options = {key: value for key, value in signed_credential["proof"].items() if key != "proofValue"}
    options["@context"] = signed_credential["@context"]
    return options


def test_canonicalize_vector_credential_reproduces_document_canon(unsigned_credential):
    expected = (VECTOR_DIR / "document-canon.nq").read_text(encoding="utf-8")

    canonical = canonicalize(unsigned_credential)

    assert canonical == expected


def test_canonicalize_vector_proof_options_reproduce_proof_canon(signed_credential):
    expected = (VECTOR_DIR / "proof-canon.nq").read_text(encoding="utf-8")

    canonical = canonicalize(proof_options(signed_credential))

    assert canonical == expected


def test_canonicalize_document_is_left_unchanged(signed_credential):
    before = copy.deepcopy(signed_credential)

    canonicalize(signed_credential)

    assert signed_credential == before


def test_canonicalize_bundled_contexts_need_no_network(no_network, unsigned_credential):
    canonical = canonicalize(unsigned_credential)

    assert canonical.startswith("<did:example:ebfeb1f712ebc6f1c276e12ec21>")
    assert no_network == []


def test_canonicalize_unknown_context_raises_context_not_bundled_without_network(
    no_network, unsigned_credential
):
    url = "https://example.com/contexts/unknown.jsonld"
    unsigned_credential["@context"].append(url)

    with pytest.raises(ContextNotBundled, match="not bundled") as raised:
        canonicalize(unsigned_credential)

    assert raised.value.url == url
    assert url in str(raised.value)
    assert "never fetched from the network" in str(raised.value)
    assert no_network == []


def test_document_loader_unknown_url_raises_context_not_bundled(no_network):
    with pytest.raises(ContextNotBundled, match=r"example\.org/context"):
        document_loader("https://example.org/context.jsonld")

    assert no_network == []


@pytest.mark.parametrize("url", sorted(CONTEXTS))
def test_document_loader_bundled_url_serves_its_context(url):
    loaded = document_loader(url)

    assert loaded["documentUrl"] == url
    assert "@context" in loaded["document"]


def test_document_loader_copies_are_independent():
    url = "https://www.w3.org/ns/credentials/v2"
    first = document_loader(url)

    first["document"]["@context"].clear()

    assert document_loader(url)["document"]["@context"] != {}


def test_contexts_table_names_every_bundled_file():
    folder = resources.files(jsonld.__package__).joinpath("data", "contexts")
    files = {entry.name for entry in folder.iterdir() if entry.name.endswith((".json", ".jsonld"))}

    assert set(CONTEXTS.values()) == files
    assert len(CONTEXTS) == 15


@pytest.mark.parametrize(
    ("where", "path"),
    [
        ((), "foo"),
        (("credentialSubject",), "credentialSubject.foo"),
        (("credentialSubject", "achievement", "criteria"), "credentialSubject.achievement.criteria.foo"),
        (("issuer",), "issuer.foo"),
    ],
)
def test_canonicalize_undefined_term_raises_with_its_path(unsigned_credential, where, path):
    target = unsigned_credential
    for key in where:
        target = target[key]
    target["foo"] = "an addition the context does not define"

    with pytest.raises(UndefinedTerm) as raised:
        canonicalize(unsigned_credential)

    assert raised.value.paths == (path,)
    assert path in str(raised.value)


def test_canonicalize_several_undefined_terms_are_all_named(unsigned_credential):
    unsigned_credential["foo"] = 1
    unsigned_credential["credentialSubject"]["achievement"]["bar"] = {"nested": True}

    with pytest.raises(UndefinedTerm) as raised:
        canonicalize(unsigned_credential)

    assert set(raised.value.paths) == {"foo", "credentialSubject.achievement.bar"}


def test_canonicalize_term_mapped_to_null_raises(unsigned_credential):
    unsigned_credential["@context"].append({"hidden": None})
    unsigned_credential["hidden"] = "dropped by JSON-LD"

    with pytest.raises(UndefinedTerm) as raised:
        canonicalize(unsigned_credential)

    assert raised.value.paths == ("hidden",)


def test_canonicalize_key_that_looks_like_a_keyword_raises(unsigned_credential):
    unsigned_credential["credentialSubject"]["@comment"] = "not a keyword"

    with pytest.raises(UndefinedTerm) as raised:
        canonicalize(unsigned_credential)

    assert raised.value.paths == ("credentialSubject.@comment",)


def test_canonicalize_blank_node_property_raises(unsigned_credential):
    unsigned_credential["_:secret"] = "not a property IRI"

    with pytest.raises(UndefinedTerm, match="_:secret"):
        canonicalize(unsigned_credential)


def test_canonicalize_relative_id_raises_with_its_path(unsigned_credential):
    unsigned_credential["credentialSubject"]["id"] = "learner-42"

    with pytest.raises(RelativeReference) as raised:
        canonicalize(unsigned_credential)

    assert raised.value.paths == ("credentialSubject.id",)
    assert "'learner-42'" in str(raised.value)


def test_canonicalize_undefined_type_raises(unsigned_credential):
    unsigned_credential["credentialSubject"]["achievement"]["type"].append("Diploma")

    with pytest.raises(RelativeReference) as raised:
        canonicalize(unsigned_credential)

    assert raised.value.paths == ("credentialSubject.achievement.type[1]",)


def test_canonicalize_text_direction_raises(unsigned_credential):
    unsigned_credential["name"] = {"@value": "شارة", "@language": "ar", "@direction": "rtl"}

    with pytest.raises(DroppedData, match="@direction") as raised:
        canonicalize(unsigned_credential)

    assert raised.value.paths == ("name.@direction",)


def test_canonicalize_null_value_is_the_same_as_an_absent_key(unsigned_credential):
    with_null = {**unsigned_credential, "description": None}

    canonical = canonicalize(with_null)

    assert canonical == canonicalize(unsigned_credential)


@pytest.mark.parametrize(
    "context",
    [
        5,
        ["https://www.w3.org/ns/credentials/v2", {"name": "https://example.org/redefined-name"}],
        ["relative-context.jsonld"],
    ],
    ids=["not-a-context", "protected-term-redefined", "relative-context-url"],
)
def test_canonicalize_invalid_context_raises_invalid_jsonld(unsigned_credential, context):
    unsigned_credential["@context"] = context

    with pytest.raises(InvalidJsonLd, match="Not valid JSON-LD"):
        canonicalize(unsigned_credential)


def test_canonicalize_non_object_raises_type_error():
    with pytest.raises(TypeError, match="JSON object"):
        canonicalize(["not", "a", "document"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ((), "(root)"),
        (("credentialSubject", "achievement", "type", 1), "credentialSubject.achievement.type[1]"),
        (("@context", 0), "@context[0]"),
        (("a b", "c"), '["a b"].c'),
    ],
)
def test_format_path_renders_json_paths(parts, expected):
    assert format_path(parts) == expected
