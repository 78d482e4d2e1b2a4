"""Property-based fuzzing of every input loader and of `--fix` (issue 10, "make it systematic").

Each test draws hostile inputs from `fuzz_inputs` -- zip archives, SAM/CloudFormation templates
(YAML and JSON), serverless.yml, Terraform, Python sources, configuration files and baselines, and
handler modules for `--fix` -- and checks each one in a forked child (a hang or a memory bomb fails
the test instead of taking the run down):
- lint: no exception, no "internal error", exit code 0/1 (2 only for a configuration or usage error
  with a "lambdalint: error:" message), text/json/sarif/github all render as valid UTF-8 and
  json/sarif parse, a good handler checked next to the input is still reported, < 5 s, < 300 MB;
- `--fix`: `--diff` is exactly what `--fix` writes, fixed files compile, a second `--fix` changes
  nothing, only import lines (and their comments) moved, no module-level name lost except the
  moved imports, and every function using a moved name imports it.

Deterministic and bounded for CI (derandomize, no example database, so no `.hypothesis/` folder):
EXAMPLES keeps the whole file under a minute on the reference machine.  A failure prints the
shrunk input (`Case(...)`: files, command) and what broke.  The same generators run for as long
as you like with `python benchmarks/fuzz.py --minutes 30`.
"""
from __future__ import annotations

import os
import tempfile

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.configuration import set_hypothesis_home_dir

from fuzz_inputs import SHORT, STRATEGIES, TIME_BUDGET_S, run_isolated, warm_up

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="each case runs in a forked child")

# Hypothesis keeps caches in ./.hypothesis even without an example database: not in the repository.
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "lambdalint-hypothesis"))

EXAMPLES = {"zip": 50, "yaml": 45, "serverless": 40, "hcl": 50, "python": 45, "config": 50, "fix": 25}
HARD_TIMEOUT_S = 2 * TIME_BUDGET_S  # a hang costs this much once: no shrinking (see below)


def fuzz_settings(target: str):
    # No shrink phase: shrinking a slow input re-runs it hundreds of times (minutes); the failure
    # report shows the input as drawn, and `benchmarks/fuzz.py` minimises what it finds.
    return settings(max_examples=EXAMPLES[target], deadline=None, derandomize=True, database=None,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                    print_blob=False)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    warm_up(folder)  # import lambdalint once here: every forked child starts warm
    return folder


def check(case, scratch) -> None:
    outcome = run_isolated(case, scratch, HARD_TIMEOUT_S)
    assert outcome.kind is None, outcome.report()


@fuzz_settings("zip")
@given(case=STRATEGIES["zip"](SHORT))
def test_zip_archives(case, scratch):
    check(case, scratch)


@fuzz_settings("yaml")
@given(case=STRATEGIES["yaml"](SHORT))
def test_yaml_and_json_templates(case, scratch):
    check(case, scratch)


@fuzz_settings("serverless")
@given(case=STRATEGIES["serverless"](SHORT))
def test_serverless_files(case, scratch):
    check(case, scratch)


@fuzz_settings("hcl")
@given(case=STRATEGIES["hcl"](SHORT))
def test_terraform_files(case, scratch):
    check(case, scratch)


@fuzz_settings("python")
@given(case=STRATEGIES["python"](SHORT))
def test_python_sources(case, scratch):
    check(case, scratch)


@fuzz_settings("config")
@given(case=STRATEGIES["config"](SHORT))
def test_configuration_and_baselines(case, scratch):
    check(case, scratch)


@fuzz_settings("fix")
@given(case=STRATEGIES["fix"](SHORT))
def test_fix_contract(case, scratch):
    check(case, scratch)
