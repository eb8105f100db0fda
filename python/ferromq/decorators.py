"""Function decorators that give a function a context or a socket for the time of a call
(pyzmq's ``zmq.decorators``)::

    @context()
    @socket(zmq.PUSH)
    def work(ctx, push):
        ...

The object goes to the function as an extra positional argument, or as the keyword
argument named by a first string argument (``@socket("push", zmq.PUSH)``) or by ``name=``.
The context is terminated, the socket closed, when the call returns. The other arguments
go to ``Context(...)`` / ``context.socket(...)``. ``@socket`` takes its context from the
call's keyword argument ``context`` (another name with ``context_name=``), else from the
first Context among the call's positional arguments, else ``Context.instance()``.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

from .context import Context

F = TypeVar("F", bound=Callable[..., Any])


def _split_name(args: tuple, kwargs: dict) -> tuple[str | None, tuple, dict]:
    """The keyword name the object is passed as (if any), and the factory's arguments."""
    kwargs = dict(kwargs)
    if isinstance(kwargs.get("name"), str):
        return kwargs.pop("name"), args, kwargs
    if args and isinstance(args[0], str):
        return args[0], args[1:], kwargs
    return None, args, kwargs


def _decorator(make: Callable[[tuple, dict], Any], name: str | None) -> Callable[[F], F]:
    """Calls the decorated function with the object `make(call_args, call_kwargs)` opens
    (a context manager), closing it afterwards."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def call(*args: Any, **kwargs: Any) -> Any:
            with make(args, kwargs) as obj:
                if name is None:
                    return func(*args, obj, **kwargs)
                if name in kwargs:
                    raise TypeError(f"{func.__name__}() got multiple values for argument '{name}'")
                return func(*args, **{name: obj}, **kwargs)

        return call  # type: ignore[return-value]

    return decorate


def context(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """Gives the decorated function a new Context (``Context(*args, **kwargs)``),
    terminated after the call."""
    name, args, kwargs = _split_name(args, kwargs)
    return _decorator(lambda _a, _k: Context(*args, **kwargs), name)


def socket(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """Gives the decorated function a new socket (``ctx.socket(*args, **kwargs)``), closed
    after the call."""
    name, args, kwargs = _split_name(args, kwargs)
    context_name = kwargs.pop("context_name", "context")

    def make(call_args: tuple, call_kwargs: dict) -> Any:
        ctx = call_kwargs.get(context_name)
        if not isinstance(ctx, Context):
            ctx = next((a for a in call_args if isinstance(a, Context)), None) or Context.instance()
        return ctx.socket(*args, **kwargs)

    return _decorator(make, name)


__all__ = ["context", "socket"]
