"""The packaging rules judged end to end (issue 4, acceptance):

- bundles made from REAL wheels downloaded from PyPI (`@pytest.mark.network`; skipped when pip
  cannot download them) get LL204 / LL205 / LL206 exactly when the wheel cannot run on the
  function's runtime and architecture;
- the same five cases built from synthetic headers (`native_examples`), which always run;
- LL212 on the committed Deflate64 fixture;
- a SAM function with six layers, a layer not under python/, a package shipped twice and 260 MB
  unzipped: LL203, LL209, LL210 and LL202, each at its template line with advice.
"""
from __future__ import annotations

import email.parser
import re
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
from support import check_json, materialize

from lambdalint.rules.base import Member, Zip
from lambdalint.rules.native_examples import elf, macho, wheel_info

ROOT = Path(__file__).resolve().parents[1]
DEFLATE64 = ROOT / "fixtures" / "deflate64" / "deflate64.zip"
HANDLER = "def handler(event, context):\n    return {'ok': True}\n"
PACKAGING = "LL204,LL205,LL206"
MIB = 1024 * 1024
DATE = (2024, 5, 1, 12, 0, 0)


# -- helpers -------------------------------------------------------------------------------------
def zip_folder(folder: Path, target: Path) -> Path:
    """Zip the content of `folder` (paths relative to it), every file 0644, deflate."""
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), DATE)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.create_system = 3
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return target


def bundle_from_wheels(wheels: List[Path], workdir: Path) -> Path:
    """`bundle/` = app.py + every wheel unpacked (a wheel is a zip), zipped as `bundle.zip`."""
    bundle = workdir / "bundle"
    bundle.mkdir(parents=True)
    (bundle / "app.py").write_text(HANDLER)
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(bundle)
    return zip_folder(bundle, workdir / "bundle.zip")


def wheel_identity(wheel: Path) -> Tuple[str, str]:
    """Name and Version from the wheel's own METADATA (what the messages must name)."""
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        headers = email.parser.HeaderParser().parsestr(archive.read(metadata).decode("utf-8", "replace"))
    return headers["Name"], headers["Version"]


def by_code(findings: List[dict]) -> Dict[str, List[dict]]:
    grouped: Dict[str, List[dict]] = {}
    for finding in findings:
        grouped.setdefault(finding["code"], []).append(finding)
    return grouped


# -- a. real wheels from PyPI --------------------------------------------------------------------
# key: (project, pip --platform, pip --python-version, what the downloaded file name must contain)
REAL_WHEELS = {
    "macos": ("pydantic-core", "macosx_11_0_arm64", "3.12", "-cp312-cp312-macosx_11_0_arm64"),
    "aarch64": ("pydantic-core", "manylinux2014_aarch64", "3.12", "manylinux2014_aarch64"),
    "cp312": ("pydantic-core", "manylinux2014_x86_64", "3.12", "-cp312-cp312-"),
    "glibc228": ("cryptography", "manylinux_2_28_x86_64", "3.11", "manylinux_2_28_x86_64"),
    "matching": ("pydantic-core", "manylinux2014_x86_64", "3.11", "-cp311-cp311-"),
}


