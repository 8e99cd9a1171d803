"""What the deliberation page shows of its credentials (the page belongs to the jury; this section is
the credentials app's): the last issuance batch and how many credentials were issued."""

from __future__ import annotations

from django import template

from certiflow.credentials.domain import selectors

register = template.Library()


@register.simple_tag
def issuance_summary(deliberation) -> dict:
    return selectors.issuance_summary(deliberation)
