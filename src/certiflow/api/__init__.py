"""The REST API: the same capabilities as the pages, over JSON, described by an OpenAPI document.

Layout: :mod:`.api` builds the :class:`ninja.NinjaAPI` (authentication, error mapping, routers);
:mod:`.schemas` holds every request and response body; one module per area holds its endpoints
(:mod:`.enrolments`, :mod:`.sessions`, :mod:`.grading`, :mod:`.audit`); :mod:`.access` is how an
endpoint fetches an object and checks a permission.

Permission model. The API holds no rules: every decision is a django-rules permission
(``candidates.rules``, ``assessment.rules``) asked through ``user.has_perm(perm, obj)``, or a domain
selector (``visible_enrolments``, ``assignments_of``) for lists; every change is a domain function,
which checks its own invariants, writes in a transaction and audits. The API only chooses the answer:

- not signed in (no session, no valid HTTP Basic credentials): 401;
- an object the user may not *see* answers 404, whatever the method, so ids leak nothing;
- a change the user may not make on an object they can see: 403;
- a change the domain refuses: 400 (``Refused``: ``detail``, ``hint``, ``field``), 403 (``NotAllowed``)
  or 409 (``Conflict``, with ``current``: what is stored now).
"""