class WheelCache:
    """Downloads each wheel once per test session (pip download into a session tmp folder)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.done: Dict[str, Tuple[Optional[Path], str]] = {}

    def get(self, key: str) -> Path:
        if key not in self.done:
            self.done[key] = self._download(key)
        wheel, error = self.done[key]
        if wheel is None:
            pytest.skip(error)
        return wheel

    def _download(self, key: str) -> Tuple[Optional[Path], str]:
        project, platform, version, expected = REAL_WHEELS[key]
        target = self.folder / key
        target.mkdir()
        try:
            result = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                 "--only-binary=:all:", "--no-deps", "--platform", platform, "--python-version", version,
                 "--implementation", "cp", "-d", str(target), project],
                capture_output=True, text=True, timeout=300, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"pip download {project} failed: {exc}"
        wheels = sorted(target.glob("*.whl"))
        if result.returncode != 0 or not wheels:
            return None, f"pip download {project} ({platform}, {version}) failed: {result.stderr[-300:]}"
        assert expected in wheels[0].name, f"pip picked {wheels[0].name} for {platform}/{version}"
        return wheels[0], ""


@pytest.fixture(scope="session")
def real_wheels(tmp_path_factory) -> WheelCache:
    return WheelCache(tmp_path_factory.mktemp("wheels"))


def check_real(real_wheels: WheelCache, key: str, tmp_path: Path, runtime: str, architecture: str = "x86_64"):
    wheel = real_wheels.get(key)
    archive = bundle_from_wheels([wheel], tmp_path)
    findings = check_json([str(archive)], "--select", PACKAGING, "--runtime", runtime,
                          "--architecture", architecture)
    return findings, wheel_identity(wheel), wheel


def assert_one(findings: List[dict], code: str, name: str, version: str, *phrases: str) -> dict:
    assert [f["code"] for f in findings] == [code], findings
    (finding,) = findings
    message = finding["message"]
    assert f"{name} {version}" in message, message
    for phrase in phrases:
        assert phrase in message, f"{phrase!r} not in {message!r}"
    assert finding["filename"].endswith(".zip")
    assert finding["member"].endswith(".dist-info/WHEEL") or finding["member"].endswith(".so")
    return finding


@pytest.mark.network
def test_real_macos_wheel_is_ll204(real_wheels, tmp_path):
    findings, (name, version), _ = check_real(real_wheels, "macos", tmp_path, "python3.12")
    assert name.replace("_", "-").lower() == "pydantic-core"
    assert_one(findings, "LL204", name, version, "macOS", "runs on Linux x86_64",
               "--platform manylinux2014_x86_64", "sam build --use-container")


@pytest.mark.network
def test_real_aarch64_wheel_in_x86_64_function_is_ll204(real_wheels, tmp_path):
    findings, (name, version), _ = check_real(real_wheels, "aarch64", tmp_path, "python3.12", "x86_64")
    assert_one(findings, "LL204", name, version, "Linux aarch64", "runs on Linux x86_64",
               "--platform manylinux2014_x86_64")


@pytest.mark.network
def test_real_aarch64_wheel_in_arm64_function_is_fine(real_wheels, tmp_path):
    findings, _, _ = check_real(real_wheels, "aarch64", tmp_path, "python3.12", "arm64")
    assert findings == []


@pytest.mark.network
def test_real_cp312_wheel_under_python311_is_ll205(real_wheels, tmp_path):
    findings, (name, version), _ = check_real(real_wheels, "cp312", tmp_path, "python3.11")
    assert_one(findings, "LL205", name, version, "cp312", "CPython 3.11", "--python-version 3.11")


@pytest.mark.network
def test_real_manylinux_2_28_wheel_is_ll206_under_python311(real_wheels, tmp_path):
    findings, (name, version), wheel = check_real(real_wheels, "glibc228", tmp_path, "python3.11")
    assert "manylinux_2_28_x86_64" in wheel.name
    assert_one(findings, "LL206", name, version, "glibc 2.28", "Amazon Linux 2 (glibc 2.26)",
               "manylinux2014", "python3.12")


@pytest.mark.network
def test_real_manylinux_2_28_wheel_is_fine_under_python312(real_wheels, tmp_path):
    findings, _, _ = check_real(real_wheels, "glibc228", tmp_path, "python3.12")
    assert findings == []


@pytest.mark.network
def test_real_matching_manylinux2014_wheel_gets_none_of_the_three(real_wheels, tmp_path):
    findings, _, wheel = check_real(real_wheels, "matching", tmp_path, "python3.11")
    assert "manylinux2014_x86_64" in wheel.name
    assert findings == []


@pytest.mark.network
def test_real_wheels_together_one_finding_per_distribution(real_wheels, tmp_path):
    """A matching wheel next to a manylinux_2_28 one: only the latter is named."""
    wheels = [real_wheels.get("matching"), real_wheels.get("glibc228")]
    findings = check_json([str(bundle_from_wheels(wheels, tmp_path))], "--select", PACKAGING,
                          "--runtime", "python3.11")
    name, version = wheel_identity(wheels[1])
    assert_one(findings, "LL206", name, version)


@pytest.mark.network
def test_real_manylinux_2_28_binary_without_dist_info_is_ll206(real_wheels, tmp_path):
    """The ELF version needs alone (a vendored .so, no dist-info) must say glibc 2.28."""
    wheel = real_wheels.get("glibc228")
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "app.py").write_text(HANDLER)
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if ".dist-info/" not in name:
                archive.extract(name, bundle)
    findings = check_json([str(zip_folder(bundle, tmp_path / "bundle.zip"))], "--select", PACKAGING,
                          "--runtime", "python3.11")
    assert [f["code"] for f in findings] == ["LL206"], findings
    assert "GLIBC_2.28" in findings[0]["message"] and findings[0]["member"].endswith("_rust.abi3.so")


# -- b. the same five cases, synthetic -----------------------------------------------------------
def synthetic(tmp_path: Path, name: str, tag: str, version: str, files: Dict[str, object]) -> str:
    materialize({"function.zip": Zip({"app.py": HANDLER, **wheel_info(name, tag, version, files)})}, tmp_path)
    return str(tmp_path / "function.zip")


SYNTHETIC = {
    # key: (dist, tag, files, runtime, architecture, expected code, phrases)
    "macos": ("fastcore", "cp312-cp312-macosx_11_0_arm64",
              {"fastcore/__init__.py": "", "fastcore/_speed.cpython-312-darwin.so": Member(macho("arm64"))},
              "python3.12", "x86_64", "LL204", ("macOS", "runs on Linux x86_64")),
    "aarch64": ("fastcore", "cp312-cp312-manylinux2014_aarch64",
                {"fastcore/__init__.py": "",
                 "fastcore/_speed.cpython-312-aarch64-linux-gnu.so": Member(elf("aarch64", "2.17"))},
                "python3.12", "x86_64", "LL204", ("Linux aarch64", "runs on Linux x86_64")),
    "cp312": ("fastcore", "cp312-cp312-manylinux2014_x86_64",
              {"fastcore/__init__.py": "",
               "fastcore/_speed.cpython-312-x86_64-linux-gnu.so": Member(elf("x86_64", "2.17"))},
              "python3.11", "x86_64", "LL205", ("cp312", "CPython 3.11")),
    "glibc228": ("cryptocore", "cp311-abi3-manylinux_2_28_x86_64",
                 {"cryptocore/__init__.py": "", "cryptocore/_rust.abi3.so": Member(elf("x86_64", "2.28"))},
                 "python3.11", "x86_64", "LL206", ("glibc 2.28", "glibc 2.26")),
    "matching": ("fastcore", "cp311-cp311-manylinux2014_x86_64",
                 {"fastcore/__init__.py": "",
                  "fastcore/_speed.cpython-311-x86_64-linux-gnu.so": Member(elf("x86_64", "2.17"))},
                 "python3.11", "x86_64", None, ()),
}


@pytest.mark.parametrize("key", sorted(SYNTHETIC))
def test_synthetic_wheel(key, tmp_path):
    dist, tag, files, runtime, architecture, code, phrases = SYNTHETIC[key]
    archive = synthetic(tmp_path, dist, tag, "1.2.3", files)
    findings = check_json([archive], "--select", PACKAGING, "--runtime", runtime, "--architecture", architecture)
    if code is None:
        assert findings == []
    else:
        finding = assert_one(findings, code, dist, "1.2.3", *phrases)
        # the tag and the binary are both evidence: one finding for the distribution, naming both
        assert "and 1 more file(s)" in finding["message"], finding["message"]


def test_synthetic_manylinux_2_28_is_fine_under_python312(tmp_path):
    dist, tag, files, *_ = SYNTHETIC["glibc228"]
    findings = check_json([synthetic(tmp_path, dist, tag, "1.2.3", files)], "--select", PACKAGING,
                          "--runtime", "python3.12")
    assert findings == []


def test_synthetic_aarch64_is_fine_in_an_arm64_function(tmp_path):
    dist, tag, files, *_ = SYNTHETIC["aarch64"]
    findings = check_json([synthetic(tmp_path, dist, tag, "1.2.3", files)], "--select", PACKAGING,
                          "--runtime", "python3.12", "--architecture", "arm64")
    assert findings == []


def test_synthetic_binaries_are_judged_by_header_without_dist_info(tmp_path):
    """No WHEEL tag to go by: the Mach-O named like a Linux module and the ELF needing 2.28."""
    materialize({"function.zip": Zip({
        "app.py": HANDLER,
        "fast/_speed.cpython-311-x86_64-linux-gnu.so": Member(macho("arm64")),
        "slow/_slow.abi3.so": Member(elf("x86_64", "2.28")),
    })}, tmp_path)
    findings = by_code(check_json([str(tmp_path / "function.zip")], "--select", PACKAGING,
                                  "--runtime", "python3.11"))
    assert sorted(findings) == ["LL204", "LL206"]
    (ll204,), (ll206,) = findings["LL204"], findings["LL206"]
    assert ll204["member"] == "fast/_speed.cpython-311-x86_64-linux-gnu.so" and "Mach-O arm64" in ll204["message"]
    assert ll206["member"] == "slow/_slow.abi3.so" and "GLIBC_2.28" in ll206["message"]


def test_deflate64_fixture_is_ll212_and_still_readable():
    with zipfile.ZipFile(DEFLATE64) as archive:
        assert [i.compress_type for i in archive.infolist()] == [9, 9]
    findings = check_json([str(DEFLATE64)])  # every rule: LL002 must not appear
    codes = [f["code"] for f in findings]
    assert "LL002" not in codes, findings
    (finding,) = [f for f in findings if f["code"] == "LL212"]
    assert finding["filename"].endswith("deflate64.zip")
    assert finding["member"] in ("app.py", "data.txt")
    message = finding["message"]
    assert "Deflate64" in message and "and 1 more" in message
    assert "stored and deflate" in message and "rebuild the zip" in message


def test_deflate64_handler_is_read_by_the_source_rules(tmp_path):
    """lambdalint reads the Deflate64 entries: the handler module is found (no LL207)."""
    findings = check_json([str(DEFLATE64)], "--select", "LL002,LL207,LL212")
    assert [f["code"] for f in findings] == ["LL212"], findings


# -- c. the acceptance scenario: six layers, a misplaced layer, a shadowed package, 260 MB -------
SAM_TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Layers:
        - !Ref ToolsLayer
        - !Ref DepsLayer
        - arn:aws:lambda:us-east-1:123456789012:layer:one:1
        - arn:aws:lambda:us-east-1:123456789012:layer:two:1
        - arn:aws:lambda:us-east-1:123456789012:layer:three:1
        - arn:aws:lambda:us-east-1:123456789012:layer:four:1
  ToolsLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layers/tools/
  DepsLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layers/deps/
      CompatibleRuntimes: [python3.12]
"""
ROW = {line.strip(): number for number, line in enumerate(SAM_TEMPLATE.splitlines(), 1)}
CODE_BYTES = 150 * MIB
LAYER_BYTES = 110 * MIB


