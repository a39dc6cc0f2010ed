"""Session replay: tokens, prompt-cache reads and writes, cost and reference retention.

Each trace is replayed call by call as the agent sent it, under three arms: ``raw``,
``policy`` (Headroom with a policy and one store per session, as a proxy runs it) and
``masking`` (observation masking only, the baseline from the literature).
"""

from evals.replay._arms import ARMS, Arm, masking_policy
from evals.replay._bootstrap import bootstrap_ci, mean, paired_bootstrap_ci, ratio_of_sums
from evals.replay._cache_model import (
    RULES,
    CacheRules,
    CallTokens,
    TokenizedRequest,
    bill_call,
    common_prefix,
)
from evals.replay._facts import FactUse, fact_uses, quoted_facts, token_facts
from evals.replay._pricing import DEFAULT_PRICING_PATH, ModelPrice, Pricing, cost_usd, load_pricing
from evals.replay._retention import RetentionJudge
from evals.replay._session import (
    ArmResult,
    Miss,
    ReplaySettings,
    SessionResult,
    call_starts,
    replay_session,
    replay_traces,
)
from evals.replay._summary import summarize

__all__ = [
    "ARMS",
    "Arm",
    "ArmResult",
    "CacheRules",
    "CallTokens",
    "DEFAULT_PRICING_PATH",
    "FactUse",
    "Miss",
    "ModelPrice",
    "Pricing",
    "RULES",
    "ReplaySettings",
    "RetentionJudge",
    "SessionResult",
    "TokenizedRequest",
    "bill_call",
    "bootstrap_ci",
    "call_starts",
    "common_prefix",
    "cost_usd",
    "fact_uses",
    "load_pricing",
    "masking_policy",
    "mean",
    "paired_bootstrap_ci",
    "quoted_facts",
    "ratio_of_sums",
    "replay_session",
    "replay_traces",
    "summarize",
    "token_facts",
]
