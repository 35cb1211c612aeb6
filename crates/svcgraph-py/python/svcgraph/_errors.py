"""The exceptions svcgraph raises. Catch ``SvcgraphError`` for all of them."""

from __future__ import annotations

from typing import Dict, Optional, Type

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
    """A file could not be written (``Graph.save``); a file already at that path is left
    untouched. As on any ``OSError``, ``errno``, ``strerror`` and ``filename`` (the path given
    to ``save``) say what the system refused, and ``str()`` names the path and what to do.

    Where Python has an ``OSError`` subclass for the ``errno``, the error is also an instance
    of it (through a subclass of both, such as ``OutputFileNotFoundError``), so
    ``except FileNotFoundError`` catches a missing directory as it would for ``open``:
    ``FileNotFoundError``, ``PermissionError``, ``IsADirectoryError``, ``NotADirectoryError``.
    """

    # The message the native module wrote; None for an OutputError made by hand.
    _message: Optional[str] = None

    def __str__(self) -> str:
        if self._message is not None:
            return self._message
        return super().__str__()


class OutputFileNotFoundError(OutputError, FileNotFoundError):
    """``Graph.save`` into a directory that does not exist (``ENOENT``)."""


class OutputPermissionError(OutputError, PermissionError):
    """``Graph.save`` into a directory this user may not write to (``EACCES``, ``EPERM``)."""


class OutputIsADirectoryError(OutputError, IsADirectoryError):
    """``Graph.save`` to the path of a directory (``EISDIR``)."""


class OutputNotADirectoryError(OutputError, NotADirectoryError):
    """``Graph.save`` to a path under a file, as if it were a directory (``ENOTDIR``)."""


_OUTPUT_ERRORS: Dict[Type[OSError], Type[OutputError]] = {
    FileNotFoundError: OutputFileNotFoundError,
    PermissionError: OutputPermissionError,
    IsADirectoryError: OutputIsADirectoryError,
    NotADirectoryError: OutputNotADirectoryError,
}


def _output_error(
    message: str, errno: Optional[int], strerror: str, filename: str
) -> OutputError:
    """The exception of a failed write, made by the native module: ``OutputError``, or its
    subclass that is also the ``OSError`` subclass Python itself raises for ``errno``."""
    # OSError(errno, ...) picks Python's own subclass for the errno (ENOENT:
    # FileNotFoundError, EACCES and EPERM: PermissionError, ...).
    builtin = type(OSError(errno, strerror))
    error = _OUTPUT_ERRORS.get(builtin, OutputError)(errno, strerror, filename)
    error._message = message
    return error
