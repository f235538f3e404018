"""compliance's settings, each with a default that suits a laptop run.

The lead may set any of them in riskdesk/settings.py from the environment.
"""

from django.conf import settings

DEFAULTS = {
    "COMPLIANCE_MAX_IMAGE_BYTES": 10 * 1024 * 1024,
    "COMPLIANCE_MAX_VIDEO_BYTES": 200 * 1024 * 1024,
    "COMPLIANCE_MAX_CONTRACT_BYTES": 20 * 1024 * 1024,
    "COMPLIANCE_MAX_MEDIA_PER_POST": 10,
    "COMPLIANCE_MAX_IMAGE_PIXELS": 50_000_000,
    # An approval holds this many days at most...
    "COMPLIANCE_APPROVAL_DAYS": 30,
    # ...and never past the planned publication time plus this window.
    "COMPLIANCE_PUBLISH_WINDOW_MINUTES": 60,
    # Legal's review is due this many days after submission (never after publication).
    "COMPLIANCE_REVIEW_DAYS": 2,
    # Reviewers are reminded this long before the due time, then daily while overdue.
    "COMPLIANCE_REMIND_BEFORE_HOURS": 24,
    "COMPLIANCE_LINK_TIMEOUT": 5.0,
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])
