"""The HCL lexer matches whole tokens with one regular expression (issue 12); it must give exactly
the tokens, positions and errors of the lexer it replaced, which stepped through characters
(kept in hcl_reference_lexer.py as the oracle)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hcl_reference_lexer import ReferenceLexer
from lambdalint.loaders.hcl import MAX_STRING_NESTING, _Lexer, parse
from lambdalint.loaders.marked_yaml import DocumentError


def outcome(lexer_class, text: str):
    """The tokens as plain tuples, or the error's message and position."""
    try:
        return [tuple(getattr(token, field) for field in _FIELDS) for token in lexer_class(text).tokens()]
    except DocumentError as error:
        return ("error", str(error), error.line, error.column)


_FIELDS = ("kind", "text", "line", "column", "end_line", "end_column", "offset", "end_offset")


def assert_same(text: str) -> None:
    assert outcome(_Lexer, text) == outcome(ReferenceLexer, text), repr(text)


REAL = '''\ufeff# comment
// another
/* block
   comment */ variable "stage" { default = "prod" }
locals {
  prefix = "app-${var.stage}"   # trailing
  tags   = { team = "a", "cost-center" = 12.5e3 }
  list   = [1, -2, 3.25, true, null]
  cond   = var.a == "x" ? "${local.prefix}-a" : "b"
  splat  = aws_instance.web[*].id
  fn     = provider::aws::arn_parse("arn:aws:...")
}
resource "aws_lambda_function" "fn" {
  function_name = "${local.prefix}-fn"
  policy = <<-EOF
    {"Statement": "${jsonencode({a = "b"})}"}
    EOF
  other = <<EOT
text
EOT
  for_each = { for k, v in var.m : k => v if v != null }
  nested   = "${join(",", ["${var.a}", "b"])}"
  escaped  = "a\\"b\\\\c\\n\\u00e9 $${not} %%{not}"
  directive = "%{ if var.a }yes%{ else }no%{ endif }"
  unicode_name_é = "ü"
  arrow = x => y
  ops = a && b || !c <= d >= e != f % g / h * i + j - k < l > m ... n
}
'''


@pytest.mark.parametrize("text", [
    "", "\n", "\r\n", "a", "a = 1", REAL, REAL.replace("\n", "\r\n"),
    '"unterminated', '"line\nbreak"', '"a\\\nb"', '"${"', '"${ "x" }"', '"${ "x }"',
    '"${ {a = 1} }"', '"${a} } "', '"$${a}"', '"%%{a}"', '"${ "${ "${ x }" }" }"',
    '"${\n  var.a\n}"', '"\\', '"a\\"', '"${ "\\" }" }"',
    '"' + '${"' * (MAX_STRING_NESTING + 1) + '"}' * (MAX_STRING_NESTING + 1) + '"',
    '"' + '${"' * MAX_STRING_NESTING + '"}' * MAX_STRING_NESTING + '"',
    "<<EOF\nbody\nEOF", "<<EOF\nbody\n  EOF  \nafter", "<<-EOF\r\n body\r\n EOF\r\n",
    "<<EOF\nnever closed\n", "<< EOF\n", "<<EOF x\n", "a << b", "<<",
    "/* never closed", "a /* x */ b", "/*/", "# only", "x // y\nz", "x#y\n",
    "1.5e", "1.", "12e+3", "١٢٣", "a-b-1", "_x", "-x", "é = 1", "a..b", "a...b",
    "@", "a = `b`", "\t\t a", "\x00", "\ufeff", "a\ufeffb", "\u2028", "a\rb",
    '"a" "b"', '"' + "x" * 1000 + '"', '"${' + "x" * 1000,
])
def test_same_tokens_positions_and_errors(text: str) -> None:
    assert_same(text)


_FRAGMENTS = ['"', "${", "%{", "}", "{", "\\", "\n", "\r", " ", "\t", "#", "//", "/*", "*/", "<<EOF\n",
              "<<-X\n", "EOF", "X", "\n EOF\n", "a", "é", "1", "2.5", "e3", "-", "=", "==", "=>", ".",
              "...", "[", "]", "(", ")", ",", "$", "%", "@", "\ufeff", "!", "&&", "|"]


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=40))
def test_same_on_generated_text(fragments) -> None:
    assert_same("".join(fragments))


def test_unterminated_string_is_an_ll002_error_at_its_start() -> None:
    with pytest.raises(DocumentError) as error:
        parse('a = 1\nb = "x${var.c}\n')
    assert (str(error.value), error.value.line, error.value.column) == ("unterminated string", 2, 5)


def test_unclosed_heredoc_is_an_error_at_its_start() -> None:
    with pytest.raises(DocumentError) as error:
        parse('a = 1\n  b = <<EOT\ntext\n')
    assert (str(error.value), error.value.line, error.value.column) == ("heredoc <<EOT is never closed", 2, 7)


def test_long_line_with_many_strings_costs_one_match_per_token() -> None:
    # a whole configuration on a few lines: positions still count characters since the line start
    text = "x = [" + ", ".join(f'"s{i}-${{var.v}}"' for i in range(2000)) + "]\n"
    tokens = _Lexer(text).tokens()
    assert tokens[5].text == '"s1-${var.v}"' and tokens[5].column == 1 + text.index('"s1-')
    assert_same(text)
