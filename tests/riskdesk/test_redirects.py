"""`next` is followed only to this site's own pages."""

import pytest
from django.test import RequestFactory

from riskdesk.redirects import next_url


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"next": "/publishing/held/"}, "/publishing/held/"),
        ({"next": "https://evil.example/"}, "/home/"),
        ({"next": "//evil.example/"}, "/home/"),
        ({"next": "http://169.254.169.254/latest/"}, "/home/"),
        ({}, "/home/"),
    ],
)
def test_next_is_followed_only_to_our_own_pages(data, expected):
    request = RequestFactory().post("/x/", data)
    assert next_url(request, "/home/") == expected


def test_the_query_counts_when_the_form_has_no_next():
    request = RequestFactory().get("/x/", {"next": "/advocacy/"})
    assert next_url(request) == "/advocacy/"
    assert next_url(RequestFactory().get("/x/")) is None
