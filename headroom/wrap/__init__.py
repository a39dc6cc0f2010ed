"""``headroom wrap <agent>``: run a coding agent through the proxy, changing only its environment.

One :class:`AgentProfile` per agent (:data:`AGENTS`, filled by ``_agents`` and ``_gui``); the
proxy lifecycle (reuse by ``/health``, start with a deadline, leases so the last session stops
a proxy a wrap started) in ``_proxy`` and ``_leases``; the foreground run with signals
forwarded in ``_runner``; ``--persist`` writes, stamped and undone exactly, in ``_persist``.
"""

from headroom.wrap import _agents, _gui  # noqa: F401  (they register the profiles)
from headroom.wrap._errors import ProxyUnavailable, WrapError
from headroom.wrap._persist import ConfigEdit, Stamps
from headroom.wrap._profile import AGENTS, AgentProfile, CliAgent, WrapContext, agent, register
from headroom.wrap._proxy import SERVICE, AttachedProxy, ProxyRequest, attach, health, loopback_no_proxy
from headroom.wrap._runner import run
from headroom.wrap._savings import Counters, parse
from headroom.wrap._session import Outcome, WrapOptions, WrapSettings, plan, run_session, unwrap

__all__ = [
    "AGENTS",
    "AgentProfile",
    "AttachedProxy",
    "CliAgent",
    "ConfigEdit",
    "Counters",
    "Outcome",
    "ProxyRequest",
    "ProxyUnavailable",
    "SERVICE",
    "Stamps",
    "WrapContext",
    "WrapError",
    "WrapOptions",
    "WrapSettings",
    "agent",
    "attach",
    "health",
    "loopback_no_proxy",
    "parse",
    "plan",
    "register",
    "run",
    "run_session",
    "unwrap",
]
