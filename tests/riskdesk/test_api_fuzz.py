"""A fuzz of the whole API: every operation of /api/schema/ with generated bodies and parameters.

Runs as a signed-in admin (session, 2FA off) in-process through the WSGI app, so it uses
the test database. No answer may be a 5xx, and every error answer must be JSON.
Marked `fuzz`: `make fuzz` runs it (FUZZ_EXAMPLES generated examples per operation,
100 by default, on top of schemathesis's coverage cases; FUZZ_RANDOM=1 for new ones),
`.ci/run` runs a short one; the normal suite leaves it out.
"""

import json
import os
from collections import Counter

import pytest
import schemathesis
from django.conf import settings
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error

from tests.conftest import sign_in

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
# The same cases on every run (CI), unless FUZZ_RANDOM=1 asks for new ones.
DERANDOMIZE = os.environ.get("FUZZ_RANDOM") != "1"
CSRF_SECRET = "f" * 32  # any 32 characters: the cookie and the header must agree


class ErrorIsNotJson(AssertionError):
    pass


def json_errors(ctx, response, case):
    """Every 4xx/5xx answer of the API is JSON (never Django's HTML debug or error page)."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else ""
    if not content_type.startswith("application/json"):
        raise ErrorIsNotJson(
            f"{case.method} {case.formatted_path}: {response.status_code} answered with "
            f"{content_type or 'no content type'}"
        )
    return None


def load_schema():
    """The schema /api/schema/ serves, built without a request (no database at collection).

    schemathesis's lazy `from_fixture` loader breaks under pytest 9 (it writes
    `node._nodeid`), so the schema is loaded at collection and called through the app.
    """
    generated = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(generated)))
    loaded.app = get_wsgi_application()
    return loaded


schema = load_schema()


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo organisation, so generated ids sometimes name real rows (kept for the module)."""
    with django_db_blocker.unblock():
        call_command("seed_demo", verbosity=0)


@pytest.fixture(scope="module")
def tally(request):
    """Counts the cases sent; their figures are printed when the module is done."""
    sent = Counter()
    yield sent
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter and sent:
        operations = len({operation for operation, _status in sent})
        statuses = Counter()
        for (_operation, status), count in sent.items():
            statuses[status] += count
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        with capture.global_and_fixture_disabled():  # shown without -s too
            reporter.write_line(
                f"\nfuzz: {operations} operations, {sum(sent.values())} cases, answers "
                + ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
            )


@pytest.fixture
def admin_cookies(demo_data, client, admin_user):
    sign_in(client, admin_user)
    return {
        settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
        settings.CSRF_COOKIE_NAME: CSRF_SECRET,
    }


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=DERANDOMIZE,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
def test_no_server_error_and_json_errors(case, admin_cookies, tally):
    response = case.call(
        cookies=admin_cookies, headers={"X-CSRFToken": CSRF_SECRET, "Referer": "https://localhost/"}
    )
    tally[(case.operation.label, response.status_code)] += 1
    case.validate_response(response, checks=[not_a_server_error, json_errors])
