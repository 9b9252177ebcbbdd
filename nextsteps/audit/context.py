"""Who is acting: set by the middleware for requests, by `acting_as` for commands and jobs."""

from contextlib import contextmanager
from contextvars import ContextVar

_actor: ContextVar = ContextVar("nextsteps_actor", default=None)
_source: ContextVar = ContextVar("nextsteps_source", default="")


def current_actor():
    return _actor.get()


def current_source() -> str:
    return _source.get()


@contextmanager
def acting_as(user, source: str = ""):
    """Attribute every change made inside the block to `user` (None for the system)."""
    actor_token = _actor.set(user if user is not None and user.is_authenticated else None)
    source_token = _source.set(source)
    try:
        yield
    finally:
        _actor.reset(actor_token)
        _source.reset(source_token)