def _under(folder: str, members: dict) -> dict:
    return {f"{folder}/{path}": value for path, value in members.items()}


@pytest.fixture
def six_layer_project(tmp_path, monkeypatch):
    materialize({
        "template.yaml": SAM_TEMPLATE,
        "src/app.py": "import requests\n\ndef handler(event, context):\n    return requests.__version__\n",
        "src/model/weights.bin": Member(size=CODE_BYTES),  # sparse
        **_under("src", wheel_info("requests", "py3-none-any", "2.32.3")),
        # a layer whose Python content is at its root, not under python/
        "layers/tools/toolbox/__init__.py": "VERSION = 1\n",
        "layers/tools/toolbox/cli.py": "def main():\n    pass\n",
        # a proper layer that also ships requests, another version, and 110 MB of data
        **_under("layers/deps/python", wheel_info("requests", "py3-none-any", "2.31.0")),
        "layers/deps/python/dataset/blob.bin": Member(size=LAYER_BYTES),  # sparse
    }, tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_six_layers_misplaced_layer_shadowed_package_and_260_mb(six_layer_project):
    total = CODE_BYTES + LAYER_BYTES + len(HANDLER)  # ~260 MB, whatever the small files add
    assert total > 262_144_000
    findings = by_code(check_json(["."], "--select", "LL202,LL203,LL209,LL210"))
    assert sorted(findings) == ["LL202", "LL203", "LL209", "LL210"], findings
    (ll203,), (ll209,), (ll210,), (ll202,) = (findings[c] for c in ("LL203", "LL209", "LL210", "LL202"))
    for finding in (ll203, ll209, ll210, ll202):
        assert finding["filename"] == "template.yaml"

    # LL203 on the function's Layers line
    assert ll203["location"]["row"] == ROW["Layers:"]
    assert "OrdersFunction has 6 layers" in ll203["message"]
    assert "at most 5" in ll203["message"]
    assert "merge layers or move dependencies into the function's package" in ll203["message"]

    # LL209 on the misplaced layer's ContentUri
    assert ll209["location"]["row"] == ROW["ContentUri: layers/tools/"]  # once per layer, on the layer
    assert "ToolsLayer" in ll209["message"] and "outside python/" in ll209["message"]
    assert "toolbox/" in ll209["message"]
    assert "/opt/python" in ll209["message"] and "move it under python/" in ll209["message"]

    # LL210 on the layer that ships the shadowed copy, naming both versions
    assert ll210["location"]["row"] == ROW["- !Ref DepsLayer"]
    message = ll210["message"]
    assert "'requests'" in message and "2.32.3" in message and "2.31.0" in message
    assert message.index("2.32.3") < message.index("2.31.0")  # the function's copy wins
    assert "the function's code" in message and "DepsLayer" in message and "keep one" in message

    # LL202 on the CodeUri line: the total and each artifact
    assert ll202["location"]["row"] == ROW["CodeUri: src/"]
    message = ll202["message"]
    assert "262,144,000 bytes" in message
    assert f"{(CODE_BYTES + LAYER_BYTES) / MIB:.0f}." in message  # "260.0 MB" give or take the small files
    assert "function code (150.0 MB)" in message
    assert "DepsLayer (110.0 MB)" in message
    assert "plus 4 layer(s) not available locally" in message
    assert "model/ (150.0 MB)" in message  # the code's largest top-level entry


def test_ll202_message_says_what_to_do(six_layer_project):
    (ll202,) = check_json(["."], "--select", "LL202")
    assert re.search(r"container image|S3|/tmp|remove|trim|exclude", ll202["message"]), ll202["message"]


def test_six_layer_scenario_under_all_rules_keeps_the_same_findings(six_layer_project):
    """Every rule enabled: the four findings are still there, with the same rows, and the 260 MB of
    sparse data does not get LL002 (nothing needs to read it)."""
    findings = by_code(check_json(["."]))
    assert "LL002" not in findings, findings.get("LL002")
    for code, row in (("LL203", "Layers:"), ("LL209", "ContentUri: layers/tools/"), ("LL210", "- !Ref DepsLayer"),
                      ("LL202", "CodeUri: src/")):
        assert [f["location"]["row"] for f in findings[code]] == [ROW[row]], (code, findings[code])


def test_five_layers_under_python_and_240_mb_get_none_of_them(tmp_path, monkeypatch):
    """The negative of the scenario: five layers, all under python/, one copy of requests, 240 MB."""
    template = SAM_TEMPLATE.replace("        - arn:aws:lambda:us-east-1:123456789012:layer:four:1\n", "")
    materialize({
        "template.yaml": template,
        "src/app.py": "import requests\n\ndef handler(event, context):\n    return requests.__version__\n",
        "src/model/weights.bin": Member(size=130 * MIB),
        "layers/tools/python/toolbox/__init__.py": "VERSION = 1\n",
        **_under("layers/deps/python", wheel_info("requests", "py3-none-any", "2.31.0")),
        "layers/deps/python/dataset/blob.bin": Member(size=110 * MIB),
    }, tmp_path)
    monkeypatch.chdir(tmp_path)
    assert check_json(["."], "--select", "LL202,LL203,LL209,LL210") == []
