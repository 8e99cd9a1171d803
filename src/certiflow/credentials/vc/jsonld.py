"""JSON-LD for signing: contexts from the bundled files only, and canonical N-Quads that cover all the data.

Invariants:

- Nothing is fetched from the network. :func:`document_loader` serves the files of ``data/contexts``
  (:data:`CONTEXTS`) and refuses any other URL with :class:`ContextNotBundled`.
- :func:`canonicalize` never returns a canonical form that leaves part of the document out. Plain JSON-LD
  processing silently drops keys that the context does not define, and statements whose subject or object
  is a relative IRI. A signature over such a canonical form would not cover that data: it could be added
  or changed after signing without breaking the signature. The Data Integrity specification requires an
  error instead ("safe mode" in jsonld.js); pyld 3.3 has no such mode, so :func:`canonicalize` adds it and
  raises :class:`UndefinedTerm`, :class:`RelativeReference` or :class:`DroppedData` (``@direction``,
  ``@index``), naming the JSON path of the data.
- Relative IRIs are never resolved. pyld would resolve them against a made-up ``http://example.org/base/``;
  a document's own ``@base`` is not honoured either, so a document must use absolute IRIs.
- The caller's document is never mutated.

One thing JSON-LD also drops is allowed: a key whose value is ``null``. In JSON-LD and in JSON alike it
means the key has no value, the same as an absent key, so it carries no data to protect.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import threading
from collections.abc import Iterator, Sequence
from importlib import resources
from typing import Any

from cachetools import LRUCache
from pyld import jsonld as pyld
from pyld.context_resolver import ContextResolver

#: Context URL → file in ``data/contexts``; the only contexts a document may use.
CONTEXTS: dict[str, str] = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "ob-v3p0-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "ob-v3p0-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": "ob-v3p0.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob-v3p0-extensions.json",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://w3id.org/security/v1": "security-v1.jsonld",
    "https://w3id.org/security/v2": "security-v2.jsonld",
    "https://w3id.org/security/suites/ed25519-2020/v1": "security-suites-ed25519-2020-v1.jsonld",
    "https://www.w3.org/2018/credentials/v1": "2018-credentials-v1.jsonld",
    "https://www.w3.org/ns/odrl.jsonld": "odrl.jsonld",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json": "clr-v2p0-2.0.1.json",
    "https://purl.imsglobal.org/spec/clr/v2p0/context.json": "clr-v2p0.json",
}

# pyld's own test for an absolute IRI (``jsonld._is_absolute_iri``), copied so that "absolute" here means
# exactly what pyld keeps when it converts to RDF.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
_PLAIN_KEY = re.compile(r"^[A-Za-z_@$][A-Za-z0-9_@$-]*$")


class ContextNotBundled(ValueError):
    """A document (or a context) refers to a context URL that is not one of :data:`CONTEXTS`."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(
            f"The JSON-LD context {url!r} is not bundled with Certiflow. Contexts are never fetched from "
            "the network, so a document that uses this context cannot be canonicalised or verified."
        )


class InvalidJsonLd(ValueError):
    """The document is not valid JSON-LD; the message is pyld's, the most specific one it gave."""


class DroppedData(ValueError):
    """Canonicalisation would silently leave out part of the document, so a signature would not cover it.

    ``paths`` are the JSON paths of the data concerned (``credentialSubject.achievement.type[1]``).
    """

    def __init__(self, message: str, paths: Sequence[str]) -> None:
        self.paths = tuple(paths)
        super().__init__(message)


class UndefinedTerm(DroppedData):
    """A key that the JSON-LD context does not map to an IRI (an undefined term, a term mapped to
    ``null``, or a key that looks like a keyword but is not one)."""


class RelativeReference(DroppedData):
    """An identifier or type that is not an absolute IRI: RDF has no place for it, so every statement
    that uses it would be dropped."""


def format_path(parts: Sequence[str | int]) -> str:
    """``["credentialSubject", "type", 0]`` → ``credentialSubject.type[0]``; the root is ``(root)``.

    Keys that are not plain names are quoted: ``["a b"]``.
    """
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(part, ensure_ascii=False)}]"
    return text or "(root)"


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """The pyld document loader: serves the bundled contexts, raises :class:`ContextNotBundled` for any
    other URL, and never touches the network.

    Each call returns a fresh copy of the parsed file, because pyld edits what it loads (it resolves the
    context URLs inside it in place) and the parsed files are cached for the life of the process.
    """
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(_parsed_context(url))}


