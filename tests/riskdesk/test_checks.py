"""System checks stop a start with a malformed encryption key (not its first use)."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from riskdesk.checks import check_encryption_keys

GOOD_KEY = "mSxXL3Ojm-BU6gyzQFa3N4bGNq2CWwkm5WQhoxPVMlU="


def test_good_keys_pass(settings):
    settings.RISKDESK_ENCRYPTION_KEYS = [GOOD_KEY]

    assert check_encryption_keys() == []


@pytest.mark.parametrize(
    "keys",
    [
        ["not-a-fernet-key"],
        [GOOD_KEY, "bXlfc2hvcnRfa2V5"],  # base64, but 12 bytes
        [GOOD_KEY[:-2] + "!!"],
    ],
    ids=["garbage", "old-key-too-short", "not-base64"],
)
def test_a_malformed_key_is_an_error_that_names_its_position_not_its_value(settings, keys):
    settings.RISKDESK_ENCRYPTION_KEYS = keys

    errors = check_encryption_keys()

    assert [e.id for e in errors] == ["riskdesk.E002"]
    assert f"Key {len(keys)} of RISKDESK_ENCRYPTION_KEYS" in errors[0].msg
    assert keys[-1] not in errors[0].msg


def test_no_key_at_all_is_an_error(settings):
    settings.RISKDESK_ENCRYPTION_KEYS = []

    assert [e.id for e in check_encryption_keys()] == ["riskdesk.E001"]


def test_manage_py_check_fails_with_a_malformed_key(settings):
    settings.RISKDESK_ENCRYPTION_KEYS = ["not-a-fernet-key"]

    with pytest.raises(SystemCheckError, match=r"riskdesk\.E002"):
        call_command("check")
