"""End-to-end tests of the integrations: the pre-commit hooks (`.pre-commit-hooks.yaml`) and the
composite GitHub Action (`action.yml`).

They install lambdalint from a committed snapshot of this working tree, as pre-commit and GitHub
would from a clone, so they need git and network access to PyPI, and take a while: they are
marked `slow` (`pytest -m slow tests/test_integrations.py`).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Dict, Mapping, Optional

import pytest
import yaml

from lambdalint.rules.base import Member
from support import write_zip

REPO_ROOT = Path(__file__).resolve().parents[1]

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Uploads:
    Type: AWS::S3::Bucket
  Thumbnailer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Timeout: 1000
      Events:
        Upload:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: s3:ObjectCreated:*
"""

APP = """\
def handler(event, context):
    with open("out.txt", "w") as handle:
        handle.write("done")
    return {"ok": True}
"""

CLEAN_APP = """\
import os


def handler(event, context):
    return {"region": os.environ.get("AWS_REGION")}
"""

WORKFLOW_COMMAND = re.compile(
    r"^::(?P<level>error|warning|notice) title=lambdalint \((?P<code>LL\d{3})\),"
    r"file=(?P<file>[^,:]+),line=(?P<line>\d+),col=(?P<col>\d+),"
    r"endLine=(?P<end_line>\d+),endColumn=(?P<end_col>\d+)::(?P<message>.+)$")

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


# --------------------------------------------------------------------------------------------
# helpers


def _require(program: str) -> None:
    if shutil.which(program) is None:
        pytest.skip(f"{program} is not installed")