@functools.cache
def _parsed_context(url: str) -> Any:
    try:
        name = CONTEXTS[url]
    except (KeyError, TypeError):
        raise ContextNotBundled(str(url)) from None
    text = resources.files(__package__).joinpath("data", "contexts", name).read_text(encoding="utf-8")
    return json.loads(text)


class _LockedCache:
    """pyld's cache of resolved contexts, behind a lock: ``LRUCache`` is not thread-safe and this one is
    shared by every thread. It is bounded because the inline contexts of the documents verified (which
    anyone may write) are cached too."""

    def __init__(self, maxsize: int) -> None:
        self._cache: LRUCache[str, Any] = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            return self._cache.get(key, default)

    def __getitem__(self, key: str) -> Any:
        with self._lock:
            return self._cache[key]

    def __setitem__(self, key: str, value: Any) -> None:
        with self._lock:
            self._cache[key] = value

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._cache


# Ours rather than pyld's module-wide cache, which any other code in the process could fill through a
# loader that does go to the network.
_RESOLVED_CONTEXTS = _LockedCache(maxsize=100)


def canonicalize(document: dict[str, Any]) -> str:
    """The RDFC-1.0 (URDNA2015) canonical N-Quads of ``document``, from the bundled contexts only.

    Raises :class:`ContextNotBundled` for a context that is not bundled, :class:`DroppedData`
    (:class:`UndefinedTerm`, :class:`RelativeReference`) when some of the data would be left out of the
    canonical form (and so out of a signature), and :class:`InvalidJsonLd` for anything else pyld refuses. ``document`` is not
    modified.
    """
    if not isinstance(document, dict):
        raise TypeError(
            f"A JSON-LD document to canonicalise must be a JSON object, not {type(document).__name__}."
        )
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": document_loader,
        "contextResolver": ContextResolver(_RESOLVED_CONTEXTS, document_loader),
        # pyld resolves relative IRIs against "http://example.org/base/" when the base is empty (its default
        # for a document in memory), which would sign an identifier nobody wrote. No base leaves them
        # relative, and then they are refused.
        "base": None,
    }
    try:
        return _SafeProcessor().normalize(copy.deepcopy(document), options)
    except (ContextNotBundled, DroppedData):
        raise
    except ValueError as error:
        # pyld's IRI resolver raises a bare ValueError for a relative context URL (there is no base).
        raise InvalidJsonLd(f"Not valid JSON-LD: {error}") from error
    except pyld.JsonLdError as error:
        # pyld wraps the loader's error in two or three layers of generic messages; surface the cause.
        chain = list(_causes(error))
        for cause in chain:
            if isinstance(cause, ContextNotBundled):
                raise ContextNotBundled(cause.url) from None
        innermost = [cause for cause in chain if isinstance(cause, pyld.JsonLdError)][-1]
        message = str(innermost.args[0]) if innermost.args else "unknown error"
        if innermost.code:
            message += f" ({innermost.code})"
        raise InvalidJsonLd(f"Not valid JSON-LD: {message}") from error


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


