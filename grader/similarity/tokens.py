"""Code as a structure: tokens with names and literals normalized, grouped into units.

Renaming a variable, changing a number or a string, adding comments or
docstrings, and reformatting leave the tokens unchanged:

- a name the code itself binds (an assignment target, a function, an argument,
  an import alias, an attribute it sets) becomes ``V``; names it only uses
  (``len``, ``np.dot``'s ``dot``, a function the exercise defines elsewhere)
  stay, since they carry the structure of the answer;
- numbers become ``N`` (a leading minus sign folded in), strings ``S``;
- comments, blank lines and standalone strings (docstrings) are dropped;
- indentation becomes ``{`` and ``}``, the end of a statement ``;``.

Each top-level function or class is its own unit, and each run of other
top-level statements is one unit, so that fingerprints (see
`grader.similarity.winnow`) never span two functions and reordering the
functions of an answer changes nothing.

Example:

>>> [[t.text for t in unit] for unit in code_units("def f(a):\\n    return a + 1  # one more\\n")]
[['def', 'V', '(', 'V', ')', ':', ';', '{', 'return', 'V', '+', 'N', ';', '}']]
"""

from __future__ import annotations

import ast
import io
import keyword
import re
import tokenize
from dataclasses import dataclass

NAME_PLACEHOLDER = "V"
NUMBER_PLACEHOLDER = "N"
STRING_PLACEHOLDER = "S"
_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}
_STRUCTURE = {tokenize.NEWLINE: ";", tokenize.INDENT: "{", tokenize.DEDENT: "}"}
_STATEMENT_START = {None, ";", "{", "}"}
_SIGN_CONTEXT = {None, ";", "{", "}", "(", "[", ",", ":", "=", "return", "lambda", "+", "-", "*", "/", "@", "**"}
_FALLBACK_TOKEN = re.compile(r"\w+|\S")
_SHELL_LINE = re.compile(r"^\s*[%!]")


@dataclass(frozen=True)
class Token:
    """One normalized token and the source line (1-based) it starts on."""

    text: str
    line: int


def code_units(source: str) -> list[tuple[Token, ...]]:
    """The normalized tokens of ``source``, one tuple per unit (function, class or run of statements).

    Code that does not parse (a syntax error, IPython magics) is still compared:
    magics (``%timeit``, ``!pip``) are dropped, and a cell that Python cannot
    tokenize is split into words and symbols with every non-keyword name
    normalized.

    Args:
        source: the code of one cell.

    Returns:
        The units in source order; empty when the cell holds no code.
    """
    source = "\n".join("" if _SHELL_LINE.match(line) else line for line in source.splitlines())
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return [_fallback_tokens(source)] if source.strip() else []
    tokens = _normalized_tokens(source, _bound_names(tree))
    return [unit for unit in _split_units(tokens, _unit_spans(tree)) if unit]


def _bound_names(tree: ast.AST) -> set[str]:
    """Names the code binds itself: the ones a copier can rename freely."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            bound.add(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound


def _normalized_tokens(source: str, bound: set[str]) -> list[Token]:
    raw = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type not in _SKIPPED]
    tokens: list[Token] = []
    skip_statement_end = False
    for index, tok in enumerate(raw):
        if skip_statement_end:
            skip_statement_end = False
            continue
        if _is_standalone_string(raw, index, tokens):
            skip_statement_end = True
            continue
        text = _normalized_text(tok, bound)
        if text is None:
            continue
        if text == NUMBER_PLACEHOLDER and _is_sign(tokens):
            tokens.pop()
        line = tokens[-1].line if tok.type == tokenize.DEDENT and tokens else tok.start[0]  # a dedent closes the line before
        tokens.append(Token(text, line))
    return tokens


def _normalized_text(tok: tokenize.TokenInfo, bound: set[str]) -> str | None:
    kind = tokenize.tok_name.get(tok.type, "")
    if tok.type in _STRUCTURE:
        return _STRUCTURE[tok.type]
    if tok.type == tokenize.NAME:
        return NAME_PLACEHOLDER if tok.string in bound and not keyword.iskeyword(tok.string) else tok.string
    if tok.type == tokenize.NUMBER:
        return NUMBER_PLACEHOLDER
    if tok.type == tokenize.STRING or kind == "FSTRING_START":
        return STRING_PLACEHOLDER
    if kind in ("FSTRING_MIDDLE", "FSTRING_END"):
        return None
    return tok.string


def _is_standalone_string(raw: list[tokenize.TokenInfo], index: int, kept: list[Token]) -> bool:
    """A string that is a whole statement (a docstring): it says nothing about the code."""
    tok = raw[index]
    if tok.type != tokenize.STRING:
        return False
    previous = kept[-1].text if kept else None
    following = raw[index + 1].type if index + 1 < len(raw) else tokenize.NEWLINE
    return previous in _STATEMENT_START and following == tokenize.NEWLINE


def _is_sign(tokens: list[Token]) -> bool:
    """True when the last token is a unary minus or plus (``-1`` is a literal like ``1``)."""
    if not tokens or tokens[-1].text not in ("-", "+"):
        return False
    before = tokens[-2].text if len(tokens) > 1 else None
    return before in _SIGN_CONTEXT


def _unit_spans(tree: ast.Module) -> list[tuple[int, int]]:
    """Line spans of the units: each function or class alone, other statements grouped while adjacent."""
    spans: list[tuple[int, int]] = []
    grouping = False
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        last = node.end_lineno or node.lineno
        alone = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        if grouping and not alone:
            spans[-1] = (spans[-1][0], last)
        else:
            spans.append((first, last))
        grouping = not alone
    return spans


def _split_units(tokens: list[Token], spans: list[tuple[int, int]]) -> list[tuple[Token, ...]]:
    units: list[list[Token]] = [[] for _ in spans]
    unit = 0
    for token in tokens:
        while unit < len(spans) - 1 and token.line > spans[unit][1]:
            unit += 1
        units[unit].append(token)
    return [tuple(u) for u in units]


def _fallback_tokens(source: str) -> tuple[Token, ...]:
    tokens = []
    for number, line in enumerate(source.splitlines(), start=1):
        for word in _FALLBACK_TOKEN.findall(line.split("#", 1)[0]):
            if word[0].isdigit():
                word = NUMBER_PLACEHOLDER
            elif (word[0].isalpha() or word[0] == "_") and not keyword.iskeyword(word):
                word = NAME_PLACEHOLDER
            tokens.append(Token(word, number))
    return tuple(tokens)
