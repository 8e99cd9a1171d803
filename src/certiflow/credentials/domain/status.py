"""Revocation lists (W3C Bitstring Status List): where a credential's entry is, and flipping it.

A list belongs to one key and is always signed by that key, so a verifier can check that the list and the
credential come from the same issuer. Entries are drawn at random (the specification's advice: the order of
entries must not reveal the order of issuance), and a list that is three quarters full makes way for a new
one, so a list never says much about how many credentials were revoked.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from certiflow.credentials.domain import documents
from certiflow.credentials.domain.keys import private_key
from certiflow.credentials.models import IssuedCredential, IssuerKey, StatusList
from certiflow.credentials.vc import integrity, statuslist

#: Bits per list: the specification's minimum (16 KB), which gives herd privacy.
LIST_LENGTH = statuslist.MIN_LENGTH
#: Past this share of entries used, new credentials go to a new list.
FILL_LIMIT = 0.75
_random = random.SystemRandom()


def sign_status_list(status_list: StatusList) -> str:
    """The signed ``BitstringStatusListCredential`` of ``status_list``'s current bits, as served."""
    now = timezone.now()
    unsigned = documents.status_list_credential(
        status_list_id=status_list.pk,
        issuer_did=status_list.key.did,
        encoded_list=statuslist.encode(bytes(status_list.bits)),
        updated_at=now,
    )
    signed = integrity.sign(
        unsigned,
        private_key=private_key(status_list.key),
        verification_method=status_list.key.verification_method,
        created=now,
    )
    return json.dumps(signed, ensure_ascii=False, indent=2)


class Allocator:
    """Hands out free entries of ``key``'s lists inside the caller's transaction (it locks the list)."""

    def __init__(self, key: IssuerKey) -> None:
        self.key = key
        self.status_list: StatusList | None = None
        self.used: set[int] = set()

    def take(self) -> tuple[StatusList, int]:
        if self.status_list is None:
            self.status_list = (
                StatusList.objects.select_for_update().filter(key=self.key).order_by("-pk").first()
            )
            if self.status_list is not None:
                self.used = set(
                    IssuedCredential.objects.filter(status_list=self.status_list).values_list(
                        "status_index", flat=True
                    )
                )
        if self.status_list is None or len(self.used) >= FILL_LIMIT * self.status_list.length:
            self.status_list, self.used = _new_list(self.key), set()
        while (index := _random.randrange(self.status_list.length)) in self.used:
            pass
        self.used.add(index)
        return self.status_list, index


def _new_list(key: IssuerKey) -> StatusList:
    status_list = StatusList.objects.create(
        key=key, length=LIST_LENGTH, bits=bytes(LIST_LENGTH // 8), document="", updated_at=timezone.now()
    )
    status_list.document = sign_status_list(status_list)
    status_list.save(update_fields=["document"])
    return status_list


def set_revoked(credentials: Iterable[IssuedCredential]) -> list[StatusList]:
    """Set the revocation bit of each credential and re-sign each list touched, once. Call it inside
    the transaction that records the revocations, so the list and the records never disagree."""
    by_list: dict[int, list[int]] = {}
    for credential in credentials:
        by_list.setdefault(credential.status_list_id, []).append(credential.status_index)
    lists = []
    with transaction.atomic():
        for status_list in (
            StatusList.objects.select_for_update().select_related("key").filter(pk__in=by_list)
        ):
            bits = bytearray(status_list.bits)
            for index in by_list[status_list.pk]:
                statuslist.set_bit(bits, index, True)
            status_list.bits, status_list.updated_at = bytes(bits), timezone.now()
            status_list.document = sign_status_list(status_list)
            status_list.save(update_fields=["bits", "updated_at", "document"])
            lists.append(status_list)
    return lists
