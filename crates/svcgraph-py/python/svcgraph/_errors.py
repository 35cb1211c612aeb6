"""The exceptions svcgraph raises. Catch ``SvcgraphError`` for all of them."""

from __future__ import annotations

__all__ = [
    "AuthError",
    "InputError",
    "OutputError",
    "QueryError",
    "SourceError",
    "SvcgraphError",
]


class SvcgraphError(Exception):
    """Base class of every error svcgraph raises. The message says what was wrong and what
    to do about it."""


class SourceError(SvcgraphError):
    """The metric store could not be asked, or answered with something unusable: connection
    refused, timeout, HTTP 404/429/5xx, a body that is not a Prometheus API response, or
    no service-graph metrics on the server."""


class AuthError(SourceError):
    """The metric store refused the credentials (HTTP 401) or their permissions (HTTP 403),
    or no credentials could be obtained to send."""


class QueryError(SvcgraphError):
    """The metric store rejected or failed a query: a PromQL error (HTTP 400/422 with
    Prometheus' error envelope) or a response with ``"status": "error"``."""


class InputError(SvcgraphError, ValueError):
    """An input or argument svcgraph cannot use: a file that is not a Prometheus response,
    snapshot or graph document, series without the labels of the schema, an unknown schema,
    a bad filter, window, time or regular expression, a node that is not in the graph."""


class OutputError(SvcgraphError, OSError):
    """A file could not be written (``Graph.save``); the previous file is left untouched."""
