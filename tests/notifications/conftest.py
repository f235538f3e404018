import pytest
from celery import current_app


@pytest.fixture
def eager(django_capture_on_commit_callbacks):
    """Tasks queued on commit run at once, in the test (e-mails "at once" included)."""
    before = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield django_capture_on_commit_callbacks
    current_app.conf.task_always_eager = before
