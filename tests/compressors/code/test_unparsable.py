"""Code the parser rejects is passed through with the reason, never cut by word-level deletion."""

from __future__ import annotations

from headroom import compress_text
from headroom.ccr import MemoryStore
from headroom.policy import policy_from_mapping

EAGER = policy_from_mapping({"live_zone": {"min_block_tokens": 0}})


def _broken_cpp() -> str:
    functions = [
        f"static int handler_{i}(int a) {{\n    if (a > {i}) return a * {i};\n    FOO(return a;)\n"
        f"    return a - {i};\n}}\n"
        for i in range(40)
    ]
    header = ["#include <vector>", "#include <string>", "#define FOO(x) do { x } while (0", ""]
    return "\n".join([*header, *functions, "int main( {", "  return 0;"])


def test_unparsable_code_keeps_every_keyword() -> None:
    source = _broken_cpp()
    out = compress_text(source, EAGER, store=MemoryStore())
    assert out.text == source
    assert out.reason is not None and "unparsable" in out.reason
    assert out.compressor == "code"
