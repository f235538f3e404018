from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Team
from accounts.roles import Role
from policies import selectors
from policies.models import ApprovalRule, Policy, PolicyKind, TrainingModule
from policies.services import POLICY_FIELDS
from policies.services.training import MODULE_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LINE_LABEL_LENGTH = 70


class AudienceFields(forms.Form):
    audience_everyone = forms.BooleanField(
        label=_("Everyone"),
        required=False,
        help_text=_("Every active person, whatever their team or role."),
    )
    audience_teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    audience_roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    @staticmethod
    def initial_for(target) -> dict:
        return {
            "audience_everyone": target.audience_everyone,
            "audience_teams": [t.pk for t in target.audience_teams.all()],
            "audience_roles": target.audience_roles,
        }


class PolicyForm(AudienceFields):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=PolicyKind.choices)
    description = forms.CharField(
        label=_("Purpose"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=Policy._meta.get_field("description").help_text,
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=selectors.active_people().order_by("display_name"),
        help_text=Policy._meta.get_field("owner").help_text,
    )
    review_interval_months = forms.IntegerField(
        label=_("Review every (months)"), min_value=1, max_value=36, initial=6
    )
    next_review_on = forms.DateField(
        label=_("Next review"),
        required=False,
        widget=DATE,
        help_text=_("Set automatically when a revision is published."),
    )

    field_order = POLICY_FIELDS

    def __init__(self, *args, instance: Policy | None = None, **kwargs):
        if instance is not None:
            initial = {
                "title": instance.title,
                "kind": instance.kind,
                "description": instance.description,
                "owner": instance.owner_id,
                "review_interval_months": instance.review_interval_months,
                "next_review_on": instance.next_review_on,
            } | self.initial_for(instance)
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)


class RevisionForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary of changes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What changed and why, in plain words: readers see this first."),
    )
    material_change = forms.BooleanField(
        label=_("Material change"),
        required=False,
        help_text=_(
            "Changes what people must do: everyone in the audience will be asked to "
            "acknowledge it once published."
        ),
    )
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 28, "class": "policy-editor", "spellcheck": "true"}),
        help_text=_(
            "Markdown: # for headings, - for lists, **bold**, [link](https://…). "
            "HTML is shown as text, never run."
        ),
    )

    def __init__(self, *args, first: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if first:
            self.fields["material_change"].disabled = True
            self.fields["material_change"].initial = True
            self.fields["material_change"].help_text = _(
                "A first version is always acknowledged by its audience."
            )


class SubmitForm(forms.Form):
    reviewers = forms.ModelMultipleChoiceField(
        label=_("Reviewers"),
        queryset=selectors.reviewers(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Managers who read the changes and approve them."),
    )
    approval_rule = forms.ChoiceField(
        label=_("Approval needed from"),
        choices=ApprovalRule.choices,
        initial=ApprovalRule.ANY,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, revision, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = selectors.reviewers().exclude(pk=revision.author_id)


def line_choices(revision) -> list[tuple[str, str]]:
    choices = [("", _("The whole revision"))]
    for number, text in enumerate(revision.body.splitlines(), start=1):
        if text.strip():
            short = text.strip()
            if len(short) > LINE_LABEL_LENGTH:
                short = short[: LINE_LABEL_LENGTH - 1] + "…"
            choices.append((str(number), f"{number}: {short}"))
    return choices


class CommentForm(forms.Form):
    line = forms.ChoiceField(label=_("About"), required=False)
    body = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )

    def __init__(self, *args, revision, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = line_choices(revision)


class RequestChangesForm(CommentForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = _("What needs to change")


class DiffForm(forms.Form):
    old = forms.TypedChoiceField(label=_("Compare"), coerce=int)
    new = forms.TypedChoiceField(label=_("with"), coerce=int)
    view = forms.ChoiceField(
        label=_("Show"),
        choices=[("side", _("Side by side")), ("inline", _("Inline"))],
        required=False,
        initial="side",
    )

    def __init__(self, *args, revisions, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(r.number, f"r{r.number} · {r.get_status_display()}") for r in revisions]
        self.fields["old"].choices = choices
        self.fields["new"].choices = choices


# --- Training -----------------------------------------------------------------------------


class TrainingModuleForm(AudienceFields):
    title = forms.CharField(label=_("Title"), max_length=200)
    code = forms.SlugField(
        label=_("Code"),
        max_length=64,
        help_text=TrainingModule._meta.get_field("code").help_text,
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    policy = forms.ModelChoiceField(
        label=_("Policy"), queryset=Policy.objects.order_by("title"), required=False
    )
    validity_months = forms.IntegerField(
        label=_("Valid for (months)"),
        min_value=1,
        max_value=120,
        required=False,
        initial=12,
        help_text=TrainingModule._meta.get_field("validity_months").help_text,
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Retired modules take no new records and leave the reports."),
    )
    self_service = forms.BooleanField(
        label=_("People complete it themselves"),
        required=False,
        help_text=TrainingModule._meta.get_field("self_service").help_text,
    )

    field_order = MODULE_FIELDS

    def __init__(self, *args, instance: TrainingModule | None = None, **kwargs):
        if instance is not None:
            initial = {
                "title": instance.title,
                "code": instance.code,
                "description": instance.description,
                "policy": instance.policy_id,
                "validity_months": instance.validity_months,
                "is_active": instance.is_active,
                "self_service": instance.self_service,
            } | self.initial_for(instance)
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)


class TrainingRecordForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Person"), queryset=selectors.active_people().order_by("display_name")
    )
    module = forms.ModelChoiceField(
        label=_("Module"), queryset=TrainingModule.objects.filter(is_active=True)
    )
    completed_on = forms.DateField(label=_("Completed on"), widget=DATE)
    score = forms.DecimalField(
        label=_("Score"), min_value=0, max_value=100, decimal_places=2, required=False
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        max_length=500,
        required=False,
        help_text=_("A certificate link or reference."),
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty to use the module's validity."),
    )


class AssignForm(forms.Form):
    people = forms.ModelMultipleChoiceField(
        label=_("People"),
        queryset=selectors.active_people().order_by("display_name"),
        widget=forms.CheckboxSelectMultiple,
    )
    due_on = forms.DateField(label=_("Due on"), widget=DATE)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: email, module (code or title), completed_on (YYYY-MM-DD); "
            "optional: score, evidence, expires_on. Comma or semicolon separated, UTF-8."
        ),
    )
