"""The wheel: what `pip install .` (not editable) gives a user."""
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lambdalint.rules import ALL_RULES

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True)
    return next(out.glob("lambdalint-*.whl"))


@pytest.mark.slow
def test_wheel_ships_rule_pages_and_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for rule in ALL_RULES:
        assert f"lambdalint/rule_docs/{rule.code}.md" in names
    tables = sorted(path.name for path in (ROOT / "src" / "lambdalint" / "data").glob("*.toml"))
    assert {"quotas.toml", "runtimes.toml", "event_sources.toml", "snapstart.toml",
            "runtime_modules.toml", "permission_principals.toml"} <= set(tables)
    for table in tables:  # every table a rule reads, the new ones included
        assert f"lambdalint/data/{table}" in names


@pytest.mark.slow
def test_rule_page_is_read_from_the_installed_package(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from lambdalint.cli import main;"
            "import lambdalint.docs as d; print(d.docs_folder(), file=sys.stderr);"
            "sys.argv = ['lambdalint', 'rule', 'LL501']; main()")
    result = subprocess.run([sys.executable, "-c", code, str(site)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert str(site) in result.stderr  # the page came from the wheel, not from the checkout
    assert result.stdout.startswith("# LL501: async-without-failure-destination")
