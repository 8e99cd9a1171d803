"""Signals the jury sends so that higher layers (credentials) can act without the jury importing them."""

from django.dispatch import Signal

#: Sent by the signing function inside its transaction, once the deliberation is signed, with
#: ``deliberation`` and ``actor``. A receiver that raises rolls the signing back.
deliberation_signed = Signal()
