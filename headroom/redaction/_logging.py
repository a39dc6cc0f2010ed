"""Log records with their secrets redacted: a ``logging.Filter`` and a process-wide hook."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from headroom.redaction._redactor import Redactor, default_redactor

_install_lock = threading.Lock()
_installed: list[Callable[..., logging.LogRecord]] = []


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and exception text) with secrets redacted; drops nothing.

    ``redactor`` defaults to one that knows the credentials registered when the record is
    logged, so keys registered after the filter was attached are still caught.
    """

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; always keep it."""
        redact_record(record, self._redactor or default_redactor())
        return True


def redact_record(record: logging.LogRecord, redactor: Redactor) -> None:
    """Format the message once, redact it, and freeze it (``args`` cleared) so handlers see the clean text."""
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        # A broken format string: keep its parts, redacted, rather than lose the record.
        message = f"{record.msg} {record.args}"
    record.msg, record.args = redactor.text(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redactor.text(record.exc_text)
    if record.stack_info:
        record.stack_info = redactor.text(record.stack_info)


def install_log_redaction() -> None:
    """Redact every log record this process creates, whichever logger or handler it goes to.

    A filter on one logger misses records propagated from its children, so this wraps the
    record factory instead. Safe to call more than once.
    """
    with _install_lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            redact_record(record, default_redactor())
            return record

        _installed.append(previous)
        logging.setLogRecordFactory(factory)


def uninstall_log_redaction() -> None:
    """Undo :func:`install_log_redaction` (tests)."""
    with _install_lock:
        if _installed:
            logging.setLogRecordFactory(_installed.pop())
