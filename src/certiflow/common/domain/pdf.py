"""PDFs from self-contained HTML, with WeasyPrint, never fetching a URL (minutes, certificates).

WeasyPrint is imported inside the function: it takes a second to import and needs Pango, which only the
processes that print need.
"""

from __future__ import annotations

from typing import Any


class PdfRenderingError(RuntimeError):
    """The PDF could not be rendered (for instance its template asked for an external resource)."""


def layout(html: str, *, what: str) -> Any:
    """Lay ``html`` out in pages (a ``weasyprint.Document`` to ``write_pdf``); any URL it names is
    refused, so rendering never depends on the network. ``what`` names the document in the error."""
    import weasyprint
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class RefuseEveryURL(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"{what} is self-contained; refusing to fetch {url[:80]}")

    try:
        return weasyprint.HTML(
            string=html, base_url=None, url_fetcher=RefuseEveryURL(fail_on_errors=True)
        ).render(pdf_tags=True)
    except FatalURLFetchingError as error:  # a BaseException: turn it into an ordinary error
        raise PdfRenderingError(f"{error}: {error.__cause__}") from error
