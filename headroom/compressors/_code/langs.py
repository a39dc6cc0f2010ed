"""Language tables for the code compressor and language detection (file name first, then content).

Each :class:`LangSpec` names the tree-sitter node types the skeleton needs: which nodes own a
body that may be elided, which top-level statements are executable code (elidable in runs), and
how a comment is written, so markers are comments in the target language.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

BodyStyle = Literal["brace", "python", "ruby", "bash"]

_JS_FUNCS = (
    "function_declaration",
    "generator_function_declaration",
    "function_expression",
    "function",
    "generator_function",
    "arrow_function",
    "method_definition",
)
_JS_STATEMENTS = (
    "expression_statement",
    "if_statement",
    "for_statement",
    "for_in_statement",
    "while_statement",
    "do_statement",
    "try_statement",
    "switch_statement",
)


@dataclass(frozen=True)
class LangSpec:
    """How one language is skeletonised."""

    name: str
    """Our language name, used in ``code:<name>`` content types."""
    grammar: str
    """The tree-sitter-language-pack grammar name."""
    extensions: tuple[str, ...]
    """File name suffixes (lower-case, with the dot) or exact names like ``Makefile``."""
    style: BodyStyle
    """How an elided body is written back (braces, Python block, Ruby body, Bash braces)."""
    functions: frozenset[str]
    """Node types whose body may be elided (functions, methods, lambdas with a block)."""
    statements: frozenset[str] = frozenset()
    """Top-level executable statement types that may be elided in runs."""
    keep: str = ""
    """Regex: a top-level statement whose text matches is kept (imports in disguise)."""

    def comment(self, text: str) -> str:
        """``text`` as a comment in this language, safe inside any body."""
        if self.style == "brace":
            # Some languages (Rust, Kotlin, Swift) nest block comments: no opener may stay inside.
            return "/* " + text.replace("*/", "* /").replace("/*", "/ *") + " */"
        return "# " + text


def _spec(
    name: str,
    grammar: str,
    extensions: str,
    style: BodyStyle,
    functions: tuple[str, ...],
    statements: tuple[str, ...] = (),
    keep: str = "",
) -> LangSpec:
    return LangSpec(
        name, grammar, tuple(extensions.split()), style, frozenset(functions), frozenset(statements), keep
    )


LANGS: dict[str, LangSpec] = {
    spec.name: spec
    for spec in (
        _spec(
            "python",
            "python",
            ".py .pyi .pyw",
            "python",
            ("function_definition",),
            ("if_statement", "for_statement", "while_statement", "try_statement", "with_statement")  # noqa: RUF005
            + ("expression_statement", "call", "await", "assert_statement", "delete_statement"),
            r"(?m)^\s*(?:import|from|def|async\s+def|class|@)\b|^\s*[A-Za-z_][\w.]*\s*(?::[^=\n]*)?=[^=]",
        ),
        _spec(
            "javascript",
            "javascript",
            ".js .jsx .mjs .cjs",
            "brace",
            _JS_FUNCS,
            _JS_STATEMENTS,
            r"\brequire\s*\(",
        ),
        _spec(
            "typescript", "typescript", ".ts .mts .cts", "brace", _JS_FUNCS, _JS_STATEMENTS, r"\brequire\s*\("
        ),
        _spec("tsx", "tsx", ".tsx", "brace", _JS_FUNCS, _JS_STATEMENTS, r"\brequire\s*\("),
        _spec("go", "go", ".go", "brace", ("function_declaration", "method_declaration", "func_literal")),
        _spec("rust", "rust", ".rs", "brace", ("function_item", "closure_expression")),
        _spec(
            "java",
            "java",
            ".java",
            "brace",
            ("method_declaration", "constructor_declaration", "compact_constructor_declaration")  # noqa: RUF005
            + ("lambda_expression", "static_initializer"),
        ),
        _spec("c", "c", ".c .h", "brace", ("function_definition",)),
        _spec(
            "cpp",
            "cpp",
            ".cc .cpp .cxx .c++ .hh .hpp .hxx .h++ .ipp .tpp",
            "brace",
            ("function_definition", "lambda_expression"),
        ),
        _spec(
            "csharp",
            "csharp",
            ".cs",
            "brace",
            ("method_declaration", "constructor_declaration", "destructor_declaration")  # noqa: RUF005
            + ("operator_declaration", "conversion_operator_declaration", "local_function_statement")
            + ("accessor_declaration", "lambda_expression", "anonymous_method_expression"),
            ("global_statement",),
        ),
        _spec(
            "ruby",
            "ruby",
            ".rb .rake .gemspec Rakefile Gemfile",
            "ruby",
            ("method", "singleton_method"),
            ("call", "if", "unless", "while", "until", "for", "case", "begin"),
            r"^\s*(?:require|require_relative|load|include|extend)\b",
        ),
        _spec(
            "php",
            "php",
            ".php .phtml",
            "brace",
            ("function_definition", "method_declaration", "anonymous_function")  # noqa: RUF005
            + ("anonymous_function_creation_expression",),
            ("expression_statement", "echo_statement", "if_statement", "foreach_statement")  # noqa: RUF005
            + ("for_statement", "while_statement", "try_statement", "switch_statement"),
            r"^\s*(?:require|require_once|include|include_once|use|define)\b",
        ),
        _spec(
            "kotlin",
            "kotlin",
            ".kt .kts",
            "brace",
            ("function_declaration", "anonymous_function", "secondary_constructor")  # noqa: RUF005
            + ("anonymous_initializer", "getter", "setter"),
        ),
        _spec(
            "swift",
            "swift",
            ".swift",
            "brace",
            ("function_declaration", "init_declaration", "deinit_declaration", "subscript_declaration"),
        ),
        _spec("scala", "scala", ".scala .sc", "brace", ("function_definition",)),
        _spec(
            "bash",
            "bash",
            ".sh .bash .zsh .ksh .bats",
            "bash",
            ("function_definition",),
            ("command", "pipeline", "list", "if_statement", "for_statement", "while_statement")  # noqa: RUF005
            + ("case_statement", "redirected_statement", "subshell", "c_style_for_statement")
            + ("compound_statement", "negated_command", "test_command"),
        ),
    )
}

_BY_SUFFIX: dict[str, str] = {ext: spec.name for spec in LANGS.values() for ext in spec.extensions}

_SHEBANG = re.compile(r"^#!\s*\S*?(?:/env\s+)?(?P<prog>python|bash|sh|zsh|ksh|ruby|node|php|deno)\b")
_SHEBANG_LANG = {"python": "python", "ruby": "ruby", "node": "javascript", "deno": "typescript", "php": "php"}

# (language, pattern, weight): evidence in a content sample; the best total wins.
_CLUES: tuple[tuple[str, str, float], ...] = (
    ("python", r"(?m)^\s*(?:async\s+)?def \w+\(.*\)\s*(?:->[^:]+)?:\s*$", 3.0),
    ("python", r"(?m)^(?:from [\w.]+ import |import [\w.]+\s*$)", 2.0),
    ("python", r"(?m)^\s*class \w+(?:\(.*\))?:\s*$", 2.0),
    ("python", r"(?m)^\s*(?:elif .*|else|try|finally|except.*):\s*$|\bself\.", 1.0),
    ("go", r"(?m)^package \w+\s*$", 3.0),
    ("go", r"(?m)^func (?:\(\w+ \*?\w+\) )?\w+\(", 3.0),
    ("go", r":= |\berr != nil\b", 1.0),
    ("rust", r"(?m)^\s*(?:pub(?:\([\w:]+\))? )?(?:async )?fn \w+", 3.0),
    ("rust", r"(?m)^\s*(?:use [\w:]+|impl\b|let mut |#\[derive)", 2.0),
    ("rust", r"&self\b|&mut \w|::new\(", 1.0),
    ("java", r"(?m)^package [\w.]+;\s*$|^import (?:static )?[\w.]+(?:\.\*)?;\s*$", 2.0),
    ("java", r"(?m)^\s*(?:public |private |protected )?(?:final |abstract )*class \w+", 1.0),
    ("java", r"System\.out\.|@Override\b", 2.0),
    ("csharp", r"(?m)^using [\w.]+;\s*$|^\s*namespace [\w.]+", 3.0),
    (
        "csharp",
        r"\b(?:public|private|internal) (?:static )?(?:int|void|string|bool|async) \w+\(|\bstring\[\]|\bvar \w+ = new\b|\basync Task\b",
        2.0,
    ),
    ("c", r"(?m)^#include [<\"][\w/]+\.h[>\"]", 2.0),
    (
        "c",
        r"(?m)^(?:static |extern )?(?:const )?(?:unsigned |struct )?\w+\s*\**\s*\w+\([^;]*\)\s*\{?\s*$",
        1.0,
    ),
    ("c", r"\b(?:malloc|printf|sizeof|NULL)\b", 1.0),
    ("cpp", r"(?m)^#include <\w+>|\bstd::|\btemplate\s*<|^\s*namespace \w+ \{", 3.0),
    ("cpp", r"\w::\w|\bnullptr\b|\bauto\b", 1.0),
    ("ruby", r"(?m)^\s*def (?:self\.)?\w+[?!]?(?:\(.*\))?\s*$", 2.0),
    ("ruby", r"(?m)^\s*end\s*$", 1.0),
    ("ruby", r"(?m)^\s*(?:require ['\"]|module \w+\s*$|attr_(?:reader|accessor)\b)|\bdo \|\w+", 2.0),
    ("php", r"<\?php", 6.0),
    ("php", r"\$this->|\bfunction \w+\(\$", 2.0),
    ("kotlin", r"(?m)^\s*(?:private |override |suspend )*fun \w+", 3.0),
    ("kotlin", r"(?m)^\s*(?:val|var) \w+(?:: \w+)? =|\bdata class\b", 1.0),
    (
        "swift",
        r"(?m)^\s*(?:@\w+ )?(?:(?:public|private|fileprivate|open|internal|static|override) )*func \w+",
        3.0,
    ),
    ("swift", r"(?m)^import (?:Foundation|UIKit|SwiftUI|Dispatch)\s*$|\bguard let\b|\bif let\b", 2.0),
    ("scala", r"(?m)^\s*(?:(?:sealed|abstract|final|implicit|case|private) )*(?:object|trait) \w+", 2.0),
    (
        "scala",
        r"(?m)^\s*(?:(?:override|private|final|implicit) )*def \w+(?:\[.*\])?(?:\(.*\))*\s*(?::\s*[\w\[\], ]+)?\s*=",
        3.0,
    ),
    ("scala", r"(?m)^import [\w.]+\.(?:_|\{)", 2.0),
    ("javascript", r"(?m)^\s*(?:const|let|var) \w+ = |=> \{|\bfunction\s*\w*\(", 1.5),
    ("javascript", r"(?m)^(?:import .* from ['\"]|export (?:default )?)|\brequire\(['\"]|console\.log", 2.0),
    ("typescript", r"(?m)^\s*(?:export )?(?:interface|type) \w+|: (?:string|number|boolean)\b", 2.0),
    ("tsx", r"</\w+>|<\w+ [\w]+=\{|return \(\s*$", 1.0),
    ("bash", r"(?m)^\s*(?:if \[|fi$|done$|esac$|then$|export \w+=)|\$\{\w+|\becho \"", 1.5),
)
# A substring every match of the clue at the same index holds (``None``: no such filter). A sample
# holding none of them has no match, so that clue's scan is skipped (scanning is the cost here).
_NEEDS: tuple[tuple[str, ...] | None, ...] = (
    ("def ",),
    ("from ", "import "),
    ("class ",),
    ("elif", "else", "try", "finally", "except", "self."),
    ("package ",),
    ("func ",),
    (":= ", "err != nil"),
    ("fn ",),
    ("use ", "impl", "let mut ", "#[derive"),
    ("&self", "&mut ", "::new("),
    ("package ", "import "),
    ("class ",),
    ("System.out.", "@Override"),
    ("using ", "namespace "),
    ("public ", "private ", "internal ", "string[]", "var ", "async Task"),
    ("#include ",),
    None,
    ("malloc", "printf", "sizeof", "NULL"),
    ("#include <", "std::", "template", "namespace "),
    ("::", "nullptr", "auto"),
    ("def ",),
    ("end",),
    ("require ", "module ", "attr_", "do |"),
    ("<?php",),
    ("$this->", "function "),
    ("fun ",),
    ("val ", "var ", "data class"),
    ("func ",),
    ("import ", "guard let", "if let"),
    ("object ", "trait "),
    ("def ",),
    ("import ",),
    ("const ", "let ", "var ", "=> {", "function"),
    ("import ", "export ", "require(", "console.log"),
    ("interface ", "type ", ": string", ": number", ": boolean"),
    ("</", "={", "return ("),
    ("if [", "fi", "done", "esac", "then", "export ", "${", 'echo "'),
)
_MAX_HITS = 5
_COMPILED = tuple(
    (lang, re.compile(pattern), weight, needs)
    for (lang, pattern, weight), needs in zip(_CLUES, _NEEDS, strict=True)
)
_JS_FAMILY = ("javascript", "typescript", "tsx")


def language_for_filename(filename: str | None) -> str | None:
    """The language a file name implies, or ``None``."""
    if not filename:
        return None
    path = PurePath(filename.strip())
    return _BY_SUFFIX.get(path.suffix.lower()) or _BY_SUFFIX.get(path.name)


def _header_language(text: str) -> str:
    """A ``.h`` file is C unless its content holds more C++ evidence (templates, namespaces)."""
    scores = clue_scores(text[:8000])
    return "cpp" if scores.get("cpp", 0.0) - scores.get("c", 0.0) >= 3.0 else "c"


def clue_scores(sample: str) -> dict[str, float]:
    """Weighted pattern evidence per language (matches counted, capped per pattern)."""
    return dict(_clue_scores(sample))


@functools.lru_cache(maxsize=256)
def _clue_scores(sample: str) -> dict[str, float]:
    # Cached: the router and the compressor score the same sample; callers get a copy.
    scores: dict[str, float] = {}
    for lang, pattern, weight, needs in _COMPILED:
        if needs is not None and not any(needle in sample for needle in needs):
            continue
        hits = sum(1 for _ in itertools.islice(pattern.finditer(sample), _MAX_HITS))
        if hits:
            scores[lang] = scores.get(lang, 0.0) + weight * hits
    # TypeScript and TSX are JavaScript with more syntax: their evidence adds to the base.
    base = scores.get("javascript", 0.0)
    for lang in ("typescript", "tsx"):
        if lang in scores:
            scores[lang] += base + (scores.get("typescript", 0.0) if lang == "tsx" else 0.0)
    if "c" in scores and "cpp" in scores:
        scores["cpp"] += scores["c"]
    return scores


def detect_language(text: str, filename: str | None = None) -> str | None:
    """The language of ``text``: from ``filename`` when it is known, else from the content."""
    by_name = language_for_filename(filename)
    if by_name == "c" and filename and filename.lower().endswith(".h"):
        return _header_language(text)
    if by_name is not None:
        return by_name
    sample = text[:8000]
    shebang = _SHEBANG.match(sample)
    if shebang:
        prog = shebang.group("prog")
        return _SHEBANG_LANG.get(prog, "bash")
    scores = clue_scores(sample)
    if not scores:
        return None
    best = max(sorted(scores), key=lambda lang: scores[lang])
    return best if scores[best] >= 3.0 else None


def spec_for(lang: str) -> LangSpec:
    """The :class:`LangSpec` of a language name from :data:`LANGS`."""
    return LANGS[lang]
