"""Critical content inside JSON survives SmartCrusher: one tiny fixture per class of input."""

from __future__ import annotations

import pytest

from headroom._critical import is_critical


@pytest.mark.parametrize(
    ("line", "critical"),
    [
        ('{"type": "tool_result", "is_error": false}', False),
        ('{"error": null, "last_error": "", "failures": [], "errors": {}}', False),
        ('{"n": 1, "error_count": 0}', False),
        ('{\\"is_error\\":false}', False),
        ('{"is_error": true}', True),
        ('{"error": "disk full"}', True),
        ('{"error": null, "message": "upload failed"}', True),
        ("Tests run: 5, Failures: 0", True),
    ],
)
def test_an_error_field_that_reports_no_error_is_no_signal(line: str, critical: bool) -> None:
    assert is_critical(line) is critical
