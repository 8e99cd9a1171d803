"""Geometry of the small inline SVG charts (presentation only: the numbers come from the models)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

BASELINE = 105  # y of the axis; a rate of 100 % is a bar 100 units high
GROUP_WIDTH = 100

RATE_SERIES = (
    ("employment_rate_6m", "s1", _("overall at 6 months")),
    ("employment_rate_6m_job", "s2", _("target job at 6 months")),
    ("employment_rate_2y_job", "s3", _("target job at 2 years")),
)


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    css: str
    label: str
    value: int


@dataclass(frozen=True)
class Group:
    x: int
    label: str
    bars: list[Bar]


def rate_chart(rows) -> dict:
    groups = []
    for index, row in enumerate(rows):
        bars = [
            Bar(x=30 + 22 * n, y=BASELINE - value, height=value, css=css, label=str(label), value=value)
            for n, (field, css, label) in enumerate(RATE_SERIES)
            if (value := getattr(row, field)) is not None
        ]
        groups.append(Group(x=index * GROUP_WIDTH, label=str(row.year), bars=bars))
    return {
        "groups": groups,
        "width": (len(rows) + 1) * GROUP_WIDTH,
        "baseline": BASELINE,
        "series": RATE_SERIES,
    }
