"""advocacy's settings, each with a default that suits a laptop run.

The lead may set any of them in riskdesk/settings.py from the environment.
"""

from django.conf import settings

DEFAULTS = {
    # The endorsement disclosure added to every shared text, by market (compliance.Market).
    # Employees who share brand content must say they work for the brand.
    "ADVOCACY_DISCLOSURES": {
        "US": "#employee",
        "UK": "#employee",
        "CA": "#employee",
        "EU": "#employee",
        "FR": "#salarié",
        "OTHER": "#employee",
    },
    "ADVOCACY_DEFAULT_DISCLOSURE": "#employee",
    # The reach card counts shares and clicks over this many days.
    "ADVOCACY_REACH_DAYS": 30,
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])


def disclosure(market: str) -> str:
    return get("ADVOCACY_DISCLOSURES").get(market) or get("ADVOCACY_DEFAULT_DISCLOSURE")
