"""Errors the domain raises when it refuses a change. Nothing has been written when one is raised.

Interfaces turn them into what their users read: a form error on a page, a 400/403/409 response in the
API, an exit code on the command line. The message says what is wrong and, in ``hint``, how to fix it.
"""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    """The change breaks a rule; ``field`` names the input at fault when there is one."""

    status = 400

    def __init__(self, message: str, *, hint: str = "", field: str | None = None) -> None:
        self.message = message
        self.hint = hint
        self.field = field
        super().__init__(f"{message} {hint}".strip())


class NotAllowed(Refused):
    """The user may not make this change on this object."""

    status = 403


class Conflict(Refused):
    """Someone else changed the object since the user read it. ``current`` is what is stored now, so
    the user can see both values and choose; nothing of theirs has been saved."""

    status = 409

    def __init__(self, message: str, *, current: dict[str, Any], hint: str = "") -> None:
        self.current = current
        super().__init__(message, hint=hint)
