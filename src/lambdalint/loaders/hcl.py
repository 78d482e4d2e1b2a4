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
from typing import Any, Dict, List, Optional, Tuple

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


@dataclass(frozen=True)
class _Token:
    kind: str  # ident number string heredoc punct newline eof
    text: str
    line: int
    column: int
    end_line: int
    end_column: int
    offset: int
    end_offset: int


_PUNCT = ("=>", "==", "!=", "<=", ">=", "&&", "||", "...", "{", "}", "[", "]", "(", ")", "=", ",",
          ".", ":", "?", "!", "*", "/", "%", "+", "-", "<", ">")
_IDENT = re.compile(r"[^\W\d][\w-]*")  # letters of any script, then letters, digits, _ and -
_NUMBER = re.compile(r"\d+(\.\d+)?([eE][+-]?\d+)?")
_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")


class _Lexer:
    def __init__(self, text: str, line: int = 1, column: int = 1):
        self.text = text
        self.pos = 0
        self.line = line
        self.column = column

    def tokens(self) -> List[_Token]:
        out = []
        while True:
            token = self._next()
            out.append(token)
            if token.kind == "eof":
                return out

    def _advance(self, count: int) -> None:
        chunk = self.text[self.pos:self.pos + count]
        newlines = chunk.count("\n")
        if newlines:
            self.line += newlines
            self.column = len(chunk) - chunk.rfind("\n")
        else:
            self.column += len(chunk)
        self.pos += count

    def _next(self) -> _Token:
        self._skip_space_and_comments()
        start = (self.line, self.column, self.pos)
        text = self.text
        if self.pos >= len(text):
            return self._token("eof", "", start)
        char = text[self.pos]
        if char == "\n":
            self._advance(1)
            return self._token("newline", "\n", start)
        if char == '"':
            self._advance(self._string_length())
            return self._token("string", text[start[2]:self.pos], start)
        heredoc = _HEREDOC.match(text, self.pos)
        if heredoc:
            self._advance(self._heredoc_length(heredoc))
            return self._token("heredoc", text[start[2]:self.pos], start)
        for kind, pattern in (("ident", _IDENT), ("number", _NUMBER)):
            match = pattern.match(text, self.pos)
            if match:
                self._advance(len(match.group(0)))
                return self._token(kind, match.group(0), start)
        for punct in _PUNCT:
            if text.startswith(punct, self.pos):
                self._advance(len(punct))
                return self._token("punct", punct, start)
        raise DocumentError(f"unexpected character {char!r}", self.line, self.column)

    def _token(self, kind: str, value: str, start) -> _Token:
        return _Token(kind, value, start[0], start[1], self.line, self.column, start[2], self.pos)

    def _skip_space_and_comments(self) -> None:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char in " \t\r\ufeff":
                self._advance(1)
            elif char == "#" or text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self._advance((len(text) if end < 0 else end) - self.pos)
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end < 0:
                    raise DocumentError("unterminated /* comment", self.line, self.column)
                self._advance(end + 2 - self.pos)
            else:
                return

    def _string_length(self, nesting: int = 0) -> int:
        """Length of the quoted string at pos, interpolations (which may hold strings) included."""
        if nesting > MAX_STRING_NESTING:
            raise DocumentError("strings nested too deeply inside interpolations", self.line, self.column)
        text, index, depth = self.text, self.pos + 1, 0
        while index < len(text):
            char = text[index]
            if char == "\\":
                index += 2
                continue
            if char == "\n" and depth == 0:
                break
            if text.startswith("${", index) or text.startswith("%{", index):
                depth += 1
                index += 2
                continue
            if depth and char == "}":
                depth -= 1
            elif depth and char == '"':  # a string inside an interpolation
                inner = _Lexer(text, self.line, self.column)
                inner.pos = index
                index += inner._string_length(nesting + 1)
                continue
            elif char == '"' and depth == 0:
                return index + 1 - self.pos
            index += 1
        raise DocumentError("unterminated string", self.line, self.column)

    def _heredoc_length(self, match) -> int:
        marker = match.group(2)
        closing = re.compile(r"^[ \t]*" + re.escape(marker) + r"[ \t]*\r?$", re.M)
        end = closing.search(self.text, match.end())
        if end is None:
            raise DocumentError(f"heredoc <<{marker} is never closed", self.line, self.column)
        return end.end() - self.pos


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
