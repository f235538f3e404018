"""One digest for "the exact content a person read", shared by every approval.

An approval (a sponsored post cleared by legal, a holding statement, a policy
revision) records the digest of the content it was given on; the approval
counts only while the content still has that digest, so any edit voids it.
"""

import hashlib
import json


def content_digest(content: dict) -> str:
    """SHA-256 of `content` in a canonical JSON form (sorted keys, no spaces, UTF-8).

    Values must be JSON-serializable; pass datetimes as ISO strings and lists of
    files as their own digests so the same content always gives the same digest.
    """
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
