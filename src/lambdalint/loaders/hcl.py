"""A reader for Terraform's HCL native syntax that keeps the position of every value.

It reads what a Lambda configuration needs exactly — blocks, attributes, literals, strings with
`${}` interpolations, heredocs, tuples, objects, references and function calls — and keeps any
other expression (operators, conditionals, `for`, splats) as its source text, which the Terraform
translation treats as unknown.  Nothing is evaluated here.

The result of `parse()` is `(body, marks)`: a body is a dict of attributes and blocks, where a
block type maps to a list of block bodies, and labelled blocks nest by label
(`resource "aws_lambda_function" "app" {}` → body["resource"]["aws_lambda_function"]["app"]).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from lambdalint.limits import MAX_TEMPLATE_DEPTH
from lambdalint.loaders.expansion import number_from_text
from lambdalint.loaders.marked_yaml import DocumentError
from lambdalint.model.marks import Mark

MAX_DEPTH = MAX_TEMPLATE_DEPTH  # nesting deeper than this is refused (a hostile file)
MAX_STRING_NESTING = 20  # "${"${"..."}"}": real configurations nest two or three levels


@dataclass(frozen=True)
class Reference:
    """A traversal such as `aws_sqs_queue.dlq.arn`, `var.timeout` or `path.module`."""

    parts: Tuple[str, ...]

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class Call:
    name: str
    args: Tuple[Any, ...]


@dataclass(frozen=True)
class Interpolated:
    """A string with `${}` parts: literal strings and expressions, in order."""

    parts: Tuple[Any, ...]


@dataclass(frozen=True)
class Opaque:
    """An expression we keep as text: operators, conditionals, `for`, splats, directives."""

    text: str


class _Token(NamedTuple):
    kind: str  # ident number string heredoc punct newline eof
    text: str
    line: int
    column: int
    end_line: int
    end_column: int
    offset: int
    end_offset: int


# One expression matches a whole token, with the blanks and comments before it, at a time: the
# lexer's Python loop runs once per token, never once per character.  The alternatives are tried in
# order: a new line, strings, heredoc openings, names, numbers, an unclosed `/*`, punctuation
# (longest first).  A quoted string matches here when its `${}`/`%{}` parts hold no `${`, `%{` or
# string of their own (nearly every real string); any other string goes to `_string_end`, which
# follows the nesting.  `\\[\s\S]` is an escape: a backslash and the character after it, a line
# end included.
_SKIP = r"(?:[ \t\r\ufeff]+|#[^\n]*|//[^\n]*|/\*[\s\S]*?\*/)*"
_STRING_TEXT = r'[^"\\\n$%]|\\[\s\S]|[$%](?!\{)'
_INTERPOLATION = r'[$%]\{(?:[^"}\\$%]|\\[\s\S]|[$%](?!\{))*\}'
_TOKEN = re.compile(
    # the blanks and comments taken whole (a look-ahead is never backtracked into: `# only` must
    # not end before `y` to leave a name)
    r"(?=(?P<skip>" + _SKIP + r"))(?P=skip)"
    + r"(?:(?P<newline>\n)"
    + r'|(?P<string>"(?:' + _STRING_TEXT + "|" + _INTERPOLATION + r')*")'
    + r'|(?P<nested_string>")'
    + r"|(?P<heredoc><<-?(?P<marker>[A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n)"
    + r"|(?P<ident>[^\W\d][\w-]*)"  # letters of any script, then letters, digits, _ and -
    + r"|(?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    + r"|(?P<unterminated_comment>/\*)"
    + r"|(?P<punct>=>|==|!=|<=|>=|&&|\|\||\.\.\.|[{}\[\]()=,.:?!*/%+\-<>]))"
)
_BLANKS_AND_COMMENTS = re.compile(_SKIP)
# What `_string_end` stops at in a string: an escape, a line end, a quote, a `}`, an opening `${`.
_STRING_STOP = re.compile(r'[\\\n"}]|[$%]\{')
_new_token = tuple.__new__  # _Token(...) without NamedTuple's Python-level constructor


class _Lexer:
    def __init__(self, text: str):
        self.text = text

    def tokens(self) -> List[_Token]:
        text = self.text
        match = _TOKEN.match
        out: List[_Token] = []
        pos, line, line_start = 0, 1, 0  # a column is 1 + the characters since the line's start
        while True:
            found = match(text, pos)
            if found is None:  # the end, or a character no token starts with
                start = _BLANKS_AND_COMMENTS.match(text, pos).end()
                line, line_start = _count_lines(text, pos, start, line, line_start)
                column = start - line_start + 1
                if start >= len(text):
                    out.append(_new_token(_Token, ("eof", "", line, column, line, column, start, start)))
                    return out
                raise DocumentError(f"unexpected character {text[start]!r}", line, column)
            kind, end = found.lastgroup, found.end()
            start = found.start(kind)
            if start != pos:  # blanks and comments, maybe /* over lines */
                line, line_start = _count_lines(text, pos, start, line, line_start)
            column = start - line_start + 1
            if kind in _SPANNING_LINES:
                if kind == "nested_string":
                    kind, end = "string", _string_end(text, start, line, column)
                elif kind == "heredoc":
                    end = _heredoc_end(text, found, line, column)
                end_line, line_start = _count_lines(text, start, end, line, line_start)
                out.append(_new_token(_Token, (kind, text[start:end], line, column, end_line,
                                               end - line_start + 1, start, end)))
                line = end_line
            elif kind == "newline":
                out.append(_new_token(_Token, ("newline", "\n", line, column, line + 1, 1, start, end)))
                line, line_start = line + 1, end
            elif kind == "unterminated_comment":
                raise DocumentError("unterminated /* comment", line, column)
            else:  # a name, a number, punctuation: on one line
                out.append(_new_token(_Token, (kind, text[start:end], line, column, line,
                                               column + end - start, start, end)))
            pos = end


# Tokens that may hold line ends (escaped or interpolated in strings, heredocs).
_SPANNING_LINES = frozenset({"string", "nested_string", "heredoc"})


def _count_lines(text: str, start: int, end: int, line: int, line_start: int) -> Tuple[int, int]:
    """The line and the offset where it starts after `text[start:end]`, from those before it."""
    newlines = text.count("\n", start, end)
    if newlines:
        return line + newlines, text.rfind("\n", start, end) + 1
    return line, line_start


def _string_end(text: str, start: int, line: int, column: int, nesting: int = 0) -> int:
    """The end of the quoted string at `start`, its interpolations (which may hold strings of their
    own) included.  Errors are placed at (`line`, `column`), where the outermost string starts."""
    if nesting > MAX_STRING_NESTING:
        raise DocumentError("strings nested too deeply inside interpolations", line, column)
    index, depth = start + 1, 0
    while True:
        stop = _STRING_STOP.search(text, index)
        if stop is None:
            break
        char, index = stop.group()[0], stop.end()
        if char == "\\":
            index = stop.start() + 2  # the escaped character, whatever it is
        elif char == "\n":
            if depth == 0:
                break
        elif char == "}":
            depth -= 1 if depth else 0
        elif char == '"':
            if depth == 0:
                return index
            index = _string_end(text, stop.start(), line, column, nesting + 1)  # inside `${}`
        else:  # `${` or `%{`
            depth += 1
    raise DocumentError("unterminated string", line, column)


def _heredoc_end(text: str, opening, line: int, column: int) -> int:
    """The end of the heredoc whose first line `opening` matched: the end of its closing marker."""
    marker = opening.group("marker")
    closing = re.compile(r"^[ \t]*" + re.escape(marker) + r"[ \t]*\r?$", re.M)
    end = closing.search(text, opening.end())
    if end is None:
        raise DocumentError(f"heredoc <<{marker} is never closed", line, column)
    return end.end()


class _Parser:
    def __init__(self, text: str, display: Optional[str]):
        self.text = text
        self.display = display
        self.tokens = _Lexer(text).tokens()
        self.index = 0
        self.marks: Dict[tuple, Mark] = {}
        self.depth = 0
        self._newlines_ignored: List[bool] = []  # per open bracket: True inside () and []

    @property
    def in_brackets(self) -> bool:
        return bool(self._newlines_ignored) and self._newlines_ignored[-1]

    # -- tokens ------------------------------------------------------------------------------
    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def _take(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != "eof":
            self.index += 1
        return token

    def _is(self, text: str) -> bool:
        return self.current.kind == "punct" and self.current.text == text

    def _expect(self, text: str) -> _Token:
        if not self._is(text):
            raise self._error(f"expected {text!r}")
        return self._take()

    def _skip_newlines(self) -> None:
        while self.current.kind == "newline":
            self._take()

    def _error(self, message: str) -> DocumentError:
        token = self.current
        found = "end of file" if token.kind == "eof" else repr(token.text)
        return DocumentError(f"{message}, found {found}", token.line, token.column)

    def _mark(self, path: tuple, first: _Token, last: _Token) -> None:
        self.marks[path] = Mark(first.line, first.column, last.end_line, last.end_column, self.display)

    # -- bodies --------------------------------------------------------------------------------
    def body(self, path: tuple, closing: Optional[str]) -> Dict[str, Any]:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._error("nested too deeply")
        result: Dict[str, Any] = {}
        self._newlines_ignored.append(False)
        while True:
            self._skip_newlines()
            if closing is not None and self._is(closing):
                break
            if self.current.kind == "eof":
                if closing is not None:
                    raise self._error(f"expected {closing!r}")
                break
            if self.current.kind != "ident":
                raise self._error("expected an attribute or a block")
            name = self._take()
            if self._is("="):
                self._take()
                value, last = self.expression(path + (name.text,))
                result[name.text] = value
                self._mark(path + (name.text,), name, last)
                self._end_of_item(closing)
            else:
                self._block(result, path, name)
        self._newlines_ignored.pop()
        self.depth -= 1
        return result

    def _end_of_item(self, closing: Optional[str]) -> None:
        if self.current.kind in ("newline", "eof") or (closing and self._is(closing)):
            return
        raise self._error("expected a new line after the attribute")

    def _block(self, result: Dict[str, Any], path: tuple, name: _Token) -> None:
        labels = []
        while self.current.kind in ("string", "ident"):
            token = self._take()
            labels.append(_unquote(token.text) if token.kind == "string" else token.text)
        open_brace = self._expect("{")
        if labels:  # labelled blocks nest by label: resource "type" "name"
            node = _child_map(result, name.text)
            for label in labels[:-1]:
                node = _child_map(node, label)
            target_path = path + (name.text, *labels)
            node[labels[-1]] = self.body(target_path, "}")
        else:  # unlabelled blocks repeat: environment {}, dynamic blocks, lifecycle {}
            blocks = result.setdefault(name.text, [])
            if not isinstance(blocks, list):
                blocks = result[name.text] = []
            target_path = path + (name.text, len(blocks))
            blocks.append(self.body(target_path, "}"))
            self._mark(path + (name.text,), name, open_brace)
        closing = self._expect("}")
        self._mark(target_path, name, closing)

    # -- expressions -----------------------------------------------------------------------
    def expression(self, path: Optional[tuple] = None) -> Tuple[Any, _Token]:
        """An expression and its last token; stops before a newline, `,` or closing bracket.
        With `path`, the items of tuples and objects in it are marked."""
        first = self.current
        value, last = self._primary(path)
        if self._continues():
            last = self._skip_expression_rest()
            return Opaque(self.text[first.offset:last.end_offset]), last
        return value, last

    def _continues(self) -> bool:
        """True when an operator follows: the expression goes on (kept as text).  Inside `()` and
        `[]` HCL ignores newlines, so `(\n  var.a\n  ? 1\n  : 2\n)` continues on the next line."""
        index = self.index
        if self.in_brackets:
            while self.tokens[index].kind == "newline":
                index += 1
        token = self.tokens[index]
        if token.kind in ("newline", "eof"):
            return False
        if token.kind == "punct" and token.text in (",", ")", "]", "}", ":", "=", "=>", "..."):
            return False
        self.index = index
        return True

    def _skip_expression_rest(self) -> _Token:
        depth, last = 0, self.current
        while self.current.kind != "eof":
            token = self.current
            if token.kind == "newline" and depth == 0 and self.in_brackets:
                following = self.index
                while self.tokens[following].kind == "newline":
                    following += 1
                after = self.tokens[following]
                if after.kind == "punct" and after.text in (",", ")", "]"):
                    break
                self.index = following
                continue
            if token.kind == "punct" and token.text in ("(", "[", "{"):
                depth += 1
            elif token.kind == "punct" and token.text in (")", "]", "}"):
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and (token.kind == "newline" or (token.kind == "punct" and token.text == ",")):
                break
            last = self._take()
        return last

    def _primary(self, path: Optional[tuple] = None) -> Tuple[Any, _Token]:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._error("nested too deeply")
        try:
            return self._primary_unguarded(path)
        finally:
            self.depth -= 1

    def _primary_unguarded(self, path: Optional[tuple]) -> Tuple[Any, _Token]:
        token = self.current
        if token.kind == "number":
            self._take()
            return _number(token.text), token
        if token.kind in ("string", "heredoc"):
            self._take()
            return self._template(token), token
        if token.kind == "ident":
            if token.text in ("true", "false", "null"):
                self._take()
                return {"true": True, "false": False, "null": None}[token.text], token
            return self._reference_or_call()
        if self._is("["):
            return self._collection("[", "]", path)
        if self._is("{"):
            return self._collection("{", "}", path)
        if self._is("("):
            self._take()
            self._newlines_ignored.append(True)
            self._skip_newlines()
            value, _ = self.expression()
            self._skip_newlines()
            self._newlines_ignored.pop()
            return value, self._expect(")")
        if self._is("-") and self.tokens[self.index + 1].kind == "number":
            self._take()
            number = self._take()
            return _number("-" + number.text), number
        if token.kind == "punct" and token.text in ("-", "!"):
            first = self._take()
            _, last = self._primary()
            return Opaque(self.text[first.offset:last.end_offset]), last
        raise self._error("expected an expression")

    def _reference_or_call(self) -> Tuple[Any, _Token]:
        first = self._take()
        if self._is(":") and self.tokens[self.index + 1].text == ":":  # provider::aws::arn_parse()
            while self._is(":") and self.tokens[self.index + 1].text == ":" \
                    and self.tokens[self.index + 2].kind == "ident":
                self.index += 2
                self._take()
            if self._is("("):
                call, last = self._call(first)
                return Opaque(self.text[first.offset:last.end_offset]), last
        if self._is("("):
            return self._call(first)
        parts, last, plain = [first.text], first, True
        while True:
            if self._is(".") and self.tokens[self.index + 1].kind in ("ident", "number"):
                self._take()
                last = self._take()
                parts.append(last.text)
            elif self._is("[") or (self._is(".") and self.tokens[self.index + 1].text == "*"):
                plain = False  # index or splat: kept as text
                last = self._skip_bracketed() if self._is("[") else self._take_two()
            else:
                break
        if plain:
            return Reference(tuple(parts)), last
        return Opaque(self.text[first.offset:last.end_offset]), last

    def _take_two(self) -> _Token:
        self._take()
        return self._take()

    def _skip_bracketed(self) -> _Token:
        depth = 0
        while self.current.kind != "eof":
            token = self._take()
            if token.kind == "punct" and token.text in ("(", "[", "{"):
                depth += 1
            elif token.kind == "punct" and token.text in (")", "]", "}"):
                depth -= 1
                if depth == 0:
                    return token
        raise self._error("unclosed bracket")

    def _call(self, name: _Token) -> Tuple[Any, _Token]:
        self._expect("(")
        args = []
        self._newlines_ignored.append(True)
        while True:
            self._skip_newlines()
            if self._is(")"):
                break
            value, _ = self.expression()
            args.append(value)
            self._skip_newlines()
            if self._is("..."):
                self._take()
                self._skip_newlines()
            if self._is(","):
                self._take()
            elif not self._is(")"):
                raise self._error("expected ',' or ')'")
        self._newlines_ignored.pop()
        return Call(name.text, tuple(args)), self._take()

    def _collection(self, opening: str, closing: str, path: Optional[tuple]) -> Tuple[Any, _Token]:
        start = self.index
        first = self._take()
        self._skip_newlines()
        if self.current.kind == "ident" and self.current.text == "for":
            self.index = start  # a `for` expression is kept as text
            last = self._skip_bracketed()
            return Opaque(self.text[first.offset:last.end_offset]), last
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._error("nested too deeply")
        items: Any = [] if opening == "[" else {}
        self._newlines_ignored.append(opening == "[")
        while True:
            self._skip_newlines()
            if self._is(closing):
                break
            start = self.current
            if opening == "[":
                item_path = None if path is None else path + (len(items),)
                value, last = self.expression(item_path)
                items.append(value)
            else:
                key = self._object_key()
                if not (self._is("=") or self._is(":")):
                    raise self._error("expected '=' or ':' in an object")
                self._take()
                self._skip_newlines()
                item_path = None if path is None else path + (key,)
                value, last = self.expression(item_path)
                items[key] = value
            if item_path is not None:
                self._mark(item_path, start, last)
            self._skip_newlines()
            if self._is(","):
                self._take()
        self._newlines_ignored.pop()
        self.depth -= 1
        return items, self._take()

    def _object_key(self) -> str:
        token = self.current
        if token.kind in ("ident", "number"):
            self._take()
            return token.text
        if token.kind == "string":
            self._take()
            return _unquote(token.text)
        if self._is("("):
            value, _ = self._primary()
            return value.text if isinstance(value, (Reference, Opaque)) else str(value)
        raise self._error("expected an object key")

    # -- strings -------------------------------------------------------------------------------
    def _template(self, token: _Token) -> Any:
        if token.kind == "heredoc":
            body = token.text.split("\n", 1)[1] if "\n" in token.text else ""
            body = body[:body.rstrip().rfind("\n") + 1] if "\n" in body.rstrip() else ""
            raw = body
        else:
            raw = token.text[1:-1]
        if "${" not in raw and "%{" not in raw:
            return _unescape(raw) if token.kind == "string" else raw
        return self._interpolated(raw, token)

    def _interpolated(self, raw: str, token: _Token) -> Any:
        parts: List[Any] = []
        index, literal = 0, []
        while index < len(raw):
            if raw.startswith("$${", index) or raw.startswith("%%{", index):
                literal.append(raw[index + 1:index + 3])
                index += 3
            elif raw.startswith("%{", index):
                return Opaque(raw)  # template directives (if/for): not evaluated
            elif raw.startswith("${", index):
                end = _interpolation_end(raw, index + 2)
                if literal:
                    parts.append(_unescape("".join(literal)))
                    literal = []
                inner = raw[index + 2:end].strip().strip("~").strip()
                parts.append(_parse_inner_expression(inner, token))
                index = end + 1
            else:
                literal.append(raw[index])
                index += 1
        if literal:
            parts.append(_unescape("".join(literal)))
        return Interpolated(tuple(parts))


def _child_map(node: Dict[str, Any], key: str) -> Dict[str, Any]:
    if not isinstance(node.get(key), dict):
        node[key] = {}
    return node[key]


def _parse_inner_expression(text: str, token: _Token) -> Any:
    try:
        parser = _Parser(text, None)
        value, _ = parser.expression()
        return value if parser.current.kind == "eof" else Opaque(text)
    except DocumentError:
        raise DocumentError(f"cannot read the interpolation ${{{text}}}", token.line, token.column) from None


def _interpolation_end(raw: str, start: int) -> int:
    depth, index, quote = 1, start, False
    while index < len(raw):
        char = raw[index]
        if char == "\\":
            index += 2
            continue
        if char == '"':
            quote = not quote
        elif not quote and char == "{":
            depth += 1
        elif not quote and char == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return len(raw)


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return re.sub(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", _unescaped, text)


def _unescaped(match) -> str:
    escape = match.group(1)
    if escape[0] in "uU" and len(escape) > 1:
        code = int(escape[1:], 16)
        # not a character (`\UFFFFFFFF`) or half of a UTF-16 pair (`\uD800`, which no output could
        # encode): kept as written
        return match.group(0) if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF else chr(code)
    return _ESCAPES.get(escape, match.group(0))


def _unquote(text: str) -> str:
    return _unescape(text[1:-1]) if len(text) >= 2 and text.startswith('"') else text


def _number(text: str) -> Any:
    """An int or a float; a number too long to convert stays text (see `number_from_text`)."""
    return number_from_text(text, _int_or_float)


def _int_or_float(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        return float(text)


def parse(text: str, display: Optional[str] = None) -> Tuple[Dict[str, Any], Dict[tuple, Mark]]:
    """Parse one .tf file; raises DocumentError with a position for what it cannot read."""
    parser = _Parser(text, display)
    body = parser.body((), None)
    return body, parser.marks
