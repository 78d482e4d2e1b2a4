"""Python modules of a function, parsed once each with libcst (imported only when needed)."""
from __future__ import annotations

import re
import sys
from typing import Any, Dict, List, Optional, Tuple

from lambdalint.analysis.source_shape import CPYTHON_MAX_DEPTH, SourceShape, measure, offset_position
from lambdalint.display import display_join
from lambdalint.file_facts import MISSING as _MISSING
from lambdalint.limits import (MAX_ANALYSED_BYTES, MAX_ANALYSED_TOKENS, MAX_CHAIN_WEIGHT, MAX_NESTING_WEIGHT,
                               MAX_PARSED_TOKENS)
from lambdalint.model.bundle import Bundle, BundleError
from lambdalint.source_text import declared_encoding, decode_source, parse_quietly

_ERROR_AT = re.compile(r"error at (\d+):(\d+)")
LAMBDA_SIGNATURE = (("event", "_event"), ("context", "_context"))
_HANDLER_HINT = re.compile(r"^(?:async\s+)?def\s+\w+\s*\(\s*_?event\b[^)]*\b_?context\b", re.M)


def may_define_handler(text: str) -> bool:
    """A cheap test (no parse) for a top-level-looking `def f(event, context)` in a module."""
    return bool(_HANDLER_HINT.search(text))


class SourceError(Exception):
    def __init__(self, code: str, message: str, row: int = 1, column: int = 1, grammar_dependent: bool = False):
        super().__init__(message)
        self.code = code  # "LL001" (syntax) or "LL002" (unreadable, too large or too complex)
        self.row = row
        self.column = column
        # A syntax error that a newer Python's grammar may not have (every Python refuses a
        # nesting past its parser's limits, whatever its grammar)
        self.grammar_dependent = grammar_dependent


_DIRECTIVE_HINT = re.compile(r"noqa|lambdalint", re.IGNORECASE)