class _SafeProcessor(pyld.JsonLdProcessor):
    """A pyld processor that refuses to drop data (see the module's invariants); one per operation.

    Whether data is dropped is decided from pyld's public hook (``on_property_dropped``) and from the
    expanded document. Only the JSON paths in the messages rely on pyld's private ``_expand_object`` and
    ``_expand_iri``; should those change, the errors are still raised, with less precise paths.
    """

    def __init__(self) -> None:
        super().__init__(on_property_dropped=self._on_property_dropped)
        self._root: Any = None
        self._paths: dict[int, tuple[str | int, ...]] = {}
        self._objects: list[tuple[Any, Any]] = []
        self._undefined: dict[str, None] = {}

    def expand(self, input_: Any, options: dict[str, Any]) -> Any:
        expanded = super().expand(input_, options)
        unsignable: dict[str, set[str]] = {}
        for kind, value in _unsignable(expanded):
            unsignable.setdefault(kind, set()).add(value)
        for iri in sorted(unsignable.get("property", ())):
            # A key that expands to a blank node: RDF has no blank-node properties.
            for path in self._key_paths(iri) or [f"an unknown place ({iri!r})"]:
                self._undefined[path] = None
        if self._undefined:
            paths = list(self._undefined)
            raise UndefinedTerm(
                "The JSON-LD context does not define these terms (or maps them to nothing), so a signature "
                "would not cover them: " + ", ".join(paths),
                paths,
            )
        relative = sorted(unsignable.get("reference", ()))
        if relative:
            places = {iri: self._value_paths(iri) for iri in relative}
            raise RelativeReference(
                "These identifiers or types are not absolute IRIs, so the statements that use them would "
                "not be covered by a signature: "
                + "; ".join(
                    f"{iri!r} at {' and '.join(places[iri]) or 'an unknown place'}" for iri in relative
                ),
                [path for iri in relative for path in places[iri]],
            )
        keywords = sorted(unsignable.get("keyword", ()))
        if keywords:
            paths = [path for keyword in keywords for path in self._key_paths(keyword)]
            raise DroppedData(
                f"{' and '.join(keywords)} {'is' if len(keywords) == 1 else 'are'} not part of the canonical "
                f"form, so a signature would not cover {'it' if len(keywords) == 1 else 'them'}"
                + (f": at {', '.join(paths)}" if paths else " (used through an alias or a container)"),
                paths,
            )
        return expanded

    def _expand_object(
        self,
        active_ctx: Any,
        active_property: Any,
        expanded_active_property: Any,
        element: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if self._root is None:
            # The first object expanded is pyld's own copy of the document: index it, so that a dropped key
            # can be reported by its path.
            self._root = element
            self._paths = dict(_object_paths(element, ()))
        self._objects.append((active_ctx, element))
        try:
            return super()._expand_object(
                active_ctx, active_property, expanded_active_property, element, *args, **kwargs
            )
        finally:
            self._objects.pop()

    def _on_property_dropped(self, expanded_property: str | None) -> None:
        if not self._objects:
            self._undefined[f"an unknown place ({expanded_property!r})"] = None
            return
        active_ctx, element = self._objects[-1]
        where = self._paths.get(id(element), ())
        keys = [key for key in element if key == expanded_property and key != "@context"]
        if not keys:
            # A key mapped to null, or one that looks like a keyword: its expansion says nothing about it,
            # so find which key of this object expands to the same thing.
            keys = [
                key
                for key in element
                if isinstance(key, str)
                and key != "@context"
                and self._expand_iri(active_ctx, key, vocab=True) == expanded_property
            ]
        for key in keys or ["?"]:
            self._undefined[format_path((*where, key))] = None

    def _key_paths(self, key: str) -> list[str]:
        return [format_path(path) for path, _ in _leaves(self._root, ()) if path and path[-1] == key]

    def _value_paths(self, value: str) -> list[str]:
        return [format_path(path) for path, leaf in _leaves(self._root, ()) if leaf == value]


def _object_paths(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[int, tuple[str | int, ...]]]:
    if isinstance(value, dict):
        yield id(value), path
        for key, item in value.items():
            if key != "@context":
                yield from _object_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _object_paths(item, (*path, index))


def _leaves(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every (path, value) below ``value`` outside ``@context``, containers included."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "@context":
                yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))


def _unsignable(expanded: Any) -> Iterator[tuple[str, str]]:
    """What RDF conversion would drop from an expanded document: ``("reference", iri)`` for a node
    identifier, type or datatype that is not an absolute IRI, ``("property", iri)`` for a property that
    is a blank node (RDF predicates cannot be), ``("keyword", keyword)`` for ``@direction`` (RDF
    canonicalisation keeps only the language) and ``@index`` (not RDF at all)."""
    if isinstance(expanded, list):
        for item in expanded:
            yield from _unsignable(item)
        return
    if not isinstance(expanded, dict):
        return
    for keyword in ("@direction", "@index"):
        if keyword in expanded:
            yield "keyword", keyword
    if "@value" in expanded:
        datatype = expanded.get("@type")
        if isinstance(datatype, str) and datatype != "@json" and not _ABSOLUTE_IRI.match(datatype):
            yield "reference", datatype
        return
    if "@list" in expanded:
        yield from _unsignable(expanded["@list"])
        return
    for key, value in expanded.items():
        if key in ("@id", "@type"):
            for iri in value if isinstance(value, list) else [value]:
                if isinstance(iri, str) and not _ABSOLUTE_IRI.match(iri):
                    yield "reference", iri
        elif key == "@reverse" and isinstance(value, dict):
            for prop, items in value.items():
                if prop.startswith("_:"):
                    yield "property", prop
                yield from _unsignable(items)
        elif key in ("@graph", "@included"):
            yield from _unsignable(value)
        elif not key.startswith("@"):
            # Properties: after expansion every key is a keyword or an IRI.
            if key.startswith("_:"):
                yield "property", key
            yield from _unsignable(value)
