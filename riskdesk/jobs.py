"""The one seam through which services queue Celery tasks.

Services never import a `tasks` module: tasks import services, so the other direction
would be an import circle. A service names the task instead, and the task is looked up
in Celery's registry when the transaction that made its work commits.
"""

from importlib import import_module

from celery import current_app
from django.db import transaction


def enqueue_on_commit(task_name: str, *calls: tuple, robust: bool = False) -> None:
    """Queue `task_name` once per argument tuple in `calls`, after the current commit.

    `robust=True` for work a beat sweep also picks up: a broker that is down then
    breaks nothing, since the rows stay pending until the sweep finds them.
    """
    if not calls:
        return

    def queue() -> None:
        # Task names are their module's path: the web process has not imported every
        # tasks module (Celery's autodiscovery runs in the worker), so import it here.
        import_module(task_name.rpartition(".")[0])
        task = current_app.tasks[task_name]
        for args in calls:
            task.delay(*args)

    transaction.on_commit(queue, robust=robust)