class SourceModule:
    """One `.py` file of a bundle, decoded and parsed for one Python version.  With a FactStore,
    what one parse tells (the verdict, the handler hint, suppression comments, imports) is asked
    of the store first: an unchanged file is then neither read nor parsed."""

    def __init__(self, bundle: Bundle, relpath: str, python_version: str, store=None):
        self.bundle = bundle
        self.relpath = relpath
        self.python_version = python_version
        self.store = store  # file_facts.FactStore or None
        self._text: Optional[str] = None
        self._lines: Optional[List[str]] = None
        self._checked = False
        self._problem: Optional[SourceError] = None
        self._wrapper: Any = None
        self._positions: Any = None
        self.error: Optional[SourceError] = None

    # Where findings about this module are reported.
    @property
    def filename(self) -> str:
        if self.bundle.is_zip or self.bundle.kind == "inline":  # inline code: its template's rows
            return self.bundle.display
        return display_join(self.bundle.display, self.relpath)

    @property
    def member(self) -> Optional[str]:
        return self.relpath if self.bundle.is_zip else None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self._decode()
        return self._text

    @property
    def lines(self) -> List[str]:
        if self._lines is None:
            try:
                self._lines = [line.rstrip("\r\n") for line in split_lines(self.text)]
            except SourceError:
                self._lines = []
        return self._lines

    def _decode(self) -> str:
        try:
            raw = self.bundle.read(self.relpath)
        except BundleError as exc:
            raise SourceError("LL002", exc.detail) from None
        except OSError as exc:
            raise SourceError("LL002", f"cannot read {self.relpath}: {exc.strerror or exc}") from None
        if self.store is not None:
            self.store.read_digest(self.bundle, self.relpath, raw)
        try:
            return decode_source(raw).text
        except (UnicodeError, LookupError) as exc:  # UnicodeError: the `undefined` codec
            declared = declared_encoding(raw)
            start = getattr(exc, "start", 0)
            line = raw[:start].count(b"\n") + 1
            if declared is None:
                raise SourceError("LL002", "not valid utf-8 text (no PEP 263 coding cookie declares another "
                                  "encoding)", line) from None
            raise SourceError("LL002", f"not valid {declared} text (the encoding its PEP 263 coding cookie "
                              "declares)", line) from None

    @property
    def wrapper(self):
        """A libcst MetadataWrapper, or None when the module is not analysed (see `error`)."""
        if self._wrapper is None and self.error is None:
            self.error = self.problem()
            if self.error is None and self._wrapper is None:
                try:
                    self._wrapper = _parse(self.text, self.python_version)
                except SourceError as exc:
                    self.error = exc
        return self._wrapper

    def problem(self) -> Optional[SourceError]:
        """Why the module is not analysed, or None: unreadable or too large (LL002), refused by
        CPython (LL001), too complex to analyse (LL002).  Decided once, on the whole text, before
        libcst sees it: every rule then sees the whole module or nothing of it."""
        if not self._checked:
            self._checked = True
            kind = f"verdict:{self.python_version}"
            known = self._fact(kind)
            if known is not _MISSING:
                self._problem = SourceError(*known) if known is not None else None
                return self._problem
            try:
                self._problem = self._find_problem()
            except SourceError as exc:
                self._problem = exc
            if self._problem is None or self._problem.code != "LL002" or self._text is not None:
                self._put(kind, None if self._problem is None else _verdict(self._problem))
            self._keep_facts_only()
        return self._problem

    def _keep_facts_only(self) -> None:
        """Once the store holds what the text tells, let the text go (thousands of modules of a
        source tree are checked; few are parsed with libcst, and those read it again)."""
        if self._text is None or self._wrapper is not None or not self._keeps_facts():
            return
        self.may_define_handler()
        self.directive_lines()
        self._text = self._lines = None

    # -- facts a FactStore keeps -----------------------------------------------------------------
    def _fact(self, kind: str):
        if self.store is None:
            return _MISSING
        return self.store.get(self.store.known_digest(self.bundle, self.relpath), kind)

    def _keeps_facts(self) -> bool:
        """Whether the store can keep facts of this file (folders: yes; archive members: no)."""
        return self.store is not None and self.store.known_digest(self.bundle, self.relpath) is not None

    def _put(self, kind: str, value) -> None:
        if self.store is not None:
            self.store.put(self.store.known_digest(self.bundle, self.relpath), kind, value)

    def needs_facts(self) -> bool:
        """Whether computing the facts would read the file (the store does not know them)."""
        return self.store is not None and any(
            self._fact(kind) is _MISSING for kind in (f"verdict:{self.python_version}", "hint", "directives"))

    def compute_facts(self) -> None:
        """Everything a FactStore keeps about the module, from one read (a worker's task)."""
        self.problem()
        self.may_define_handler()
        self.directive_lines()
        if self._fact("imports") is _MISSING and self._text is not None:
            from lambdalint.analysis.imports import scan_statements

            try:
                statements = scan_statements(self.bundle.read(self.relpath), self.relpath)
            except (BundleError, OSError):
                statements = None
            if statements is not None:
                self._put("imports", statements)

    def may_define_handler(self) -> bool:
        known = self._fact("hint")
        if known is not _MISSING:
            return known
        try:
            found = may_define_handler(self.text)
        except SourceError:
            return False
        self._put("hint", found)
        if not found and not self._checked and self._wrapper is None and self._keeps_facts():
            self._text = self._lines = None  # handler discovery reads every module: keep none of them
        return found

    def directive_lines(self) -> List[Tuple[int, str]]:
        """(line number, line) of the lines that may hold a suppression comment."""
        known = self._fact("directives")
        if known is not _MISSING:
            return [(number, line) for number, line in known]
        try:
            text = self.text
        except SourceError:
            return []
        found = []
        lowered = text.lower()  # `in` on the lowered text: much faster than a case-blind regex
        if "noqa" in lowered or "lambdalint" in lowered:
            found = [(number, line) for number, line in enumerate(self.lines, start=1)
                     if "#" in line and _DIRECTIVE_HINT.search(line)]
        self._put("directives", [list(pair) for pair in found])
        return found

    def _find_problem(self) -> Optional[SourceError]:
        text = self.text
        if "\0" in text:  # every CPython refuses it; libcst would parse it and rules would meet it
            row, column = offset_position(text, text.index("\0"))
            return SourceError("LL001", f"syntax error for Python {self.python_version}: source code "
                               "cannot contain null bytes", row, column)
        shape = measure(text, MAX_PARSED_TOKENS)
        if shape.depth_offset >= 0:
            row, column = offset_position(text, shape.depth_offset)
            return SourceError("LL001", f"syntax error for Python {self.python_version}: too many nested "
                               "parentheses", row, column)
        if not shape.complete:
            return SourceError("LL002", _too_complex(f"more than {MAX_PARSED_TOKENS:,} tokens"))
        error, tree = _ast_syntax_error(text, self.python_version)
        if tree is not None and self._keeps_facts() and self._fact("imports") is _MISSING:
            from lambdalint.analysis.imports import import_statements

            self._put("imports", import_statements(tree))  # this parse serves the import graph too
        del tree
        # Syntax the Python running lambdalint does not know yet is judged by libcst (below).
        newer = _version(self.python_version) > sys.version_info[:2]
        if error is not None and not (newer and error.grammar_dependent):
            return error
        reason = _libcst_limit(text, shape)
        if reason is not None:
            return SourceError("LL002", _too_complex(reason))
        if error is not None:
            try:
                self._wrapper = _parse(text, self.python_version)
            except SourceError as exc:
                return exc
        return None

    @property
    def module(self):
        wrapper = self.wrapper
        return wrapper.module if wrapper is not None else None

    def position(self, node) -> Tuple[int, int, int, int]:
        """1-based start row/column and end row/column of a node of this module."""
        if self._positions is None:
            from libcst.metadata import PositionProvider

            self._positions = self.wrapper.resolve(PositionProvider)
        code_range = self._positions[node]
        indent = getattr(self.bundle, "indent", 0)  # inline code: the template's indentation
        return (code_range.start.line, code_range.start.column + 1 + indent,
                code_range.end.line, code_range.end.column + 1 + indent)

    def top_level_functions(self) -> Dict[str, Any]:
        import libcst as cst

        module = self.module
        if module is None:
            return {}
        return {stmt.name.value: stmt for stmt in module.body if isinstance(stmt, cst.FunctionDef)}

    def syntax_error(self) -> Optional[SourceError]:
        """LL001's verdict: does the module parse with the runtime's grammar?

        CPython's own parser (fast) decides, with `feature_version` set to the runtime's version;
        when the runtime is newer than the Python running lambdalint, syntax the host does not
        know yet is judged by libcst, which parses every Python 3 grammar."""
        problem = self.problem()
        return problem if problem is not None and problem.code == "LL001" else None

    def lambda_handlers(self) -> List[str]:
        """Top-level functions with the Lambda signature `(event, context)`."""
        if not self.may_define_handler():
            return []  # most modules: no libcst parse needed
        handlers = []
        for name, func in self.top_level_functions().items():
            params = [p.name.value for p in func.params.params]
            if len(params) == 2 and all(p in names for p, names in zip(params, LAMBDA_SIGNATURE)):
                handlers.append(name)
        return handlers


