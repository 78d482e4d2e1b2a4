"""`lambdalint check --fail-on error|warning|info` and the GitHub Action's `fail-on` input."""
from pathlib import Path

import yaml

from lambdalint.rules.examples import function_with
from support import materialize, run_cli

ROOT = Path(__file__).parent.parent
# LL617 (error) for the missing Runtime; LL615 (info) for the log group
ERROR_AND_INFO = function_with(resources="  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties:\n"
                                         "      LogGroupName: !Sub /aws/lambda/${Fn}\n")
INFO_ONLY = ERROR_AND_INFO


def _exit(tmp_path, monkeypatch, text, *options):
    materialize({"template.yaml": text}, tmp_path)
    monkeypatch.chdir(tmp_path)
    return run_cli(["check", ".", "--isolated", "--no-cache", "--select", "LL615,LL617", *options]).exit_code


def test_default_fails_on_any_finding(tmp_path, monkeypatch):
    assert _exit(tmp_path, monkeypatch, INFO_ONLY) == 1


def test_fail_on_warning_ignores_info(tmp_path, monkeypatch):
    assert _exit(tmp_path, monkeypatch, INFO_ONLY, "--fail-on", "warning") == 0
    assert _exit(tmp_path, monkeypatch, INFO_ONLY, "--fail-on", "info") == 1


def test_fail_on_error_fails_on_an_error(tmp_path, monkeypatch):
    text = ERROR_AND_INFO.replace("      Runtime: python3.12\n", "")
    assert _exit(tmp_path, monkeypatch, text, "--fail-on", "error") == 1
    assert _exit(tmp_path, monkeypatch, text, "--fail-on", "error", "--exit-zero") == 0


def test_unknown_severity_is_a_usage_error(tmp_path, monkeypatch):
    assert _exit(tmp_path, monkeypatch, INFO_ONLY, "--fail-on", "fatal") == 2


def test_action_passes_fail_on_through_the_environment():
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["inputs"]["fail-on"]["default"] == ""
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "lambdalint")
    assert step["env"]["FAIL_ON"] == "${{ inputs.fail-on }}"
    assert 'words+=(--fail-on "$FAIL_ON")' in step["run"] and "${{" not in step["run"]
