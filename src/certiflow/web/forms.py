from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from certiflow.assessment.models import Mark
from certiflow.candidates.models import PrerequisiteEvidence, Provider
from certiflow.frameworks.importers.base import MAX_DOCUMENT_BYTES
from certiflow.frameworks.models import Framework


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


# --- candidates ------------------------------------------------------------------------------------
class PrerequisiteEvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("What it shows"), choices=PrerequisiteEvidence.Kind.choices)
    value = forms.DecimalField(
        label=_("Figure"),
        required=False,
        min_value=0,
        max_digits=7,
        decimal_places=1,
        help_text=_("The level, the credits, the months or the hours the document shows."),
    )
    condition = forms.CharField(
        label=_("Condition it answers"),
        required=False,
        widget=forms.Select,
        help_text=_("For a condition with no figure."),
    )
    description = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 2}))
    link = forms.URLField(label=_("Link to the document"), required=False, assume_scheme="https")

    def __init__(self, *args, conditions: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["condition"].widget.choices = [("", "—")] + [(text, text[:120]) for text in conditions]


class AccommodationForm(forms.Form):
    extra_time_minutes = forms.IntegerField(
        label=_("Extra time (minutes)"), required=False, min_value=1, max_value=600
    )
    assistance = forms.CharField(
        label=_("Assistance of a third person"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    adapted_materials = forms.CharField(
        label=_("Adapted materials"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    adapted_format = forms.CharField(
        label=_("Adapted format of the modality"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    assessments = forms.MultipleChoiceField(
        label=_("Assessments concerned"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every assessment."),
    )
    medical_details = forms.CharField(
        label=_("Medical details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Seen by the disability referent alone; never shown to evaluators, the jury or administrators."
        ),
    )
    base_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, assessments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessments"].choices = [(str(a.pk), f"{a.code} — {a.title[:80]}") for a in assessments]


class ExemptionProposalForm(forms.Form):
    criterion = forms.ChoiceField(label=_("Criterion"))
    opinion = forms.CharField(label=_("Motivated opinion"), widget=forms.Textarea(attrs={"rows": 4}))
    keeps_overall_capability = forms.BooleanField(
        label=_("The exemption does not call the candidate's overall professional capability into question"),
        required=False,
    )
    not_applicable_to_future_practice = forms.BooleanField(
        label=_(
            "Given the disability, the criterion is not meant to apply in the candidate's future practice"
        ),
        required=False,
    )

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].choices = [(str(c.pk), f"{c.code} — {c.text[:100]}") for c in criteria]


class ConflictForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=get_user_model().objects.none())
    nature = forms.CharField(label=_("Nature"), max_length=255, initial=_("Trained the candidate"))

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["person"].queryset = people


class RosterUploadForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Provider.objects.none())
    roster = forms.FileField(
        label=_("File"),
        help_text=_("CSV (separated by ; or ,) or Excel .xlsx, one candidate per row, with a header row."),
    )

    def __init__(self, *args, providers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers if providers is not None else Provider.objects.none()


# --- grading ---------------------------------------------------------------------------------------
class MarkForm(forms.Form):
    value = forms.ChoiceField(label=_("Result"), choices=Mark.Value.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class EvidenceUploadForm(forms.Form):
    criterion = forms.ChoiceField(label=_("About"), required=False)
    file = forms.FileField(label=_("File"), required=False)
    url = forms.URLField(label=_("or a link"), required=False, assume_scheme="https")
    description = forms.CharField(label=_("Description"), required=False, max_length=255)

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].choices = [("", _("the whole grid"))] + [
            (str(c.pk), c.code) for c in criteria
        ]

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("file")) == bool(cleaned.get("url")):
            raise forms.ValidationError(_("Attach either a file or a link."))
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ReconcileForm(forms.Form):
    value = forms.ChoiceField(label=_("Agreed result"), choices=Mark.Value.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("How the markers agreed"), widget=forms.Textarea(attrs={"rows": 2}))


# --- sessions --------------------------------------------------------------------------------------
class SessionForm(forms.Form):
    framework = forms.ModelChoiceField(label=_("Référentiel version"), queryset=Framework.objects.none())
    title = forms.CharField(label=_("Title"), max_length=255)
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["framework"].queryset = Framework.objects.select_related("certification").order_by(
            "certification__code", "ordinal"
        )


class ScheduleForm(forms.Form):
    assessment = forms.ChoiceField(label=_("Assessment"))
    starts_at = forms.DateTimeField(
        label=_("Date and time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), required=False, min_value=1)
    place = forms.CharField(label=_("Place"), required=False, max_length=255)
    online = forms.BooleanField(label=_("Online"), required=False)
    double_marking = forms.BooleanField(label=_("Double marking"), required=False)
    collective_criteria = forms.MultipleChoiceField(
        label=_("Criteria marked once per group"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, framework=None, **kwargs):
        super().__init__(*args, **kwargs)
        assessments = list(framework.assessments.order_by("block__position", "position")) if framework else []
        self.fields["assessment"].choices = [(str(a.pk), f"{a.code} — {a.title[:90]}") for a in assessments]
        self.fields["collective_criteria"].choices = [
            (str(c.pk), f"{c.code} — {c.text[:90]}")
            for a in assessments
            if a.collective
            for c in a.criteria.order_by("position")
        ]


class SeatForm(forms.Form):
    enrolments = forms.MultipleChoiceField(label=_("Candidates"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, enrolments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolments"].choices = [(str(e.pk), str(e.candidate)) for e in enrolments]


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Group name"), max_length=128)
    sittings = forms.MultipleChoiceField(label=_("Members"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, sittings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sittings"].choices = [(str(s.pk), str(s.enrolment.candidate)) for s in sittings]


class AssignForm(forms.Form):
    evaluator = forms.ModelChoiceField(label=_("Evaluator"), queryset=get_user_model().objects.none())
    rank = forms.TypedChoiceField(
        label=_("Marker"), coerce=int, choices=[(1, _("first marker")), (2, _("second marker"))], initial=1
    )

    def __init__(self, *args, evaluators=None, **kwargs):
        super().__init__(*args, **kwargs)
        if evaluators is not None:
            self.fields["evaluator"].queryset = evaluators


# --- juries and deliberations ------------------------------------------------------------------------
class DeliberationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    meets_on = forms.DateField(label=_("Date of the jury"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Place"), max_length=255, required=False)


class JuryMemberForm(forms.Form):
    """A seat on the jury. The people offered are active accounts, those holding the jury member role
    first (``people``: (label, [(pk, name), …]) groups)."""

    user = forms.TypedChoiceField(label=_("Person"), coerce=int)
    role = forms.ChoiceField(label=_("Role in the jury"))
    is_professional = forms.BooleanField(label=_("Professional of the target job"), required=False)
    side = forms.ChoiceField(
        label=_("Sits as"),
        required=False,
        help_text=_("For professionals, when the employer/employee parity is checked."),
    )
    organisation = forms.CharField(label=_("Organisation"), max_length=255, required=False)
    is_president = forms.BooleanField(label=_("President of the jury"), required=False)

    def __init__(self, *args, people=(), roles=(), sides=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "—"), *people]
        self.fields["role"].choices = [("", "—"), *roles]
        self.fields["side"].choices = [("", _("not a professional / not stated")), *sides]


class PasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Enter your password again to sign."),
    )


class DecisionForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), widget=forms.RadioSelect)
    blocks = forms.TypedMultipleChoiceField(
        label=_("Blocs validated"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(
        label=_("Reason of the jury"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the decision differs from the proposal."),
    )
    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, results=(), blocks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["result"].choices = list(results)
        self.fields["blocks"].choices = list(blocks)


class ExemptionRulingForm(forms.Form):
    granted = forms.TypedChoiceField(
        label=_("Ruling"),
        coerce=lambda value: value == "granted",
        choices=[("granted", _("exemption granted")), ("refused", _("exemption refused"))],
        widget=forms.RadioSelect,
    )
    keeps_overall_capability = forms.BooleanField(
        label=_(
            "The jury finds that the exemption does not call the candidate's overall professional "
            "capability into question"
        ),
        required=False,
    )
    not_applicable_to_future_practice = forms.BooleanField(
        label=_(
            "The jury finds that, given the disability, the criterion is not meant to apply in the "
            "candidate's future practice"
        ),
        required=False,
    )
    reason = forms.CharField(label=_("Reason of the jury"), widget=forms.Textarea(attrs={"rows": 2}))


class EquivalenceRulingForm(forms.Form):
    accepted = forms.TypedChoiceField(
        label=_("Ruling"),
        coerce=lambda value: value == "accepted",
        choices=[("accepted", _("accepted: the bloc is validated")), ("refused", _("refused"))],
        widget=forms.RadioSelect,
    )
    interview_on = forms.DateField(
        label=_("Date of the jury interview"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For a VAE: the jury rules after the interview."),
    )
    interview_notes = forms.CharField(
        label=_("Notes of the interview"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(label=_("Reason of the jury"), widget=forms.Textarea(attrs={"rows": 2}))


class RectifyForm(forms.Form):
    enrolments = forms.TypedMultipleChoiceField(
        label=_("Candidates whose decision is corrected"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(
        label=_("What the rectification corrects"), widget=forms.Textarea(attrs={"rows": 2})
    )
    meets_on = forms.DateField(
        label=_("Date of the rectifying jury"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, enrolments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolments"].choices = list(enrolments)


class EquivalenceForm(forms.Form):
    block = forms.TypedChoiceField(label=_("Bloc of the référentiel"), coerce=int)
    kind = forms.ChoiceField(label=_("What the candidate presents"))
    source_block = forms.TypedChoiceField(
        label=_("Bloc held"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_(
            "When it is in the registry; blocs with a correspondence to this référentiel come first."
        ),
    )
    evidence = forms.CharField(
        label=_("Evidence presented"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Attestation, certificate or VAE file: what it is and what it shows."),
    )
    document = forms.FileField(label=_("Document"), required=False)
    interview_on = forms.DateField(
        label=_("Date of the jury interview"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For a VAE: the jury rules after the interview."),
    )
    interview_notes = forms.CharField(
        label=_("Notes of the interview"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, blocks=(), kinds=(), source_blocks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["block"].choices = [("", "—"), *blocks]
        self.fields["kind"].choices = list(kinds)
        self.fields["source_block"].choices = [("", _("not in the registry")), *source_blocks]
