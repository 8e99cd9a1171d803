from django import forms
from django.utils.translation import gettext_lazy as _

from certiflow.frameworks.importers.base import MAX_DOCUMENT_BYTES


class UploadForm(forms.Form):
    document = forms.FileField(
        label=_("Document"),
        help_text=_(
            "A référentiel (HTML table rows or text extracted from a PDF), the text of an RNCP fiche, "
            "or canonical JSON. At most %(mb)s MB."
        )
        % {"mb": MAX_DOCUMENT_BYTES // (1024 * 1024)},
    )

    def clean_document(self):
        upload = self.cleaned_data["document"]
        if upload.size > MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s bytes; the limit is %(limit)s bytes."),
                params={"size": upload.size, "limit": MAX_DOCUMENT_BYTES},
                code="too_large",
            )
        return upload


class ConfirmForm(forms.Form):
    code = forms.CharField(
        label=_("Certification code"),
        max_length=64,
        required=False,
        help_text=_("Required when the document has no RNCP code, e.g. ICART-MIC."),
    )
    version = forms.CharField(
        label=_("Version label"),
        max_length=64,
        required=False,
        help_text=_("e.g. 2024. Default: the next number."),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=500,
        required=False,
        help_text=_("Required when the document does not state it."),
    )
