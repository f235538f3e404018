import pytest

from riskdesk.outbound import PrivateAddress, ensure_public_address


@pytest.fixture(autouse=True)
def _guard_on(settings):
    settings.RISKDESK_ALLOW_PRIVATE_ADDRESSES = False


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765/feed",
        "http://localhost/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.8/",
        "http://192.168.1.1/",
        "http://[::1]/",
        "http://0.0.0.0/",
        "file:///etc/passwd",
    ],
)
def test_private_and_odd_destinations_are_refused(url):
    with pytest.raises(PrivateAddress):
        ensure_public_address(url)


def test_public_address_passes():
    ensure_public_address("https://93.184.215.14/feed.xml")


def test_allowed_when_the_setting_says_so(settings):
    settings.RISKDESK_ALLOW_PRIVATE_ADDRESSES = True
    ensure_public_address("http://127.0.0.1/")
