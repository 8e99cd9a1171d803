"""Who is calling: the signed-in browser session, or a script with HTTP Basic credentials.

Both authenticate a Django user; the endpoints then use ``request.auth`` (the same user as
``request.user``). The session is a cookie, so a session call that changes something must carry the
CSRF token (header ``X-CSRFToken``), as the pages' forms do; Basic credentials are not sent by a
browser on its own, so they need none.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja.security import HttpBasicAuth, SessionAuth


class SessionCsrfAuth(SessionAuth):
    """Django's session, with the CSRF check for unsafe methods.

    The check is made only when the session does authenticate someone: an anonymous call has nothing
    to forge, and answers 401 (not a CSRF 403) so a script knows to sign in.
    """

    def __call__(self, request: HttpRequest) -> Any | None:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


class BasicAuth(HttpBasicAuth):
    """A user name and password checked by Django's authentication backends (inactive users fail)."""

    def authenticate(self, request: HttpRequest, username: str, password: str) -> Any | None:
        user = authenticate(request, username=username, password=password)
        if user is not None:
            request.user = user
        return user


#: Basic first: when the ``Authorization`` header is absent it steps aside without a query.
AUTHENTICATION = [BasicAuth(), SessionCsrfAuth()]
