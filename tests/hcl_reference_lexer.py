"""The HCL lexer as it was before issue 12 (one character at a time in Python), kept only as the
oracle of the differential test in test_hcl_lexer.py: the lexer in lambdalint.loaders.hcl must give
exactly the same tokens, positions and errors.  Not used by lambdalint itself."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List

from lambdalint.loaders.hcl import MAX_STRING_NESTING
from lambdalint.loaders.marked_yaml import DocumentError


@dataclass(frozen=True)
class Token:
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


class ReferenceLexer:
    def __init__(self, text: str, line: int = 1, column: int = 1):
        self.text = text
        self.pos = 0
        self.line = line
        self.column = column

    def tokens(self) -> List[Token]:
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

    def _next(self) -> Token:
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

    def _token(self, kind: str, value: str, start) -> Token:
        return Token(kind, value, start[0], start[1], self.line, self.column, start[2], self.pos)

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
                inner = ReferenceLexer(text, self.line, self.column)
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


