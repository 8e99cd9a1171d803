"""Verifying a credential, ours or another issuer's, without the network.

Each check is reported on its own, because they mean different things to whoever relies on the
credential: an expired credential is not a forged one, a revoked one was genuine, a key that cannot be
resolved offline is unknown rather than wrong.

- ``format``: the file is a JSON Open Badges / verifiable credential (a PDF is read through the
  ``credential.json`` it carries);
- ``schema``: it validates against the Open Badges 3.0 AchievementCredential schema;
- ``signature``: its Data Integrity proof (``eddsa-rdfc-2022``) matches its content, canonicalised with the
  bundled contexts;
- ``issuer``: the key that signed is the issuer's (a ``did:key`` is its own proof; our registry also says
  which certifier holds it and whether it was retired);
- ``dates``: ``validFrom`` ≤ now ≤ ``validUntil``;
- ``revocation``: its entry in the issuer's Bitstring Status List, whose own signature and issuer are
  checked too. Our lists are read from the database (what the app serves); another issuer's list can be
  given as a file.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certiflow.credentials.models import IssuedCredential, IssuerKey, StatusList
from certiflow.credentials.vc import integrity, multikey, schema, statuslist

#: The largest file the verifier reads (a credential is a few kilobytes, its PDF under a megabyte).
MAX_BYTES = 5 * 1024 * 1024
CHECKS = ("format", "schema", "signature", "issuer", "dates", "revocation")
CHECK_LABELS = {
    "format": gettext_lazy("Format"),
    "schema": gettext_lazy("Schema"),
    "signature": gettext_lazy("Signature"),
    "issuer": gettext_lazy("Issuer key"),
    "dates": gettext_lazy("Validity dates"),
    "revocation": gettext_lazy("Revocation"),
}


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_CHECKED = "not_checked"


@dataclass(frozen=True)
class Check:
    name: str
    verdict: Verdict
    message: str

    @property
    def label(self) -> str:
        return str(CHECK_LABELS[self.name])


@dataclass(frozen=True)
class Summary:
    """What the credential says, for the report (read from the document, whatever its checks)."""

    credential_id: str = ""
    name: str = ""
    issuer_id: str = ""
    issuer_name: str = ""
    subject_name: str = ""
    achievement_name: str = ""
    achievement_code: str = ""
    achievement_type: str = ""
    valid_from: str = ""
    valid_until: str = ""


@dataclass(frozen=True)
class Report:
    checks: tuple[Check, ...]
    summary: Summary = field(default_factory=Summary)
    document: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """True only when every check passed."""
        return all(check.verdict == Verdict.PASSED for check in self.checks)

    def __getitem__(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.ok,
            "checks": {c.name: {"verdict": c.verdict.value, "message": c.message} for c in self.checks},
            "credential": self.summary.__dict__,
        }


class UnreadableCredential(ValueError):
    """The input is not a credential we can read (not JSON, a PDF without one, too large)."""


def read_credential(data: bytes | str) -> dict[str, Any]:
    """The credential in ``data``: JSON text, or a PDF carrying ``credential.json`` (as ours do)."""
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX_BYTES:
        raise UnreadableCredential(
            _("The file is larger than %(size)s MB: no credential is that large.")
            % {"size": MAX_BYTES // 2**20}
        )
    if data.lstrip().startswith(b"%PDF"):
        data = _attached_credential(data)
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise UnreadableCredential(
            _("The file is not UTF-8 text (byte %(at)s).") % {"at": error.start}
        ) from error
    except json.JSONDecodeError as error:
        raise UnreadableCredential(
            _("The file is not JSON: %(problem)s at line %(line)s, column %(column)s.")
            % {"problem": error.msg, "line": error.lineno, "column": error.colno}
        ) from error
    if not isinstance(document, dict):
        raise UnreadableCredential(_("The JSON is not an object, so it is not a credential."))
    return document


def _attached_credential(pdf: bytes) -> bytes:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        attachments = PdfReader(io.BytesIO(pdf)).attachments
    except (PdfReadError, ValueError, KeyError) as error:
        raise UnreadableCredential(_("The PDF cannot be read: %(error)s") % {"error": error}) from error
    contents = attachments.get("credential.json")
    if not contents:
        raise UnreadableCredential(
            _(
                "This PDF carries no credential (no attached credential.json): only our PDFs and their JSON files can be verified."
            )
        )
    return contents[0]


def verify(
    data: bytes | str | dict[str, Any],
    *,
    now: datetime | None = None,
    status_lists: Mapping[str, Any] | None = None,
) -> Report:
    """Check ``data`` (see the module's docstring). Never raises on hostile input: what cannot be read is
    a failed ``format`` check and the other checks are reported as not checked."""
    now = now or timezone.now()
    try:
        document = data if isinstance(data, dict) else read_credential(data)
    except UnreadableCredential as error:
        return _unreadable(str(error))
    checks = [_format(document)]
    if checks[0].verdict == Verdict.FAILED:
        return Report(checks=(*checks, *_skipped(CHECKS[1:])), summary=_summary(document), document=document)
    checks.append(_schema(document))
    signature, key = _signature(document)
    checks += [
        signature,
        _issuer(document, signature, key),
        _dates(document, now),
        _revocation(document, status_lists or {}),
    ]
    return Report(checks=tuple(checks), summary=_summary(document), document=document)


def _unreadable(message: str) -> Report:
    return Report(checks=(Check("format", Verdict.FAILED, message), *_skipped(CHECKS[1:])))


def _skipped(names) -> list[Check]:
    return [
        Check(name, Verdict.NOT_CHECKED, _("Not checked: the document is not a readable credential."))
        for name in names
    ]


def _types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _format(document: dict[str, Any]) -> Check:
    types = _types(document.get("type"))
    if "VerifiableCredential" not in types:
        return Check(
            "format",
            Verdict.FAILED,
            _("This JSON is not a verifiable credential (its type does not say VerifiableCredential)."),
        )
    if not {"OpenBadgeCredential", "AchievementCredential"} & set(types):
        return Check(
            "format",
            Verdict.FAILED,
            _("This verifiable credential is not an Open Badges credential (type %(types)s).")
            % {"types": ", ".join(types)},
        )
    return Check("format", Verdict.PASSED, _("An Open Badges 3.0 credential."))


def _schema(document: dict[str, Any]) -> Check:
    errors = schema.schema_errors(document)
    if not errors:
        return Check(
            "schema", Verdict.PASSED, _("Valid against the Open Badges 3.0 AchievementCredential schema.")
        )
    shown = "; ".join(errors[:5]) + ("; …" if len(errors) > 5 else "")
    return Check(
        "schema",
        Verdict.FAILED,
        _("Does not follow the Open Badges 3.0 schema: %(errors)s") % {"errors": shown},
    )


def _proof_method(document: dict[str, Any]) -> str | None:
    proof = document.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    method = proof.get("verificationMethod") if isinstance(proof, dict) else None
    return method if isinstance(method, str) else None


def _signature(document: dict[str, Any]) -> tuple[Check, multikey.ResolvedKey | None]:
    method = _proof_method(document)
    if method is None:
        return Check(
            "signature", Verdict.FAILED, _("The credential has no usable proof: it is not signed.")
        ), None
    try:
        key = multikey.resolve_offline(method)
    except multikey.UnresolvableKey as error:
        return (
            Check(
                "signature",
                Verdict.NOT_CHECKED,
                _("The signing key %(method)s cannot be resolved offline (%(error)s).")
                % {"method": method, "error": error},
            ),
            None,
        )
    result = integrity.verify_proof(document, resolve=lambda _method: key)
    if not result.valid:
        return Check(
            "signature",
            Verdict.FAILED,
            _("The signature does not match the credential: %(reason)s") % {"reason": result.reason},
        ), key
    return Check(
        "signature",
        Verdict.PASSED,
        _("The signature (eddsa-rdfc-2022) matches the content, signed on %(created)s.")
        % {"created": result.created},
    ), key


def _issuer_id(document: dict[str, Any]) -> str:
    issuer = document.get("issuer")
    value = issuer.get("id") if isinstance(issuer, dict) else issuer
    return value if isinstance(value, str) else ""


def _issuer(document: dict[str, Any], signature: Check, key: multikey.ResolvedKey | None) -> Check:
    if key is None or signature.verdict == Verdict.NOT_CHECKED:
        return Check("issuer", Verdict.NOT_CHECKED, _("Not checked: the signing key could not be resolved."))
    issuer = _issuer_id(document)
    if not key.self_certifying:
        if key.method.startswith(f"{issuer}#"):
            return Check(
                "issuer",
                Verdict.NOT_CHECKED,
                _(
                    "The key is named under the issuer's address %(issuer)s; that the issuer holds it can only be checked online."
                )
                % {"issuer": issuer},
            )
        return Check(
            "issuer",
            Verdict.FAILED,
            _("Signed with %(method)s, which does not belong to the issuer %(issuer)s.")
            % {"method": key.method, "issuer": issuer},
        )
    if key.controller != issuer:
        return Check(
            "issuer",
            Verdict.FAILED,
            _("Signed with the key %(key)s, which is not the issuer's (%(issuer)s).")
            % {"key": key.controller, "issuer": issuer},
        )
    registered = (
        IssuerKey.objects.select_related("certifier")
        .filter(public_key_multibase=key.controller.removeprefix("did:key:"))
        .first()
    )
    if registered is None:
        return Check(
            "issuer",
            Verdict.PASSED,
            _("Signed with the issuer's own key (%(did)s, resolved offline).") % {"did": issuer},
        )
    if registered.status == IssuerKey.Status.RETIRED:
        state = _("retired on %(date)s; what it signed before stays valid") % {
            "date": timezone.localdate(registered.retired_at)
        }
    else:
        state = _("its current key")
    return Check(
        "issuer",
        Verdict.PASSED,
        _("Signed with a key of %(certifier)s registered here (%(state)s).")
        % {"certifier": registered.certifier.name, "state": state},
    )


def _parse_date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _dates(document: dict[str, Any], now: datetime) -> Check:
    valid_from, valid_until = document.get("validFrom"), document.get("validUntil")
    start, end = _parse_date(valid_from), _parse_date(valid_until)
    if start is None or (valid_until is not None and end is None):
        return Check(
            "dates",
            Verdict.FAILED,
            _("The validity dates cannot be read (validFrom %(start)s, validUntil %(end)s).")
            % {"start": valid_from, "end": valid_until},
        )
    if now < start:
        return Check(
            "dates", Verdict.FAILED, _("Not valid yet: valid from %(start)s.") % {"start": valid_from}
        )
    if end is not None and now > end:
        return Check(
            "dates",
            Verdict.FAILED,
            _("Expired on %(end)s (it was valid from %(start)s).")
            % {"end": valid_until, "start": valid_from},
        )
    if end is None:
        return Check(
            "dates", Verdict.PASSED, _("Valid since %(start)s, with no end date.") % {"start": valid_from}
        )
    return Check(
        "dates",
        Verdict.PASSED,
        _("Valid from %(start)s until %(end)s.") % {"start": valid_from, "end": valid_until},
    )


def _local_status_list(url: str) -> dict[str, Any] | None:
    match = re.fullmatch(re.escape(settings.CERTIFLOW_PUBLIC_URL) + r"/credentials/status/(\d+)", url)
    if match is None:
        return None
    text = StatusList.objects.filter(pk=int(match.group(1))).values_list("document", flat=True).first()
    return json.loads(text) if text else None


def _revocation(document: dict[str, Any], provided: Mapping[str, Any]) -> Check:
    entries = document.get("credentialStatus")
    if entries is None:
        return Check(
            "revocation",
            Verdict.PASSED,
            _("The credential names no status list: its issuer cannot revoke it."),
        )
    entries = entries if isinstance(entries, list) else [entries]
    revocation = [
        e
        for e in entries
        if isinstance(e, dict)
        and e.get("type") == "BitstringStatusListEntry"
        and e.get("statusPurpose") == "revocation"
    ]
    if not revocation:
        return Check(
            "revocation",
            Verdict.NOT_CHECKED,
            _("The credential's status entry is of a kind this verifier does not know."),
        )
    entry = revocation[0]
    url = entry.get("statusListCredential")
    try:
        index = int(entry.get("statusListIndex"))
    except (TypeError, ValueError):
        return Check("revocation", Verdict.FAILED, _("The status entry's index is not a number."))
    if not isinstance(url, str):
        return Check(
            "revocation", Verdict.FAILED, _("The status entry does not say where its status list is.")
        )
    status_list = _local_status_list(url) or provided.get(url)
    if status_list is None:
        return Check(
            "revocation",
            Verdict.NOT_CHECKED,
            _("The status list %(url)s is not available offline; give it as a file to check revocation.")
            % {"url": url},
        )
    problem = _status_list_problem(status_list, url=url, issuer=_issuer_id(document))
    if problem:
        return Check("revocation", Verdict.FAILED, problem)
    try:
        bits = statuslist.decode(status_list["credentialSubject"]["encodedList"])
    except (statuslist.InvalidStatusList, KeyError, TypeError) as error:
        return Check(
            "revocation", Verdict.FAILED, _("The status list cannot be decoded: %(error)s") % {"error": error}
        )
    if not 0 <= index < len(bits) * 8:
        return Check(
            "revocation",
            Verdict.FAILED,
            _("The status entry %(index)s is outside its list.") % {"index": index},
        )
    if not statuslist.is_set(bits, index):
        return Check(
            "revocation",
            Verdict.PASSED,
            _("Not revoked (status list of %(date)s).") % {"date": status_list.get("validFrom", "?")},
        )
    return Check("revocation", Verdict.FAILED, _revoked_message(document))


def _status_list_problem(status_list: Any, *, url: str, issuer: str) -> str:
    if not isinstance(status_list, dict) or "BitstringStatusListCredential" not in _types(
        status_list.get("type")
    ):
        return _("The document given as status list %(url)s is not a Bitstring Status List credential.") % {
            "url": url
        }
    if status_list.get("id") != url:
        return _("The status list given is %(id)s, not the one the credential names (%(url)s).") % {
            "id": status_list.get("id"),
            "url": url,
        }
    method = _proof_method(status_list)
    try:
        key = multikey.resolve_offline(method or "")
    except multikey.UnresolvableKey:
        return _("The status list's signing key cannot be resolved offline, so the list cannot be trusted.")
    if not integrity.verify_proof(status_list, resolve=lambda _method: key).valid:
        return _(
            "The status list's signature does not match its content: it was altered, so revocation cannot be trusted."
        )
    if _issuer_id(status_list) != issuer or key.controller != issuer:
        return _("The status list was not signed by the credential's issuer.")
    subject = status_list.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("statusPurpose") != "revocation":
        return _("The status list is not a revocation list.")
    return ""


def _revoked_message(document: dict[str, Any]) -> str:
    local = None
    credential_id = document.get("id")
    if isinstance(credential_id, str) and credential_id.startswith("urn:uuid:"):
        try:
            local = IssuedCredential.objects.filter(pk=credential_id.removeprefix("urn:uuid:")).first()
        except (ValueError, TypeError, ValidationError):  # not a UUID: not one of ours
            local = None
    if local is None or local.revoked_at is None:
        return _("Revoked by its issuer.")
    message = _("Revoked by its issuer on %(date)s: %(reason)s") % {
        "date": timezone.localdate(local.revoked_at),
        "reason": local.revocation_reason,
    }
    if local.replaced_by_id:
        message += " " + _("A corrected credential replaces it.")
    return message


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _summary(document: dict[str, Any]) -> Summary:
    issuer = document.get("issuer")
    subject = document.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    names = [
        i.get("identityHash")
        for i in subject.get("identifier") or []
        if isinstance(i, dict) and i.get("identityType") == "name" and i.get("hashed") is False
    ]
    return Summary(
        credential_id=_text(document.get("id")),
        name=_text(document.get("name")),
        issuer_id=_issuer_id(document),
        issuer_name=_text(issuer.get("name")) if isinstance(issuer, dict) else "",
        subject_name=_text(names[0]) if names else "",
        achievement_name=_text(achievement.get("name")),
        achievement_code=_text(achievement.get("humanCode")),
        achievement_type=_text(achievement.get("achievementType")),
        valid_from=_text(document.get("validFrom")),
        valid_until=_text(document.get("validUntil")),
    )