def split_lines(text: str) -> List[str]:
    """Lines as Python counts them (\\n, \\r\\n, \\r), keeping their ends; unlike
    str.splitlines, form feeds and Unicode line separators do not end a line."""
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


def _parse(text: str, python_version: str):
    import libcst as cst

    try:
        module = cst.parse_module(text, config=_parser_config(python_version))
    except cst.ParserSyntaxError as exc:
        message, row, column = _describe_syntax_error(text, exc, python_version)
        raise SourceError("LL001", f"syntax error for Python {python_version}: {message}", row, column) from None
    except (ValueError, RecursionError) as exc:
        raise SourceError("LL001", f"cannot parse for Python {python_version}: {exc}") from None
    return cst.MetadataWrapper(module, unsafe_skip_copy=True)


def _parser_config(python_version: str):
    """libcst's grammar for the runtime; its newest grammar for a version it does not know
    (python3.99 in a template is reported by the runtime rules, not by a parse failure)."""
    import libcst as cst

    try:
        return cst.PartialParserConfig(python_version=python_version)
    except ValueError:
        return cst.PartialParserConfig()


def _version(python_version: str) -> Tuple[int, ...]:
    try:
        return tuple(int(part) for part in python_version.split(".")[:2])
    except ValueError:
        return sys.version_info[:2]


