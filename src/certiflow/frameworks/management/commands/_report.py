"""How the command line shows an import: what was found, every warning, what was written."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rich.console import Console
from rich.markup import escape

from certiflow.frameworks.importers import ParseResult, layout_label
from certiflow.frameworks.importers.canonical import document_counts as counts


def summary_line(numbers: dict[str, int]) -> str:
    return " · ".join(
        [
            ngettext("%(n)s bloc", "%(n)s blocs", numbers["blocks"]) % {"n": numbers["blocks"]},
            ngettext("%(n)s activity", "%(n)s activities", numbers["activities"])
            % {"n": numbers["activities"]},
            ngettext("%(n)s competency", "%(n)s competencies", numbers["competencies"])
            % {"n": numbers["competencies"]},
            ngettext("%(n)s evaluation modality", "%(n)s evaluation modalities", numbers["assessments"])
            % {"n": numbers["assessments"]},
            ngettext("%(n)s criterion", "%(n)s criteria", numbers["criteria"]) % {"n": numbers["criteria"]},
        ]
    )


def print_result(console: Console, name: str, result: ParseResult) -> None:
    document = result.document
    layout = layout_label(result.layout)
    encoding = (document.get("source") or {}).get("encoding", "")
    console.print(
        f"[bold]{escape(name)}[/bold] — {_('layout')}: {escape(layout)}"
        + (f" ({encoding})" if encoding else "")
    )
    code = document.get("code") or _("(no code)")
    version = document.get("version") or _("(no version)")
    console.print(
        f"  {escape(str(document.get('title') or _('(no title)')))}  [{escape(code)} · {escape(str(version))}]"
    )
    console.print(f"  {summary_line(counts(document))}")
    for block in document.get("blocks", []):
        numbers = counts({"blocks": [block]})
        console.print(
            f"    {escape(block['code'])} {escape(block['title'][:70])}: "
            + _("%(a)s activities, %(c)s competencies, %(e)s modalities, %(k)s criteria")
            % {
                "a": numbers["activities"],
                "c": numbers["competencies"],
                "e": numbers["assessments"],
                "k": numbers["criteria"],
            }
        )
    if result.issues:
        console.print(
            "  [yellow]"
            + ngettext("%(n)s warning:", "%(n)s warnings:", len(result.issues)) % {"n": len(result.issues)}
            + "[/yellow]"
        )
        for issue in result.issues:
            console.print(f"    - {escape(str(issue))}", highlight=False)
    else:
        console.print("  " + _("no warning"))
