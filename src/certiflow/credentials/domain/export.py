"""Credentials as files: one JSON (the signed credential, byte for byte) and its PDF, named so that a
folder or a zip sorts by candidate. Used by ``certiflow credentials export`` and the batch's zip."""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from django.db.models import QuerySet

from certiflow.credentials.models import IssuedCredential


def with_files(credentials: QuerySet[IssuedCredential]) -> QuerySet[IssuedCredential]:
    return credentials.select_related("candidate", "block_decision__block").order_by(
        "candidate__last_name", "candidate__first_name", "candidate_id", "kind", "issued_at", "pk"
    )


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower() or "x"


def stem(credential: IssuedCredential) -> str:
    """``martin-lea-12/certificate-3f2a…`` or ``…/bloc-rncp39603bc01-3f2a…``: readable and unique."""
    candidate = credential.candidate
    person = f"{_slug(candidate.last_name)}-{_slug(candidate.first_name)}-{candidate.pk}"
    if credential.block_decision_id:
        what = f"bloc-{_slug(credential.block_decision.block.code)}"
    else:
        what = "certificate"
    revoked = "-revoked" if credential.is_revoked else ""
    return f"{person}/{what}-{credential.pk}{revoked}"


def files(credential: IssuedCredential) -> Iterator[tuple[str, bytes]]:
    name = stem(credential)
    yield f"{name}.json", credential.document.encode()
    yield f"{name}.pdf", bytes(credential.pdf)


def export_to(
    credentials: Iterable[IssuedCredential], directory: Path, *, progress: Callable[[int], None] | None = None
) -> int:
    """Write every credential's JSON and PDF under ``directory``; returns the number of credentials.
    Each file is written to a temporary name and renamed, so an interrupted export leaves no half file."""
    count = 0
    for count, credential in enumerate(credentials, start=1):
        for name, content in files(credential):
            path = directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.part")
            partial.write_bytes(content)
            partial.replace(path)
        if progress is not None:
            progress(count)
    return count


def write_zip(credentials: Iterable[IssuedCredential], target: BinaryIO) -> int:
    count = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for credential in credentials:
            for name, content in files(credential):
                archive.writestr(name, content)
            count += 1
    return count
