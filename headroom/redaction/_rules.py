"""What a secret looks like: value patterns for common token formats, and secret-looking key names.

Patterns are deliberately specific (a known prefix, a length, a shape) so ordinary text
(commit hashes, UUIDs, base64 payloads, Headroom's own ``hr…`` store keys) passes untouched;
the generic fallbacks are a value *next to a secret-looking name* and a credential the
process was configured with.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

PLACEHOLDER = "[REDACTED:{kind}]"


def placeholder(kind: str) -> str:
    """The stable text a redacted value becomes; it holds no quote, so JSON stays valid."""
    return PLACEHOLDER.format(kind=kind)


@dataclass(frozen=True)
class ValueRule:
    """One token format: a pattern and what a match is replaced with."""

    kind: str
    """Placeholder kind, e.g. ``openai-key``."""
    pattern: re.Pattern[str]
    """What a secret of this kind looks like; group ``keep`` (when present) is kept in front."""

    def apply(self, text: str) -> str:
        """``text`` with every match of this rule replaced."""
        return self.pattern.sub(self._replace, text)

    def _replace(self, match: re.Match[str]) -> str:
        keep = match.groupdict().get("keep") or ""
        return keep + placeholder(self.kind)


def _rule(kind: str, pattern: str, flags: int = 0) -> ValueRule:
    return ValueRule(kind, re.compile(pattern, flags))


_B64 = r"A-Za-z0-9_\-"
# Order matters: specific vendors before the generic ``sk-`` and bearer forms.
VALUE_RULES: tuple[ValueRule, ...] = (
    _rule(
        "private-key",
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"
        r"(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\Z)",
    ),
    _rule("anthropic-key", rf"\bsk-ant-[{_B64}]{{16,}}"),
    _rule("stripe-key", r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}"),
    # OpenAI (sk-, sk-proj-, sk-svcacct-...): long, or shorter with a digit (so prose like
    # "sk-style" survives).
    _rule("openai-key", rf"\bsk-(?:[{_B64}]{{20,}}|(?=[{_B64}]*\d)[{_B64}]{{8,}})"),
    _rule("aws-access-key", r"\b(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA)[A-Z0-9]{16}\b"),
    _rule("github-token", r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})\b"),
    _rule("slack-token", r"\bxox[abposre]-[A-Za-z0-9-]{10,}"),
    _rule("slack-webhook", r"(?<=hooks\.slack\.com/services/)[A-Za-z0-9/]{20,}"),
    _rule("google-api-key", rf"\bAIza[{_B64}]{{30,}}"),
    _rule("jwt", rf"\beyJ[{_B64}]{{5,}}\.eyJ[{_B64}]{{5,}}\.[{_B64}]*"),
    # A bearer credential has a digit or punctuation, so "Bearer authentication" is prose.
    _rule(
        "bearer",
        r"(?P<keep>\bBearer\s+)(?=[A-Za-z]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{8,}",
        re.IGNORECASE,
    ),
    _rule("url-password", r"(?P<keep>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/:@\"'<>]+:)[^\s/@\"'<>]+(?=@)"),
    _rule(
        "url-signature",
        r"(?P<keep>[?&](?:X-(?:Amz|Goog)-(?:Signature|Credential|Security-Token)|Signature|sig"
        r"|access_token|api_key|apikey|key|token)=)[^&#\s\"'<>]+",
        re.IGNORECASE,
    ),
)

_AWS_ID = re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b|\[REDACTED:aws-access-key\]")
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_AWS_NEAR = 300
"""Characters either side of an access key id searched for its secret key (40 base64 chars
alone are too common, e.g. SHA-1 hashes, to redact anywhere)."""


def redact_aws_secrets(text: str) -> str:
    """40-character secret keys that sit near an AWS access key id."""
    if "AKIA" not in text and "ASIA" not in text and "aws-access-key" not in text:
        return text
    spans = [(max(0, m.start() - _AWS_NEAR), m.end() + _AWS_NEAR) for m in _AWS_ID.finditer(text)]
    if not spans:
        return text

    def near(match: re.Match[str]) -> str:
        inside = any(lo <= match.start() < hi for lo, hi in spans)
        return placeholder("aws-secret-key") if inside else match[0]

    return _AWS_SECRET.sub(near, text)


# --- key names ---------------------------------------------------------------------------

SECRET_WORDS = frozenset(
    {
        "apikey",
        "auth",
        "authorization",
        "bearer",
        "cookie",
        "cookies",
        "credential",
        "credentials",
        "jwt",
        "passphrase",
        "passwd",
        "password",
        "privatekey",
        "pwd",
        "secret",
        "secrets",
        "signature",
        "token",
    }
)
"""A key holding any of these words is secret (``metadata.token``, ``client_secret``, ``X-Auth``)."""

SECRET_PAIRS = frozenset(
    {("api", "key"), ("private", "key"), ("access", "key"), ("signing", "key"), ("session", "key")}
)
"""Adjacent words that make a key secret (``x-goog-api-key``, ``aws_access_key_id``)."""

PASSWORD_WORDS = frozenset({"passphrase", "passwd", "password", "pin", "pwd", "secret"})
"""Keys whose numeric values are secrets too; other secret-looking keys keep numbers, because
counters share their words (``token_f1``, ``auth_retries``)."""

_SESSION_ALONE = frozenset({("session",), ("sessionid",), ("session", "cookie")})
"""``session`` on its own is a session credential; ``session_id`` in traces names a recorded
agent session and stays readable."""

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _words(name: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _WORD.findall(name))


def numeric_secret_key(name: str) -> bool:
    """Whether even a number under ``name`` is a secret (a PIN, a numeric password)."""
    return any(w in PASSWORD_WORDS for w in _words(name))


@lru_cache(maxsize=4096)
def secret_key(name: str) -> bool:
    """Whether a field named ``name`` holds a secret (case-insensitive, at any position).

    Counting words stay readable: ``max_tokens`` and ``input_tokens`` are not ``token``.
    """
    words = _words(name)
    if not words:
        return False
    if words in _SESSION_ALONE or any(w in SECRET_WORDS for w in words):
        return True
    return any(pair in SECRET_PAIRS for pair in pairwise(words))


_ASSIGNED = re.compile(
    r"""(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)(?P<sep>["']?\s*[:=]\s*)"""
    r"""(?:"(?P<dq>(?:[^"\\\n]|\\.)*)"|'(?P<sq>[^'\n]*)'"""
    r"""|(?P<bare>(?:(?:Bearer|Basic|Token)\s+)?[^\s"'<>,;&}\])\[(]+))"""
)
_ASSIGN_HINT = re.compile(r"(?i)pass|secret|token|key|auth|cookie|credential|pwd|signature|jwt|bearer")


def redact_assignments(text: str) -> str:
    """Values written next to a secret-looking name in text: ``password=…``, ``"token": "…"``."""
    if not _ASSIGN_HINT.search(text):
        return text
    return _ASSIGNED.sub(_assignment, text)


def _assignment(match: re.Match[str]) -> str:
    key = match["key"]
    value = (
        match["dq"] if match["dq"] is not None else match["sq"] if match["sq"] is not None else match["bare"]
    )
    # ``session: 3`` in prose is not a cookie; only JSON fields get the ``session`` rule.
    if not secret_key(key) or key.lower() == "session" or not value or "[REDACTED" in value:
        return match[0]
    if _NUMBER.fullmatch(value) and not numeric_secret_key(key):
        return match[0]
    quote = '"' if match["dq"] is not None else "'" if match["sq"] is not None else ""
    return f"{key}{match['sep']}{quote}{placeholder('secret')}{quote}"


_BASIC = re.compile(r"(?P<keep>\bBasic\s+)(?P<value>[A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])", re.I)


def redact_basic_auth(text: str) -> str:
    """HTTP Basic credentials: ``Basic`` and base64 that decodes to ``user:password``."""
    if "asic" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        try:
            decoded = base64.b64decode(match["value"], validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return match[0]
        return match["keep"] + placeholder("basic-auth") if ":" in decoded else match[0]

    return _BASIC.sub(replace, text)


TEXT_PASSES: tuple[Callable[[str], str], ...] = (
    *(rule.apply for rule in VALUE_RULES),
    redact_basic_auth,
    redact_aws_secrets,
    redact_assignments,
)
"""Every text rule, in the order they run."""
