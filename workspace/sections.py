"""The sections of the settings hub (/settings/): what each is, where it lives, who may use it.

Another module adds its own section by appending here (single sign-on, notifications...):
the hub and the top bar's "Settings" link show a section only to people who may use it.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Section:
    title: str
    url_name: str  # a page of the section, reversed without arguments
    action: str  # the riskdesk.permissions action a person needs to use it
    description: str = ""


SECTIONS: list[Section] = [
    Section(
        _("Organisation"),
        "workspace_organisation",
        "organisation.manage",
        _("The brand's name, time zone, languages and logo."),
    ),
    Section(
        _("SLA targets"),
        "workspace_sla_list",
        "sla.manage",
        _("How fast each priority must be answered and resolved, for every team or one."),
    ),
    Section(
        _("Business hours"),
        "workspace_hours",
        "sla.manage",
        _("When each team works and its holidays: the SLA clocks pause outside them."),
    ),
    Section(
        _("Reply templates"),
        "workspace_templates",
        "reply_template.manage",
        _("Canned replies per language, with their variables and a preview."),
    ),
    Section(
        _("Single sign-on"),
        "sso_settings",
        "sso.manage",
        _(
            "Sign in through your identity provider (OpenID Connect); roles from its groups; "
            "password sign-in on or off."
        ),
    ),
]
