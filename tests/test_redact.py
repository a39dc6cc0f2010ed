"""The redaction layer: each token format, secret key names, configured credentials, logs, files."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from headroom.redaction import (
    RedactingFilter,
    Redactor,
    forget_credentials,
    install_log_redaction,
    redact_text,
    redacted_copy,
    register_credential,
    secret_key,
    uninstall_log_redaction,
)

AWS_ID = "AKIA" + "Q3EXAMPLEZ7K2M4N"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJlLXBsYW50ZWQ"

# (kind, text holding the secret, the secret itself)
VALUE_CASES = [
    ("openai-key", "key is sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12 ok", "sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12"),
    ("openai-key", "short sk-a1b2c3d4e5 key", "sk-a1b2c3d4e5"),
    ("anthropic-key", "use sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3L", "sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3L"),
    ("aws-access-key", f"id={AWS_ID}", AWS_ID),
    ("aws-secret-key", f"aws {AWS_ID} then {AWS_SECRET} end", AWS_SECRET),
    ("github-token", "token ghp_" + "a1" * 18 + " pushed", "ghp_" + "a1" * 18),
    (
        "github-token",
        "github_pat_11ABCDEFG0123456789_abcdefghijkl",
        "github_pat_11ABCDEFG0123456789_abcdefghijkl",
    ),
    ("slack-token", "xoxb-1234567890-0987654321-AbCdEf", "xoxb-1234567890-0987654321-AbCdEf"),
    ("google-api-key", "k=AIzaSyD4-plantedGoogleKey0123456789ab", "AIzaSyD4-plantedGoogleKey0123456789ab"),
    ("stripe-key", "stripe sk_live_51Hplanted0123456789", "sk_live_51Hplanted0123456789"),
    ("stripe-key", "restricted rk_live_51Hplanted0123456789", "rk_live_51Hplanted0123456789"),
    ("jwt", f"cookie value {JWT}.", JWT),
    ("bearer", "curl -H 'Authorization: Bearer opaque.t0ken-xyz'", "opaque.t0ken-xyz"),
    (
        "private-key",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEplanted\n-----END RSA PRIVATE KEY-----",
        "MIIEplanted",
    ),
    ("private-key", "cut: -----BEGIN PRIVATE KEY-----\nMIIEtorn", "MIIEtorn"),
    ("url-password", "dsn postgres://app:Hunter2Pass@db.internal:5432/x", "Hunter2Pass"),
    ("url-signature", "https://b.s3.amazonaws.com/o?X-Amz-Signature=9f8e7d6c5b&x=1", "9f8e7d6c5b"),
    ("url-signature", "https://x.blob.core.windows.net/c/f?sv=2024&sig=Abc%2Fsig123", "Abc%2Fsig123"),
    ("secret", "export password=correct-horse-battery", "correct-horse-battery"),
    ("secret", '{"client_secret": "cs plain words"}', "cs plain words"),
    ("secret", "X-Goog-Api-Key: plainvaluegoog", "plainvaluegoog"),
]


@pytest.mark.parametrize(("kind", "text", "secret"), VALUE_CASES)
def test_each_token_format_is_redacted(kind: str, text: str, secret: str) -> None:
    clean = Redactor().text(text)
    assert secret not in clean
    assert f"[REDACTED:{kind}]" in clean
    assert Redactor().text(clean) == clean, "redacting twice changes nothing"


ORDINARY = [
    "commit 3f786850e387550fdab836ed7e6dc881de23001b merged",
    "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "request 123e4567-e89b-12d3-a456-426614174000 done",
    "payload SGVsbG8sIHRoaXMgaXMganVzdCBiYXNlNjQgdGV4dA== decoded",
    "[42 rows omitted; retrieve: hr123456789012345678] and hr_0123456789abcdef",
    "max_tokens=512 input_tokens: 40 tokens=9 session: 3 of 10",
    "Bearer authentication and a bearer token are described in RFC 6750",
    "the task-queue and disk-usage-report ran; risk-free",
    "key: value and apiVersion: v1",
    "https://example.com/path?page=2&q=search",
    "git@github.com:org/repo.git",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_not_redacted(text: str) -> None:
    assert Redactor().text(text) == text


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("token", True),
        ("metadata_token", True),
        ("Password", True),
        ("x-goog-api-key", True),
        ("X-Api-Key", True),
        ("apiKey", True),
        ("authorization", True),
        ("Set-Cookie", True),
        ("session", True),
        ("private_key", True),
        ("client_secret", True),
        ("aws_secret_access_key", True),
        ("accessToken", True),
        ("max_tokens", False),
        ("input_tokens", False),
        ("tokenizer", False),
        ("key", False),
        ("session_id", False),
        ("author", False),
        ("keys", False),
    ],
)
def test_secret_key_names(name: str, secret: bool) -> None:
    assert secret_key(name) is secret


def test_values_under_secret_keys_at_any_depth_keep_json_shape() -> None:
    data = {
        "metadata": {"token": "tk-plain-1", "user": "ana"},
        "items": [{"password": "pw-plain-2"}, {"X-GOOG-API-KEY": "goog-plain-3"}],
        "credentials": {"user": "bob", "nested": ["cred-plain-4"]},
        "usage": {"max_tokens": 5, "token_f1": 0.5},
        "arguments": json.dumps({"path": "a.py", "api_key": "args-plain-5"}),
        "clean_arguments": '{"key":"hr123456789012345678"}',
    }
    clean = Redactor().value(data)
    dumped = json.dumps(clean)
    for planted in ("tk-plain-1", "pw-plain-2", "goog-plain-3", "cred-plain-4", "args-plain-5"):
        assert planted not in dumped
    assert clean["metadata"]["user"] == "ana" and clean["usage"] == data["usage"]
    assert json.loads(clean["arguments"]) == {"path": "a.py", "api_key": "[REDACTED:secret]"}
    assert clean["clean_arguments"] == data["clean_arguments"], "clean JSON strings stay byte-identical"
    assert json.loads(dumped) == clean


@pytest.fixture
def clean_registry() -> Iterator[None]:
    forget_credentials()
    yield
    forget_credentials()


@pytest.mark.usefixtures("clean_registry")
def test_configured_credentials_are_redacted_exactly_even_without_a_known_shape() -> None:
    register_credential("Bearer plainkeywithnoshape")
    register_credential("short")  # too short to match safely: ignored
    text = "upstream said: invalid key plainkeywithnoshape (a short word stays)"
    assert redact_text(text) == "upstream said: invalid key [REDACTED:credential] (a short word stays)"
    assert Redactor().with_credentials(["anotherconfigured1"]).text("x anotherconfigured1") == (
        "x [REDACTED:credential]"
    )


@pytest.mark.usefixtures("clean_registry")
def test_logging_filter_redacts_message_args_and_exceptions() -> None:
    register_credential("configured-log-key-77")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("tests.redact.filter")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(
            "calling with %s and %s", "sk-ant-api03-LogSecret0123456789ab", "configured-log-key-77"
        )
        try:
            raise ValueError(f"bad token {JWT}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert "LogSecret" not in written and "configured-log-key-77" not in written and JWT not in written
    assert "[REDACTED:anthropic-key]" in written and "[REDACTED:jwt]" in written and "ValueError" in written


def test_installed_hook_redacts_records_of_every_logger(tmp_path: Path) -> None:
    log_file = tmp_path / "run.log"
    handler = logging.FileHandler(log_file)
    root = logging.getLogger()
    root.addHandler(handler)
    install_log_redaction()
    try:
        logging.getLogger("some.thirdparty.child").warning("key=%s", "ghp_" + "Zz9" * 12)
    finally:
        uninstall_log_redaction()
        root.removeHandler(handler)
        handler.close()
    assert "ghp_" not in log_file.read_text() and "[REDACTED:github-token]" in log_file.read_text()


def test_redacted_copy_of_text_and_binary_files(tmp_path: Path) -> None:
    text = tmp_path / "summary.json"
    text.write_text(json.dumps({"note": "sk-proj-CopySecret0123456789abcd"}))
    blob = tmp_path / "model.bin"
    blob.write_bytes(b"\xff\xfe\x00binary")
    out = tmp_path / "staging"
    copied = redacted_copy(text, out, Redactor())
    assert copied.name == "summary.json" and "CopySecret" not in copied.read_text()
    assert json.loads(copied.read_text()) == {"note": "[REDACTED:openai-key]"}
    assert redacted_copy(blob, out, Redactor()).read_bytes() == blob.read_bytes()