def _env(**extra: str) -> Dict[str, str]:
    """The current environment without what would leak into the subprocesses' behaviour."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("GIT_", "PRE_COMMIT", "LAMBDALINT_", "GITHUB_", "RUNNER_",
                                  "VIRTUAL_ENV", "PYTHONPATH"))}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.update(extra)
    return env


def _git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.email=tests@lambdalint.invalid", "-c", "user.name=lambdalint tests",
         "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd, env=_env(HOME=str(cwd)), capture_output=True, text=True)
    assert result.returncode == 0, f"git {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
    return result.stdout


def _init_repo(root: Path) -> None:
    _git(root, "init", "-q")
    _git(root, "config", "user.email", "tests@lambdalint.invalid")
    _git(root, "config", "user.name", "lambdalint tests")
    _git(root, "config", "commit.gpgsign", "false")


def _force_included_sources() -> list:
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = config.get("tool", {}).get("hatch", {}).get("build", {}).get("targets", {}).get("wheel", {})
    return list(wheel.get("force-include", {}))


def make_sample_project(root: Path, app: str = APP, template: Optional[str] = TEMPLATE) -> Path:
    """A git repository with a SAM function (Timeout 1000 -> LL601, writes to the read-only
    working directory -> LL301) and a git-ignored build output folder whose zip has an entry
    only its owner can read (-> LL208)."""
    root.mkdir(parents=True)
    if template is not None:
        (root / "template.yaml").write_text(template, encoding="utf-8")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text(app, encoding="utf-8")
    (root / ".gitignore").write_text("dist/\nbuild/\n", encoding="utf-8")
    for folder in ("dist", "build"):
        (root / folder).mkdir()
        write_zip(root / folder / "function.zip",
                  {"app.py": Member(CLEAN_APP, mode=0o600), "lib/__init__.py": Member("", mode=0o644)})
    _init_repo(root)
    _git(root, "add", "-A")
    return root


# --------------------------------------------------------------------------------------------
# the hook repository: a committed snapshot of the working tree


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory) -> Path:
    """This working tree (tracked and untracked files that git does not ignore) committed in a
    fresh repository: `pre-commit try-repo` only sees committed and modified tracked files, and
    pre-commit and GitHub install from a clone, which holds no ignored or empty folders."""
    _require("git")
    snapshot = tmp_path_factory.mktemp("hook-repo")
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=REPO_ROOT, env=_env(), capture_output=True, check=True).stdout
    for name in sorted({entry.decode() for entry in listing.split(b"\0") if entry}):
        source = REPO_ROOT / name
        if not source.is_file():  # deleted from the working tree, or a submodule
            continue
        target = snapshot / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    for name in _force_included_sources():
        if not (snapshot / name).exists():
            # The wheel build fails ("Forced include not found") on a clone without this folder.
            warnings.warn(f"pyproject.toml force-includes {name!r}, which has no file a clone "
                          f"would contain; the snapshot gets an empty placeholder")
            (snapshot / name).mkdir(parents=True, exist_ok=True)
            (snapshot / name / ".keep").write_text("", encoding="utf-8")
    assert (snapshot / ".pre-commit-hooks.yaml").is_file()
    assert (snapshot / "action.yml").is_file()
    _init_repo(snapshot)
    _git(snapshot, "add", "-A")
    _git(snapshot, "commit", "-q", "-m", "snapshot of the working tree")
    return snapshot


# --------------------------------------------------------------------------------------------
# pre-commit


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    """PRE_COMMIT_HOME for the session, away from the user's cache. (`try-repo` builds the hook
    environment in a store of its own each time; `run` builds it here once.)"""
    return tmp_path_factory.mktemp("pre-commit-home")


def _pre_commit(cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    pytest.importorskip("pre_commit")
    return subprocess.run([sys.executable, "-m", "pre_commit", *args, "--color", "never"],
                          cwd=cwd, env=_env(PRE_COMMIT_HOME=str(home)),
                          capture_output=True, text=True, timeout=900)


def _hooks() -> Dict[str, dict]:
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in hooks}


@pytest.mark.slow
def test_pre_commit_hooks_manifest():
    hooks = _hooks()
    assert set(hooks) == {"lambdalint", "lambdalint-dist"}
    source, dist = hooks["lambdalint"], hooks["lambdalint-dist"]
    assert source["entry"] == dist["entry"] == "lambdalint check"
    assert source["language"] == dist["language"] == "python"
    assert source["types_or"] == ["python", "yaml", "json", "terraform"]
    assert source["require_serial"] is True
    assert dist["pass_filenames"] is False and dist["always_run"] is True
    assert dist["args"] == ["dist/"]


@pytest.mark.slow
def test_pre_commit_hook_reports_source_and_template_findings(tmp_path, hook_repo, pre_commit_home):
    sample = make_sample_project(tmp_path / "sample")

    result = _pre_commit(sample, pre_commit_home, "try-repo", str(hook_repo), "lambdalint",
                         "--all-files", "--verbose")

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert re.search(r"^lambdalint\.+Failed$", result.stdout, re.M), output
    assert "- exit code: 1" in output
    assert re.search(r"^template\.yaml:12:\d+: LL601 ", output, re.M), output
    assert re.search(r"^src/app\.py:2:\d+: LL301 ", output, re.M), output
    assert "LL208" not in output, "git-ignored dist/ must not reach the per-file hook"


@pytest.mark.slow
def test_pre_commit_dist_hook_checks_the_ignored_build_folder(tmp_path, hook_repo, pre_commit_home):
    sample = make_sample_project(tmp_path / "sample")

    # try-repo: the hook's default `args: [dist/]`
    result = _pre_commit(sample, pre_commit_home, "try-repo", str(hook_repo), "lambdalint-dist",
                         "--all-files", "--verbose")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert re.search(r"^lambdalint \(build output\)\.+Failed$", result.stdout, re.M), output
    assert re.search(r"^dist/function\.zip(!app\.py)?:1:1: LL208 .*app\.py \(0600\)", output, re.M), output
    assert "LL601" not in output and "LL301" not in output, "only the build folder is checked"

    # a regular configuration that points the hook at another build folder, with no staged file
    rev = _git(hook_repo, "rev-parse", "HEAD").strip()
    (sample / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{
        "repo": str(hook_repo), "rev": rev,
        # the sample zips ship no .pyc (LL106); this test is about the folder and permissions
        "hooks": [{"id": "lambdalint-dist", "args": ["build/", "--ignore", "LL106"]}]}]}), encoding="utf-8")
    _git(sample, "add", ".pre-commit-config.yaml")
    result = _pre_commit(sample, pre_commit_home, "run", "lambdalint-dist", "--verbose")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert re.search(r"^build/function\.zip(!app\.py)?:1:1: LL208 ", output, re.M), output
    assert "dist/function.zip" not in output

    # fixed permissions: the hook passes
    for folder in ("dist", "build"):
        write_zip(sample / folder / "function.zip", {"app.py": Member(CLEAN_APP, mode=0o644)})
    result = _pre_commit(sample, pre_commit_home, "run", "lambdalint-dist")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^lambdalint \(build output\)\.+Passed$", result.stdout, re.M), result.stdout


# --------------------------------------------------------------------------------------------
# GitHub Action


def _action() -> dict:
    return yaml.safe_load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))


class ActionRunner:
    """Runs the composite action's `run:` steps the way a GitHub runner would: each script with
    `bash --noprofile --norc -eo pipefail`, its `env:` with the expressions evaluated, the
    runner's GITHUB_* variables, and the workspace as working directory. `uses:` steps are
    skipped: the Python that actions/setup-python would provide is a virtual environment of the
    current interpreter, first on PATH. A step that already ran with the same script and
    environment (the install step) is not run again."""

    def __init__(self, action: dict, action_path: Path, temp: Path):
        self.action = action
        self.action_path = action_path
        self.temp = temp
        self.venv = temp / "python"
        # --system-site-packages: the dependencies are already installed here, so installing
        # lambdalint into the environment downloads nothing but the build backend; lambdalint
        # itself is installed into the venv, where it shadows the development install.
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                        str(self.venv)], check=True)
        self.bin = self.venv / ("Scripts" if os.name == "nt" else "bin")
        self.done: Dict[tuple, subprocess.CompletedProcess] = {}

    def inputs(self, given: Mapping[str, str]) -> Dict[str, str]:
        declared = self.action["inputs"]
        unknown = set(given) - set(declared)
        assert not unknown, f"not inputs of the action: {unknown}"
        values = {name: str(spec.get("default", "")) for name, spec in declared.items()}
        values.update(given)
        return values

    def evaluate(self, text: str, inputs: Mapping[str, str]) -> str:
        def value(match: re.Match) -> str:
            expression = match.group(1)
            if expression.startswith("inputs."):
                return inputs[expression[len("inputs."):]]
            if expression == "github.action_path":
                return str(self.action_path)
            raise AssertionError(f"the test does not know the expression {expression!r}")

        return EXPRESSION.sub(value, str(text))

    def run(self, workspace: Path, **given: str) -> Dict[str, subprocess.CompletedProcess]:
        inputs = self.inputs({name.replace("_", "-"): value for name, value in given.items()})
        runner_temp = self.temp / "runner-temp"
        runner_temp.mkdir(exist_ok=True)
        files = {name: runner_temp / name for name in ("output", "env", "path", "summary")}
        for path in files.values():
            path.write_text("", encoding="utf-8")
        results = {}
        for index, step in enumerate(self.action["runs"]["steps"]):
            name = step.get("id") or step.get("name") or str(index)
            if "uses" in step:
                assert step["uses"].startswith("actions/setup-python@"), step
                continue
            assert step.get("shell") == "bash", f"step {name}: give `shell: bash`"
            script = step["run"]
            assert "${{" not in script, f"step {name}: expressions inside `run:` allow script injection"
            step_env = {key: self.evaluate(value, inputs) for key, value in (step.get("env") or {}).items()}
            key = (script, tuple(sorted(step_env.items())))
            if key in self.done and self.done[key].returncode == 0:
                results[name] = self.done[key]
                continue
            script_file = runner_temp / f"step-{index}.sh"
            script_file.write_text(script, encoding="utf-8")
            env = _env(
                PATH=os.pathsep.join([str(self.bin), os.environ.get("PATH", "")]),
                CI="true", GITHUB_ACTIONS="true",
                GITHUB_ACTION_PATH=str(self.action_path), GITHUB_WORKSPACE=str(workspace),
                GITHUB_OUTPUT=str(files["output"]), GITHUB_ENV=str(files["env"]),
                GITHUB_PATH=str(files["path"]), GITHUB_STEP_SUMMARY=str(files["summary"]),
                RUNNER_TEMP=str(runner_temp), RUNNER_OS="Linux",
                **step_env)
            result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
                                    cwd=workspace, env=env, capture_output=True, text=True, timeout=900)
            self.done[key] = results[name] = result
            if result.returncode != 0:
                break  # later steps do not run after a failed step
        results["outputs"] = files["output"].read_text(encoding="utf-8")
        return results


@pytest.fixture(scope="session")
def action_runner(tmp_path_factory, hook_repo) -> ActionRunner:
    _require("bash")
    return ActionRunner(_action(), hook_repo, tmp_path_factory.mktemp("action"))


def _run_step_id() -> str:
    ids = [step["id"] for step in _action()["runs"]["steps"] if "run" in step and "id" in step]
    assert ids, "the step that runs lambdalint needs an id for the sarif-file output"
    return ids[-1]


@pytest.mark.slow
def test_action_metadata():
    action = _action()
    assert action["runs"]["using"] == "composite"
    assert action["description"] and action["branding"]["icon"] and action["branding"]["color"]
    defaults = {name: spec.get("default") for name, spec in action["inputs"].items()}
    assert defaults == {"path": ".", "args": "", "fail-on": "", "output-format": "github", "sarif-file": "",
                        "python-version": "3.12", "version": ""}
    assert action["outputs"]["sarif-file"]["value"] == \
        "${{ steps.%s.outputs.sarif-file }}" % _run_step_id()
    setup = action["runs"]["steps"][0]
    assert setup["uses"] == "actions/setup-python@v5"
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    text = (REPO_ROOT / "action.yml").read_text(encoding="utf-8")
    assert "github/codeql-action/upload-sarif@v3" in text and "security-events: write" in text


@pytest.mark.slow
def test_action_annotates_and_writes_sarif(tmp_path, action_runner):
    sample = make_sample_project(tmp_path / "sample")

    results = action_runner.run(sample, args='--ignore "LL501"', sarif_file="reports/lambdalint.sarif")

    install, run = results["Install lambdalint"], results[_run_step_id()]
    assert install.returncode == 0, install.stdout + install.stderr
    assert "lambdalint, version" in install.stdout, install.stdout
    installed = subprocess.run(
        [str(action_runner.bin / "python"), "-c", "import lambdalint; print(lambdalint.__file__)"],
        capture_output=True, text=True, env=_env(), check=True).stdout
    assert Path(installed.strip()).resolve().is_relative_to(action_runner.venv.resolve()), \
        f"the install step did not install into the job's Python: {installed}"

    assert run.returncode == 1, run.stdout + run.stderr
    commands = [line for line in run.stdout.splitlines() if line.startswith("::")]
    assert commands and len(commands) == len(run.stdout.splitlines()), run.stdout
    found = set()
    for line in commands:
        match = WORKFLOW_COMMAND.match(line)
        assert match, f"malformed workflow command: {line!r}"
        assert int(match["end_line"]) >= int(match["line"]) >= 1 and int(match["col"]) >= 1
        assert not Path(match["file"]).is_absolute()
        found.add((match["level"], match["code"], match["file"], int(match["line"])))
    assert ("error", "LL601", "template.yaml", 12) in found, found
    assert ("error", "LL301", "src/app.py", 2) in found, found
    assert not any(code == "LL501" for _, code, _, _ in found), "args were not passed"

    sarif_path = sample / "reports" / "lambdalint.sarif"
    sarif = json.loads(sarif_path.read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    sarif_results = sarif["runs"][0]["results"]
    rule_ids = {result["ruleId"] for result in sarif_results}
    assert {"LL601", "LL301"} <= rule_ids and "LL501" not in rule_ids, rule_ids
    for result in sarif_results:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith("/") and "://" not in uri, uri
    assert "sarif-file=reports/lambdalint.sarif" in results["outputs"].splitlines()


@pytest.mark.slow
def test_action_passes_on_a_clean_project(tmp_path, action_runner):
    sample = make_sample_project(tmp_path / "sample", app=CLEAN_APP,
                                 template=TEMPLATE.replace("Timeout: 1000", "Timeout: 30"))

    results = action_runner.run(sample, path="template.yaml src", args="--select LL3,LL6",
                                sarif_file="lambdalint.sarif")

    run = results[_run_step_id()]
    assert run.returncode == 0, run.stdout + run.stderr
    assert "::" not in run.stdout
    sarif = json.loads((sample / "lambdalint.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"] == []
    assert "sarif-file=lambdalint.sarif" in results["outputs"].splitlines()


@pytest.mark.slow
def test_action_inputs_are_not_evaluated_by_the_shell(tmp_path, action_runner):
    sample = make_sample_project(tmp_path / "sample")

    results = action_runner.run(sample, path="$(touch injected) `touch injected`",
                                args="; touch injected", output_format="text")

    run = results[_run_step_id()]
    assert not (sample / "injected").exists()
    assert run.returncode == 2, run.stdout + run.stderr  # the odd words are paths that do not exist
    assert "sarif-file" not in results["outputs"]

    results = action_runner.run(sample, args='--ignore "LL501')
    run = results[_run_step_id()]
    assert run.returncode == 2 and "unbalanced quotes" in run.stdout, run.stdout + run.stderr
