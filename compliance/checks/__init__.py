"""The automatic checks run on every save of a sponsored post.

`run_checks(content, rulebook)` returns findings as plain JSON (stored on the
post and copied into each decision): the check, a code, a severity, the
parameters of its message and, when it points at the text, where. The words
people read (the rule applied and the explanation) come from `describe` at
display time, so they follow the reader's language.

`findings` holds the checks, `display` the table of their words (`EXPLANATIONS`),
`describe` and `highlight`.
"""

from compliance.checks.display import (
    CHECK_LABELS,
    EXPLANATIONS,
    SEVERITY_LABELS,
    Explanation,
    describe,
    highlight,
)
from compliance.checks.findings import (
    CHECKS,
    ERROR,
    FOLD,
    FOLDED_PLATFORMS,
    INFO,
    PASS,
    PLATFORM_LIMITS,
    SEVERITY_ORDER,
    WARNING,
    PostContent,
    all_links,
    counts,
    extract_links,
    finding,
    link_url,
    post_length,
    run_checks,
)

__all__ = [
    "CHECKS",
    "CHECK_LABELS",
    "ERROR",
    "EXPLANATIONS",
    "FOLD",
    "FOLDED_PLATFORMS",
    "INFO",
    "PASS",
    "PLATFORM_LIMITS",
    "SEVERITY_LABELS",
    "SEVERITY_ORDER",
    "WARNING",
    "Explanation",
    "PostContent",
    "all_links",
    "counts",
    "describe",
    "extract_links",
    "finding",
    "highlight",
    "link_url",
    "post_length",
    "run_checks",
]
