"""Secrets stay secret: one redaction layer for cassettes, reports, tracking, logs and errors.

::

    from headroom.redaction import Redactor, register_credential

    register_credential(api_key)              # providers do this for every key they hold
    redactor = default_redactor()             # knows the registered keys
    redactor.text("Bearer sk-proj-…")         # 'Bearer [REDACTED:openai-key]'
    redactor.value({"metadata": {"token": "t0k3n"}})   # {'metadata': {'token': '[REDACTED:secret]'}}

Redacted values become ``[REDACTED:kind]``, which keeps JSON valid and is stable, so
redacting twice changes nothing.
"""

from headroom.redaction._files import redacted_copy
from headroom.redaction._logging import (
    RedactingFilter,
    install_log_redaction,
    redact_record,
    uninstall_log_redaction,
)
from headroom.redaction._redactor import (
    MIN_CREDENTIAL_LENGTH,
    Redactor,
    default_redactor,
    forget_credentials,
    redact_text,
    redact_value,
    register_credential,
    registered_credentials,
)
from headroom.redaction._rules import PLACEHOLDER, placeholder, secret_key

__all__ = [
    "MIN_CREDENTIAL_LENGTH",
    "PLACEHOLDER",
    "RedactingFilter",
    "Redactor",
    "default_redactor",
    "forget_credentials",
    "install_log_redaction",
    "placeholder",
    "redact_record",
    "redact_text",
    "redact_value",
    "redacted_copy",
    "register_credential",
    "registered_credentials",
    "secret_key",
    "uninstall_log_redaction",
]
