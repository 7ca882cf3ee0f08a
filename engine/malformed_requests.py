"""Requests whose bytes are not the message the method takes are INVALID_ARGUMENT, with the
method named, instead of gRPC's own INTERNAL "Exception deserializing request!".

A server interceptor gives every method handler a deserializer that hands back a marker
instead of raising, and a behaviour that refuses the marker: before the servicer sees it, or,
in a client stream, as an ApiError that the servicer's error table answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from wonderland.engine.api_errors import invalid


class _Malformed:
    """Stands for a request that could not be parsed."""


_MALFORMED = _Malformed()


def _tolerant(parse: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if parse is None:
        return None

    def deserialize(data: bytes) -> Any:
        try:
            return parse(data)
        except (DecodeError, ValueError, TypeError):
            return _MALFORMED

    return deserialize


def _detail(method: str) -> str:
    return f"{method}: the request is not a valid message for this method"


class MalformedRequestInterceptor(grpc.ServerInterceptor):
    """Refuses unparsable requests of every method with INVALID_ARGUMENT."""

    def intercept_service(self, continuation: Callable[..., Any],
                          handler_call_details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        if handler.unary_unary or handler.unary_stream:
            kind = "unary_unary" if handler.unary_unary else "unary_stream"
            inner = handler.unary_unary or handler.unary_stream

            def unary(request: Any, context: grpc.ServicerContext) -> Any:
                if request is _MALFORMED:
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT, _detail(method))
                return inner(request, context)

            behaviour = unary
        else:
            kind = "stream_unary" if handler.stream_unary else "stream_stream"
            inner = handler.stream_unary or handler.stream_stream

            def streaming(requests: Iterator[Any], context: grpc.ServicerContext) -> Any:
                def checked() -> Iterator[Any]:
                    for request in requests:
                        if request is _MALFORMED:  # raised in the servicer's guarded call
                            raise invalid(_detail(method))
                        yield request

                return inner(checked(), context)

            behaviour = streaming
        return getattr(grpc, f"{kind}_rpc_method_handler")(
            behaviour, request_deserializer=_tolerant(handler.request_deserializer),
            response_serializer=handler.response_serializer)
