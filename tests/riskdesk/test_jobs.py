"""riskdesk.jobs: services queue tasks by name, after their transaction commits."""

import ast
from importlib import import_module
from pathlib import Path

import pytest
from celery import current_app
from django.conf import settings
from django.db import transaction

from riskdesk.jobs import enqueue_on_commit

ROOT = Path(settings.BASE_DIR)


def _queued_task_names():
    """Every task name written as the first argument of enqueue_on_commit in the code."""
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in {".venv", ".tools", "tests", "var"}:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None))
                == "enqueue_on_commit"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                yield str(path.relative_to(ROOT)), node.args[0].value


def test_every_task_a_service_queues_exists():
    names = list(_queued_task_names())
    assert len(names) >= 5  # monitoring, alerting, compliance, offboarding
    for where, name in names:
        import_module(name.rpartition(".")[0])
        assert name in current_app.tasks, f"{where} queues {name}, which is not a task"


@pytest.mark.django_db(transaction=True)
def test_a_task_is_queued_once_per_call_after_the_commit_only(monkeypatch):
    from monitoring import tasks

    queued = []
    monkeypatch.setattr(tasks.process_webhook_delivery, "delay", queued.append)
    with transaction.atomic():
        enqueue_on_commit("monitoring.tasks.process_webhook_delivery", (1,), (2,))
        assert queued == []
    assert queued == [1, 2]

    def queue_then_fail():
        with transaction.atomic():
            enqueue_on_commit("monitoring.tasks.process_webhook_delivery", (3,))
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        queue_then_fail()
    assert queued == [1, 2]
