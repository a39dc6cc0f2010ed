"""Write headroom/data/sample_conversation.json (the demo conversation the main job compresses) and
evals/data/demo/corpus/ (the same kinds of tool output, as a tiny corpus the main job tunes on).

Everything in it is written by this script (deterministic, seeded): an OpenAI-chat agent session
debugging a payment timeout, with test output, grep results, a source file, a JSON API
response, a diff, a documentation page and a server log as tool results.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "headroom" / "data" / "sample_conversation.json"
rng = random.Random(7)


def pytest_output() -> str:
    lines = [
        "============================= test session starts ==============================",
        "platform linux -- Python 3.11.7, pytest-8.2.0, pluggy-1.5.0",
        "rootdir: /srv/shop",
        "collected 184 items",
        "",
    ]
    modules = ["cart", "catalog", "checkout", "inventory", "orders", "users"]
    for module in modules:
        for i in range(30 if module != "checkout" else 34):
            name = f"tests/test_{module}.py::test_{module}_case_{i:02d}"
            status = "FAILED" if module == "checkout" and i in (7, 19) else "PASSED"
            lines.append(f"{name} {status}{' ' * 8}[{rng.randint(1, 99):3d}%]")
    lines += [
        "",
        "=================================== FAILURES ===================================",
        "_________________________ test_checkout_case_07 _________________________",
        "",
        "    def test_checkout_case_07(client, payment_gateway):",
        ">       resp = client.post('/checkout', json=ORDER)",
        "",
        "tests/test_checkout.py:88: ",
        "_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _",
        "src/checkout/payment.py:41: in charge",
        "    response = self._session.post(url, json=payload, timeout=self.timeout)",
        "E   requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='pay.example.test', port=443): "
        "Read timed out. (read timeout=0.5)",
        "",
        "_________________________ test_checkout_case_19 _________________________",
        "src/checkout/payment.py:41: in charge",
        "E   requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='pay.example.test', port=443): "
        "Read timed out. (read timeout=0.5)",
        "=========================== short test summary info ============================",
        "FAILED tests/test_checkout.py::test_checkout_case_07 - requests.exceptions.ReadTimeout",
        "FAILED tests/test_checkout.py::test_checkout_case_19 - requests.exceptions.ReadTimeout",
        "================== 2 failed, 182 passed in 41.27s ==================",
    ]
    return "\n".join(lines) + "\n"


def grep_output() -> str:
    files = [
        "src/checkout/payment.py",
        "src/checkout/config.py",
        "src/orders/sync.py",
        "src/http/client.py",
        "tests/test_checkout.py",
        "src/inventory/reserve.py",
        "docs/operations.md",
        "src/users/session.py",
    ]
    lines = []
    for path in files:
        for i in range(rng.randint(4, 12)):
            line_no = rng.randint(10, 400)
            snippet = rng.choice(
                [
                    f"timeout = settings.get('{path.split('/')[-1][:-3]}_timeout', {rng.choice([0.5, 2, 5, 30])})",
                    f"    except Timeout as exc:  # retry {i}",
                    "    self.timeout = timeout or DEFAULT_TIMEOUT",
                    f"DEFAULT_TIMEOUT = {rng.choice([0.5, 5, 10])}",
                    "    logger.warning('timeout after %s s', elapsed)",
                ]
            )
            lines.append(f"{path}:{line_no}:{snippet}")
    return "\n".join(lines) + "\n"


def source_file() -> str:
    parts = [
        '"""Payment gateway client used by checkout."""',
        "",
        "from __future__ import annotations",
        "",
        "import logging",
        "import time",
        "from dataclasses import dataclass",
        "",
        "import requests",
        "",
        "from checkout.config import settings",
        "",
        "logger = logging.getLogger(__name__)",
        "DEFAULT_TIMEOUT = 0.5",
        "",
        "",
    ]
    parts += [
        "@dataclass(frozen=True)",
        "class Charge:",
        '    """A captured payment."""',
        "",
        "    order_id: str",
        "    amount_cents: int",
        "    currency: str = 'EUR'",
        "",
        "",
    ]
    parts += [
        "class PaymentClient:",
        '    """Talks to the payment gateway over HTTPS."""',
        "",
        "    def __init__(self, base_url: str, timeout: float | None = None) -> None:",
        "        self.base_url = base_url.rstrip('/')",
        "        self.timeout = timeout or DEFAULT_TIMEOUT",
        "        self._session = requests.Session()",
        "",
    ]
    parts += [
        "    def charge(self, order_id: str, amount_cents: int) -> Charge:",
        '        """Charge an order; retries twice on timeouts."""',
        "        url = f'{self.base_url}/v2/charges'",
        "        payload = {'order': order_id, 'amount': amount_cents}",
    ]
    parts += [
        "        for attempt in range(3):",
        "            started = time.monotonic()",
        "            try:",
        "                response = self._session.post(url, json=payload, timeout=self.timeout)",
        "            except requests.Timeout:",
        "                elapsed = time.monotonic() - started",
        "                logger.warning('timeout after %s s (attempt %d)', elapsed, attempt)",
        "                continue",
        "            response.raise_for_status()",
        "            body = response.json()",
        "            return Charge(order_id, body['amount'], body['currency'])",
        "        raise TimeoutError(f'payment for {order_id} timed out 3 times')",
        "",
    ]
    for name in ["refund", "capture", "void", "status", "list_charges", "webhook_secret"]:
        parts += [
            f"    def {name}(self, order_id: str) -> dict[str, object]:",
            f'        """{name.replace("_", " ").capitalize()} for an order."""',
            f"        url = f'{{self.base_url}}/v2/{name}/{{order_id}}'",
            "        started = time.monotonic()",
            "        response = self._session.get(url, timeout=self.timeout)",
            "        logger.debug('%s took %.3f s', url, time.monotonic() - started)",
            "        response.raise_for_status()",
            "        data = response.json()",
            "        if not isinstance(data, dict):",
            "            raise ValueError('unexpected payload')",
            "        return data",
            "",
        ]
    return "\n".join(parts) + "\n"


def orders_json() -> str:
    orders = []
    for i in range(60):
        status = "failed" if i in (13, 41) else "paid"
        orders.append(
            {
                "id": f"ord_{1000 + i}",
                "customer": f"cust_{rng.randint(100, 999)}",
                "amount_cents": rng.choice([1299, 2599, 4999, 899]) if i != 27 else 249900,
                "currency": "EUR",
                "status": status,
                "gateway": "payex",
                "deleted": None,
                "created_at": f"2026-11-2{i // 30}T{10 + i % 12:02d}:{i % 60:02d}:00Z",
                "error": "gateway timeout after 0.5s" if status == "failed" else None,
            }
        )
    return json.dumps({"total": len(orders), "orders": orders}, indent=2)


def diff_output() -> str:
    body = [
        "diff --git a/src/checkout/config.py b/src/checkout/config.py",
        "index 3f2a1b4..9c0d7e1 100644",
        "--- a/src/checkout/config.py",
        "+++ b/src/checkout/config.py",
        "@@ -1,40 +1,40 @@",
    ]
    for i in range(1, 41):
        if i == 22:
            body += ["-PAYMENT_TIMEOUT = 5.0", "+PAYMENT_TIMEOUT = 0.5  # tighten for load test"]
        else:
            body.append(f" SETTING_{i:02d} = os.environ.get('SHOP_SETTING_{i:02d}', '{i * 7}')")
    return "\n".join(body) + "\n"


def docs_html() -> str:
    nav = "".join(f"<li><a href='/docs/{i}'>Section {i}</a></li>" for i in range(40))
    paras = "".join(
        f"<p>The gateway answers most charge requests within {rng.randint(200, 900)} ms, but during "
        f"settlement windows latency can exceed {rng.randint(2, 6)} seconds. Clients should allow at least "
        f"5 seconds before treating a request as failed (note {i}).</p>"
        for i in range(12)
    )
    return (
        "<!DOCTYPE html><html><head><title>Payment gateway: timeouts</title>"
        "<style>body{font-family:sans-serif} .nav{float:left}</style>"
        "<script>window.analytics=function(){return 42};</script></head><body>"
        f"<nav class='nav'><ul>{nav}</ul></nav><main><article><h1>Timeouts and retries</h1>{paras}"
        "</article></main><footer>© Example Payments</footer></body></html>"
    )


def server_log() -> str:
    lines = []
    for i in range(220):
        ts = f"2026-11-23T14:{i // 60:02d}:{i % 60:02d}Z"
        if i in (57, 58, 140):
            lines.append(f"{ts} ERROR payment charge ord_{1000 + i % 60} failed: ReadTimeout after 0.50s")
        else:
            lines.append(f"{ts} INFO http GET /api/cart/{rng.randint(1, 9999)} 200 {rng.randint(3, 40)}ms")
    return "\n".join(lines) + "\n"


def conversation() -> list[dict[str, object]]:
    calls = [
        ("run_tests", {"path": "tests"}, pytest_output()),
        ("grep", {"pattern": "timeout", "path": "src"}, grep_output()),
        ("read_file", {"path": "src/checkout/payment.py"}, source_file()),
        ("http_get", {"url": "http://localhost:8000/api/orders?since=2026-11-20"}, orders_json()),
        ("git_diff", {"rev": "HEAD~1"}, diff_output()),
        ("fetch_url", {"url": "https://docs.example.test/gateway/timeouts"}, docs_html()),
    ]
    messages: list[dict[str, object]] = [
        {"role": "system", "content": "You are a careful coding agent working in the repository /srv/shop."},
        {
            "role": "user",
            "content": "The checkout tests started failing with timeouts since yesterday. "
            "Find out why and propose a fix.",
        },
    ]
    for index, (name, args, output) in enumerate(calls):
        call_id = f"call_{index}"
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": name, "arguments": json.dumps(args)},
                    }
                ],
            }
        )
        messages.append({"role": "tool", "tool_call_id": call_id, "content": output})
    messages.append({"role": "user", "content": "Do the production logs show the same payment timeouts?"})
    messages.append(
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_9", "type": "function", "function": {"name": "read_logs", "arguments": "{}"}}
            ],
        }
    )
    messages.append({"role": "tool", "tool_call_id": "call_9", "content": server_log()})
    return messages


CORPUS = Path(__file__).resolve().parents[1] / "evals" / "data" / "demo" / "corpus"


def write_corpus() -> None:
    """The same tool outputs as a tiny corpus (one folder per kind) for the main job's tuning step."""
    rng.seed(11)  # a second, different draw of the same generators
    files = {
        "log/pytest.log": pytest_output(),
        "log/server.log": server_log(),
        "json/orders.json": orders_json(),
        "code/payment.py": source_file(),
        "diff/config.patch": diff_output(),
        "html/timeouts.html": docs_html(),
    }
    for rel, text in files.items():
        path = CORPUS / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {CORPUS}")


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(conversation(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
    write_corpus()
