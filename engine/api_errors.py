"""How failures become gRPC status codes: one table for every call of the servicer.

A handler raises `ApiError` (or lets a known exception through); the `guarded` decorators turn
it into `context.abort` with the status code and a one-line detail. Anything else is a bug:
logged with its traceback, answered INTERNAL.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator

import grpc

from wonderland.db import StoreError
from wonderland.engine.preparation import EXIT_UNSUPPORTED, UserError
from wonderland.engine.work_area import PathRefused

log = logging.getLogger("wonderland")


class ApiError(Exception):
    def __init__(self, code: grpc.StatusCode, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def invalid(detail: str) -> ApiError:
    return ApiError(grpc.StatusCode.INVALID_ARGUMENT, detail)


def not_found(detail: str) -> ApiError:
    return ApiError(grpc.StatusCode.NOT_FOUND, detail)


def failed_precondition(detail: str) -> ApiError:
    return ApiError(grpc.StatusCode.FAILED_PRECONDITION, detail)


def _status(exc: Exception) -> tuple[grpc.StatusCode, str] | None:
    """The status code and detail for an exception, or None for a bug."""
    if isinstance(exc, ApiError):
        return exc.code, exc.detail
    if isinstance(exc, UserError):
        code = (grpc.StatusCode.UNIMPLEMENTED if exc.code == EXIT_UNSUPPORTED
                else grpc.StatusCode.INVALID_ARGUMENT)
        return code, str(exc)
    if isinstance(exc, PathRefused):
        return grpc.StatusCode.INVALID_ARGUMENT, str(exc)
    if isinstance(exc, StoreError):
        return grpc.StatusCode.UNAVAILABLE, f"database: {exc}"
    return None


def _abort(context: grpc.ServicerContext, exc: Exception, method: str):
    status = _status(exc)
    if status is None:
        log.exception("%s: internal error", method)
        status = grpc.StatusCode.INTERNAL, f"internal error: {type(exc).__name__}: {exc}"
    context.abort(*status)


def guarded(method: Callable) -> Callable:
    """For unary calls (and client streams)."""

    @functools.wraps(method)
    def call(self, request, context):
        try:
            return method(self, request, context)
        except Exception as exc:  # mapped by the table above
            _abort(context, exc, method.__name__)

    return call


def guarded_stream(method: Callable[..., Iterator]) -> Callable[..., Iterator]:
    """For server streams: the same table, for errors raised while streaming too."""

    @functools.wraps(method)
    def call(self, request, context):
        try:
            yield from method(self, request, context)
        except Exception as exc:  # mapped by the table above
            _abort(context, exc, method.__name__)

    return call
