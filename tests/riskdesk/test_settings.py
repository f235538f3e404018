"""Settings from the environment, and production refusing to start when they are wrong.

Most cases execute riskdesk/settings.py in a fresh namespace (runpy) under a
controlled environment: fast, and it leaves the running settings alone. Two
subprocesses prove the real start: `check --deploy` is clean, and a missing
SECRET_KEY stops manage.py with a message naming it.
"""

import os
import runpy
import secrets
import string
import subprocess
import sys
from pathlib import Path

import environ
import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

SETTINGS_FILE = Path(django_settings.BASE_DIR) / "riskdesk" / "settings.py"
MANAGE_PY = Path(django_settings.BASE_DIR) / "manage.py"

# Every variable the settings read that could leak in from the shell running the tests.
SETTINGS_VARIABLES = [
    "RISKDESK_ENV",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "REDIS_URL",
    "RISKDESK_VAR_DIR",
    "RISKDESK_MEDIA_ROOT",
    "RISKDESK_REQUIRE_2FA",
    "EMAIL_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SILENCED_SYSTEM_CHECKS",
    "CELERY_TASK_ALWAYS_EAGER",
    "RISKDESK_ENCRYPTION_KEYS",
    "RISKDESK_ENCRYPTION_KEYS_FILE",
    "RISKDESK_OUTBOUND_ALLOW",
]


def random_secret_key() -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(60))


@pytest.fixture
def load_settings(monkeypatch, tmp_path):
    """Execute settings.py with exactly `env` set; returns the module's names."""

    # A developer's .env would otherwise fill the gaps this fixture leaves on purpose.
    monkeypatch.setattr(environ.Env, "read_env", staticmethod(lambda *args, **kwargs: None))

    def load(**env):
        for name in SETTINGS_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("RISKDESK_VAR_DIR", str(tmp_path / "var"))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS_FILE))

    return load


def production(**env):
    return {
        "RISKDESK_ENV": "production",
        "SECRET_KEY": random_secret_key(),
        "ALLOWED_HOSTS": "riskdesk.example.com",
        "RISKDESK_ENCRYPTION_KEYS": "mSxXL3Ojm-BU6gyzQFa3N4bGNq2CWwkm5WQhoxPVMlU=",
    } | env


# --- Defaults and switches ---------------------------------------------------------


def test_nothing_set_runs_embedded_on_sqlite_and_a_filesystem_broker(load_settings, tmp_path):
    values = load_settings()

    assert values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert values["DATABASES"]["default"]["NAME"] == str(tmp_path / "var" / "riskdesk.sqlite3")
    assert values["CELERY_BROKER_URL"] == "filesystem://"
    assert (tmp_path / "var" / "celery-broker").is_dir()
    assert values["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert values["DEBUG"] is True
    assert values["RISKDESK_REQUIRE_2FA"] is False


def test_database_url_and_redis_url_switch_to_postgresql_and_redis(load_settings):
    values = load_settings(
        DATABASE_URL="postgres://rd:pw@db.internal:5433/riskdesk",
        REDIS_URL="redis://cache.internal:6380/2",
    )

    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == (
        "db.internal",
        5433,
        "riskdesk",
    )
    assert database["USER"] == "rd"
    assert database["CONN_HEALTH_CHECKS"] is True
    assert values["CELERY_BROKER_URL"] == "redis://cache.internal:6380/2"
    assert values["CACHES"]["default"]["BACKEND"].endswith("RedisCache")
    assert values["CACHES"]["default"]["LOCATION"] == "redis://cache.internal:6380/2"


def test_media_root_follows_the_var_dir_unless_set(load_settings, tmp_path):
    assert load_settings()["MEDIA_ROOT"] == tmp_path / "var" / "media"
    assert load_settings(RISKDESK_MEDIA_ROOT="/srv/media")["MEDIA_ROOT"] == Path("/srv/media")


def test_an_unknown_riskdesk_env_is_refused(load_settings):
    with pytest.raises(ImproperlyConfigured, match="RISKDESK_ENV"):
        load_settings(RISKDESK_ENV="staging")


def test_production_turns_on_the_safeguards(load_settings):
    values = load_settings(**production())

    assert values["DEBUG"] is False
    assert values["RISKDESK_REQUIRE_2FA"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["ALLOWED_HOSTS"] == ["riskdesk.example.com"]


# --- Production refuses wrong settings, naming the variable -------------------------


def test_production_without_secret_key_is_refused(load_settings):
    env = production()
    del env["SECRET_KEY"]
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        load_settings(**env)


def test_production_without_encryption_keys_is_refused(load_settings):
    env = production()
    del env["RISKDESK_ENCRYPTION_KEYS"]
    with pytest.raises(ImproperlyConfigured, match="RISKDESK_ENCRYPTION_KEYS"):
        load_settings(**env)


def test_production_refuses_private_addresses_for_outbound_calls(load_settings):
    assert load_settings(**production())["RISKDESK_OUTBOUND_ALLOW"] == []
    assert load_settings()["RISKDESK_OUTBOUND_ALLOW"] == ["127.0.0.1/32"]


def test_encryption_keys_list_newest_first(load_settings):
    values = load_settings(**production(RISKDESK_ENCRYPTION_KEYS="new-key, old-key"))
    assert values["RISKDESK_ENCRYPTION_KEYS"] == ["new-key", "old-key"]


@pytest.mark.parametrize(
    "secret_key",
    [
        "too-short-but-random-9f8e7d",
        "a" * 64,  # long but not varied
        "django-insecure-" + "x1y2z3" * 10,
    ],
    ids=["short", "repetitive", "insecure-prefix"],
)
def test_production_with_a_weak_secret_key_is_refused(load_settings, secret_key):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        load_settings(**production(SECRET_KEY=secret_key))


@pytest.mark.parametrize("allowed_hosts", ["", "*", "riskdesk.example.com,*"])
def test_production_without_real_allowed_hosts_is_refused(load_settings, allowed_hosts):
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS"):
        load_settings(**production(ALLOWED_HOSTS=allowed_hosts))


def test_production_with_debug_on_is_refused(load_settings):
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        load_settings(**production(DEBUG="true"))


def test_secret_key_is_read_from_the_file_named_by_secret_key_file(load_settings, tmp_path):
    key = random_secret_key()
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(key + "\n")
    env = production(SECRET_KEY_FILE=str(secret_file))
    del env["SECRET_KEY"]

    assert load_settings(**env)["SECRET_KEY"] == key


def test_an_unreadable_secret_key_file_is_refused_naming_it(load_settings, tmp_path):
    env = production(SECRET_KEY_FILE=str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY_FILE"):
        load_settings(**env)


# --- The real start ------------------------------------------------------------------


# Only what a process needs to run: nothing from the test run's environment leaks in.
PASSED_THROUGH = ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT"]


def _manage(tmp_path, *args, **env):
    base = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    return subprocess.run(
        [sys.executable, str(MANAGE_PY), *args],
        env=base | {"RISKDESK_VAR_DIR": str(tmp_path / "var")} | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **production())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_start_without_secret_key_stops_naming_it(tmp_path):
    env = production()
    del env["SECRET_KEY"]

    result = _manage(tmp_path, "check", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr.strip().splitlines()[-1]
