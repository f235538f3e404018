"""Reading the workspace: the organisation, the settings sections a person may use,
time zones and languages to choose from, and the preview of a reply template."""

import functools
import zoneinfo

from django.conf import global_settings, settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Team
from inbox.models import Holiday, SlaTarget, TeamHours
from monitoring.enrichment.language import LANGUAGE_CODES
from riskdesk.permissions import can
from riskdesk.request_memo import forget, remembered
from workspace.models import Organisation
from workspace.sections import SECTIONS, Section

WEEKDAYS = [
    (0, gettext_lazy("Monday")),
    (1, gettext_lazy("Tuesday")),
    (2, gettext_lazy("Wednesday")),
    (3, gettext_lazy("Thursday")),
    (4, gettext_lazy("Friday")),
    (5, gettext_lazy("Saturday")),
    (6, gettext_lazy("Sunday")),
]

CACHE_KEY = "workspace:organisation"
CACHE_SECONDS = 60


_LANGUAGE_NAMES = {**dict(global_settings.LANGUAGES), "zh": "Chinese"}


def organisation() -> Organisation:
    """The organisation: its row, or the defaults (from the environment) until an admin saves
    it (workspace.services.organisation_update creates the row and forgets the cached copy).

    Every page's top bar shows it, so it is kept in the cache for a minute, and read into it
    when someone signs in (organisation_warm): pages do not pay a query for it. A request reads
    it from there once (the reports ask for its time zone at every step).
    """
    return remembered(CACHE_KEY, _shared_organisation)


def _shared_organisation() -> Organisation:
    found = cache.get(CACHE_KEY)
    if found is None:
        found = Organisation.objects.filter(pk=1).first() or Organisation(pk=1)
        cache.set(CACHE_KEY, found, CACHE_SECONDS)
    return found


def organisation_forget() -> None:
    cache.delete(CACHE_KEY)
    forget(CACHE_KEY)


def organisation_warm(**_signal) -> None:
    """On sign-in (user_logged_in): the organisation in the cache before the first page."""
    organisation()


def brand_name() -> str:
    return organisation().brand_name


def language_name(code: str) -> str:
    name = _LANGUAGE_NAMES.get(code)
    return _(name) if name else code


def language_choices() -> list[tuple[str, str]]:
    """Every language an organisation may work in."""
    codes = dict.fromkeys([*(code for code, _name in settings.LANGUAGES), *LANGUAGE_CODES])
    return [(code, language_name(code)) for code in codes]


def organisation_language_choices() -> list[tuple[str, str]]:
    """The languages the team works in (reply templates are written in these)."""
    return [(code, language_name(code)) for code in organisation().languages]


@functools.cache
def timezone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def sections_for(user) -> list[Section]:
    if user is None or not user.is_authenticated:
        return []
    return [section for section in SECTIONS if can(user, section.action)]


def hub_entries(user) -> list[dict]:
    return [
        {"title": s.title, "description": s.description, "url": reverse(s.url_name)}
        for s in sections_for(user)
    ]


def workspace_context(request) -> dict:
    """Template context: `organisation` and `settings_sections` (both read only when used)."""
    user = getattr(request, "user", None)
    return {
        "organisation": SimpleLazyObject(organisation),  # one query, if the page shows it
        "settings_sections": SimpleLazyObject(lambda: sections_for(user)),
    }


def sla_targets():
    return SlaTarget.objects.select_related("team").order_by("team__name", "-priority")


def teams_with_hours() -> list[Team]:
    """Every team with its hours (or None) and its holidays from today, in 3 queries."""
    from django.utils import timezone

    teams = list(Team.objects.order_by("name"))
    hours = {h.team_id: h for h in TeamHours.objects.all()}
    upcoming: dict[int, list] = {}
    for holiday in Holiday.objects.filter(date__gte=timezone.localdate()).order_by("date"):
        upcoming.setdefault(holiday.team_id, []).append(holiday)
    names = dict(WEEKDAYS)
    for found in hours.values():
        found.day_names = [names[day] for day in sorted(found.weekdays) if day in names]
    for team in teams:
        team.business_hours = hours.get(team.pk)
        team.upcoming_holidays = upcoming.get(team.pk, [])
    return teams