def _ast_syntax_error(text: str, python_version: str) -> Tuple[Optional[SourceError], Optional[object]]:
    """CPython's verdict, with the runtime's grammar where the host Python knows it, and the
    tree when it parses (None when not)."""
    version = _version(python_version)
    feature = version if (3, 7) <= version <= sys.version_info[:2] else None
    try:
        tree = parse_quietly(text, feature_version=feature)  # None: the host's own grammar
    except SyntaxError as error:
        universal = error.msg in CPYTHON_LIMIT_MESSAGES
        return SourceError("LL001", f"syntax error for Python {python_version}: {error.msg}",
                           error.lineno or 1, error.offset or 1, grammar_dependent=not universal), None
    except MemoryError:
        # The parser's stack overflowed (6,000 levels: `- - - ... 1`, thousands of `elif`); every
        # CPython since 3.9 refuses such a module when it imports it.
        return SourceError("LL001", f"syntax error for Python {python_version}: too complex to parse "
                           "(CPython's parser stack overflows)"), None
    except RecursionError:
        return SourceError("LL002", _too_complex("nested too deeply for CPython's ast module")), None
    except ValueError as error:  # null bytes, before Python 3.11.4
        return SourceError("LL001", f"cannot parse for Python {python_version}: {error}"), None
    return None, tree


# CPython's own limits, the same in every version: no newer grammar lifts them (in f-strings, Python
# 3.12 and later say "too many nested parentheses").
CPYTHON_LIMIT_MESSAGES = ("too many nested parentheses", "too many levels of indentation",
                          "f-string: too many nested parenthesis")


def _libcst_limit(text: str, shape: SourceShape) -> Optional[str]:
    """Why libcst must not parse the module (its time and memory would explode), or None."""
    if shape.fstring_depth > CPYTHON_MAX_DEPTH:
        return f"brackets nested {shape.fstring_depth:,} levels deep through f-string replacement fields"
    if shape.nesting_weight > MAX_NESTING_WEIGHT:
        return (f"nested brackets weigh {shape.nesting_weight:,} (the depth of each one, summed, "
                f"{shape.depth} levels at most); lambdalint analyses at most {MAX_NESTING_WEIGHT:,}")
    if shape.chain_weight > MAX_CHAIN_WEIGHT:
        return (f"chains of operators such as `a + a + ...` weigh {shape.chain_weight:,}, the longest "
                f"{shape.longest_chain:,} tokens; lambdalint analyses at most {MAX_CHAIN_WEIGHT:,}")
    if shape.tokens > MAX_ANALYSED_TOKENS:
        return f"{shape.tokens:,} tokens; lambdalint analyses at most {MAX_ANALYSED_TOKENS:,}"
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_ANALYSED_BYTES:
        return f"{size:,} bytes; lambdalint analyses at most {MAX_ANALYSED_BYTES:,}"
    return None


def _too_complex(reason: str) -> str:
    return f"too complex to analyse ({reason}): not checked"


def _describe_syntax_error(text: str, exc, python_version: str) -> Tuple[str, int, int]:
    """libcst decides (it parses with the runtime's grammar); CPython's own message is clearer
    (e.g. "Missing parentheses in call to 'print'"), so use it when it agrees there is an error."""
    try:
        major, minor = (int(part) for part in python_version.split(".")[:2])
        parse_quietly(text, feature_version=(major, minor))
    except SyntaxError as error:
        if error.lineno:
            return error.msg, error.lineno, error.offset or 1
    except (ValueError, RecursionError, MemoryError):
        pass
    row, column = exc.raw_line, exc.raw_column + 1
    match = _ERROR_AT.search(exc.message)
    if match:
        row, column = int(match.group(1)), int(match.group(2)) + 1
    message = exc.message.strip().splitlines()[0] if exc.message.strip() else "invalid syntax"
    message = message.replace("parser error: ", "")
    message = re.sub(r"^error at \d+:\d+: ", "", message)
    if message.startswith("expected one of") and message.count(",") > 5:
        message = "invalid syntax"
    return message, row, column


def _verdict(error: SourceError) -> list:
    """A SourceError as a FactStore keeps it (the arguments that make it again)."""
    return [error.code, str(error), error.row, error.column, error.grammar_dependent]


class SourceCache:
    """Each module is read and parsed once per (bundle, path, Python version)."""

    def __init__(self, store=None) -> None:
        self._modules: Dict[Tuple[int, str, str], SourceModule] = {}
        self.store = store

    def get(self, bundle: Bundle, relpath: str, python_version: str) -> SourceModule:
        key = (id(bundle), relpath, python_version)
        if key not in self._modules:
            self._modules[key] = SourceModule(bundle, relpath, python_version, self.store)
        return self._modules[key]

    def items(self) -> List[Tuple[Tuple[int, str, str], SourceModule]]:
        """(key, module): the key names a module across a forked process too (same ids)."""
        return list(self._modules.items())
