"""Values read once a request: a page that asks for one several times gets the first answer.

RequestContextMiddleware opens a memo around each request. `remembered(key, read)` answers
from it, calling `read` the first time; outside a request (a task, a shell, a test's direct
call) there is no memo and `read` runs every time. `forget(key)` drops a value the request
itself has just changed, so that its next reading sees the change.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_memo: ContextVar[dict | None] = ContextVar("request_memo", default=None)


@contextmanager
def request_memo() -> Iterator[None]:
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def remembered(key: str, read: Callable[[], T]) -> T:
    memo = _memo.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def forget(key: str) -> None:
    memo = _memo.get()
    if memo is not None:
        memo.pop(key, None)
