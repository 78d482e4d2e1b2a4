"""`lambdalint size`: sizes against the limits per function, artifact and package; text, json and
a self-contained html page with a treemap (checked in headless Chromium when it is installed)."""
import json
import re
import shutil
import subprocess
import struct
import zlib
from pathlib import Path

import pytest

from lambdalint.rules.base import Member, Zip
from support import materialize, run_cli

EVIL = "<script>alert(1)</script>"
EVIL_PACKAGE = "<img src=x onerror=alert(2)>"
EVIL_LAYER = "</script><script>alert(3)</script>"

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn.zip
      Handler: app.handler
      Runtime: python3.12
      Layers:
        - !Ref Deps
        - arn:aws:lambda:us-east-1:123456789012:layer:extension:7
  Deps:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: deps.zip
"""
SITE = "python/lib/python3.12/site-packages/"
HANDLER = "import mylib\n\ndef handler(event, context):\n    return mylib.VALUE\n"
MYLIB = "VALUE = 1\n"
TEST_FILE = "def test_value():\n    assert True\n"
REQUESTS = "# requests\n" * 500
SIX = "# six\n" * 50
RECORD = (f"requests/__init__.py,,{len(REQUESTS)}\n"
          "requests-2.31.0.dist-info/METADATA,,\nrequests-2.31.0.dist-info/RECORD,,\n")
METADATA = "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n\nlong description\n"


def project(root: Path) -> None:
    materialize({
        "template.yaml": TEMPLATE,
        "fn.zip": Zip({
            "app.py": HANDLER,
            "mylib/__init__.py": MYLIB,
            "mylib/model.bin": Member(size=300_000),
            "mylib/tests/test_value.py": TEST_FILE,
        }),
        "deps.zip": Zip({
            SITE + "requests/__init__.py": REQUESTS,
            SITE + "requests-2.31.0.dist-info/METADATA": METADATA,
            SITE + "requests-2.31.0.dist-info/RECORD": RECORD,
            "python/six.py": SIX,
        }),
        "spare-layer.zip": Zip({"python/spare/__init__.py": "X = 1\n"}),
    }, root)


def size_json(*args):
    result = run_cli(["size", *args, "--output-format", "json", "--isolated"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["functions"]


def test_json_shape_and_numbers(tmp_path, monkeypatch):
    project(tmp_path)
    monkeypatch.chdir(tmp_path)
    fn, spare = size_json(".")

    code_bytes = len(HANDLER) + len(MYLIB) + 300_000 + len(TEST_FILE)
    layer_bytes = len(REQUESTS) + len(METADATA) + len(RECORD) + len(SIX)
    assert fn["function"] == "Fn" and fn["runtime"] == "python3.12"
    assert fn["zipped_bytes"] == (tmp_path / "fn.zip").stat().st_size
    assert fn["zipped_limit"] == 52_428_800 and fn["unzipped_limit"] == 262_144_000
    assert fn["unzipped_bytes"] == code_bytes + layer_bytes

    code, deps, arn = fn["artifacts"]
    assert (code["name"], code["kind"], code["path"], code["available"]) == ("code", "code", "fn.zip", True)
    assert code["zipped_bytes"] == (tmp_path / "fn.zip").stat().st_size
    assert code["unzipped_bytes"] == code_bytes
    assert code["packages"] == [
        {"name": "mylib", "distribution": None, "version": None,
         "bytes": len(MYLIB) + 300_000 + len(TEST_FILE)},
        {"name": "app", "distribution": None, "version": None, "bytes": len(HANDLER)},
    ]
    assert code["bloat"] == [{"category": "tests folders", "bytes": len(TEST_FILE), "files": 1}]

    assert (deps["name"], deps["kind"], deps["path"], deps["available"]) == ("Deps", "layer", "deps.zip", True)
    assert deps["zipped_bytes"] == (tmp_path / "deps.zip").stat().st_size
    assert deps["unzipped_bytes"] == layer_bytes
    assert deps["packages"] == [  # import names: python/ and site-packages/ are stripped
        {"name": "requests", "distribution": "requests", "version": "2.31.0", "bytes": len(REQUESTS)},
        {"name": "six", "distribution": None, "version": None, "bytes": len(SIX)},
        {"name": "requests-2.31.0.dist-info", "distribution": "requests", "version": "2.31.0",
         "bytes": len(METADATA) + len(RECORD)},
    ]
    assert deps["bloat"] == []

    assert arn == {"name": "arn:aws:lambda:us-east-1:123456789012:layer:extension:7", "kind": "layer",
                   "path": None, "zipped_bytes": None, "unzipped_bytes": None, "available": False,
                   "packages": [], "bloat": []}

    # A layer zip that no function uses is an entry of its own.
    assert spare["function"] == "spare-layer.zip"
    assert spare["zipped_bytes"] == (tmp_path / "spare-layer.zip").stat().st_size
    assert [a["kind"] for a in spare["artifacts"]] == ["layer"]
    assert spare["artifacts"][0]["packages"][0]["name"] == "spare"
    assert spare["unzipped_bytes"] == len("X = 1\n")


def test_folder_bundle_has_no_zipped_size_and_sorts_packages(tmp_path):
    materialize({
        "app.py": "def handler(e, c):\n    return 1\n",
        "b_pkg/__init__.py": "x" * 100,
        "a_pkg/__init__.py": "x" * 100,
        "big/__init__.py": "x" * 1000,
        "big/__pycache__/__init__.cpython-311.pyc": b"\0" * 64,
        "big/__pycache__/__init__.cpython-312.pyc": b"\0" * 64,
        "big/core.pyi": "x: int\n",
    }, tmp_path)
    (fn,) = size_json(str(tmp_path))
    assert fn["zipped_bytes"] is None and fn["artifacts"][0]["zipped_bytes"] is None
    names = [p["name"] for p in fn["artifacts"][0]["packages"]]
    assert names == ["big", "a_pkg", "b_pkg", "app"]  # bytes descending, then name
    bloat = {row["category"]: row for row in fn["artifacts"][0]["bloat"]}
    assert bloat["bytecode for another Python"] == {"category": "bytecode for another Python",
                                                    "bytes": 64, "files": 1}
    assert bloat["type stubs (.pyi)"]["bytes"] == len("x: int\n")


def test_text_output(tmp_path, monkeypatch):
    project(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run_cli(["size", ".", "--isolated"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("Fn  python3.12\n")
    assert re.search(r"zipped +0\.\d MB of 50\.0 MB \(0\.\d%", text)
    assert re.search(r"unzipped +0\.3 MB of 250\.0 MB \(0\.1%", text)
    assert "not available locally" in text and "+ 1 artifact(s) not available locally" in text
    assert "largest packages" in text and "requests (requests 2.31.0)" in text
    assert "tests folders" in text
    assert "spare-layer.zip  python3.12" in text


def test_over_the_limit_is_flagged(tmp_path):
    materialize({"app.py": "def handler(e, c):\n    return 1\n",
                 "model/weights.bin": Member(size=270_000_000)}, tmp_path)  # sparse on disk
    text = run_cli(["size", str(tmp_path), "--isolated"]).stdout
    assert "OVER THE LIMIT" in text and "(103.0%" in text
    page = run_cli(["size", str(tmp_path), "--isolated", "--output-format", "html"]).stdout
    assert 'class="fill over"' in page and "over the limit" in page


def html_project(root: Path) -> None:
    """The test project plus names that would inject markup if they were not escaped."""
    project(root)
    materialize({
        "template.yaml": TEMPLATE.replace("layer:extension:7", "layer:extension:7\n        - " + json.dumps(EVIL_LAYER)),
        "fn.zip": Zip({
            "app.py": HANDLER,
            "mylib/__init__.py": MYLIB,
            f"{EVIL_PACKAGE}/__init__.py": "X = 1\n" * 2000,
            "evil-1.0.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {EVIL}\nVersion: 1.0\n",
            "evil-1.0.dist-info/RECORD": f"{EVIL_PACKAGE}/__init__.py,,\nevil-1.0.dist-info/METADATA,,\n",
        }),
    }, root)


def embedded_data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="lambdalint-size-data">(.*?)</script>', page, re.S)
    assert match
    return json.loads(match.group(1))


def test_html_embeds_the_data_and_loads_nothing_from_the_network(tmp_path, monkeypatch):
    html_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run_cli(["size", ".", "--isolated", "--output-format", "html", "--output-file", "out/size.html"])
    assert result.exit_code == 0 and result.stdout == ""
    page = (tmp_path / "out" / "size.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert embedded_data(page) == {"functions": size_json(".")}
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"""\b(src|href)\s*=\s*["']?\s*(https?:|//)""", page, re.I)
    assert not re.search(r"<(link|iframe|img|object|embed)\b", page, re.I)
    assert "@import" not in page and "url(" not in page
    assert "default-src 'none'" in page  # the browser refuses any network access too


def test_html_escapes_names_from_user_files(tmp_path, monkeypatch):
    html_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    page = run_cli(["size", ".", "--isolated", "--output-format", "html"]).stdout
    data = embedded_data(page)
    packages = {p["name"]: p for p in data["functions"][0]["artifacts"][0]["packages"]}
    assert packages[EVIL_PACKAGE]["distribution"] == EVIL  # the names survive, as data
    assert data["functions"][0]["artifacts"][3]["name"] == EVIL_LAYER
    for raw in (EVIL, EVIL_PACKAGE, EVIL_LAYER, "alert(1)</", "<img"):
        assert raw not in page
    assert len(re.findall(r"<script\b", page)) == 2 and page.count("</script>") == 2
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown, escaped, in the summary
    assert "textContent" in page and "innerHTML" not in page


# -- a real browser ----------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def chromium(tmp_path: Path, page: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
         "--window-size=1280,900", *args, page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=False)


def png_colours(path: Path) -> int:
    """Distinct RGB(A) pixel values of an 8-bit, non-interlaced PNG (what Chromium writes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], None
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, colour_type, _, _, interlace = header
    assert depth == 8 and interlace == 0 and colour_type in (2, 6)
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    previous = bytearray(stride)
    colours = set()
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        if row % 4 == 0:  # a sample of the rows is plenty
            colours.update(bytes(line[i:i + 3]) for i in range(0, stride, channels * 2))
        previous = line
    return len(colours)


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_html_page_renders_a_treemap_in_headless_chromium(tmp_path):
    work = tmp_path / "project"
    html_project(work)
    page = tmp_path / "size.html"
    result = run_cli(["size", str(work), "--isolated", "--output-format", "html", "--output-file", str(page)])
    assert result.exit_code == 0, result.output

    shot = tmp_path / "shot.png"
    run = chromium(tmp_path, page, f"--screenshot={shot}")
    assert shot.exists(), run.stderr[-2000:]
    assert shot.stat().st_size > 10_000
    assert png_colours(shot) > 12  # text, bars, swatches and treemap boxes, not a blank page

    dom = chromium(tmp_path, page, "--dump-dom").stdout
    rectangles = re.findall(r'<div class="tm tm-(fn|art|pkg)\b', dom)
    assert rectangles.count("fn") == 2  # Fn and the spare layer
    # Fn's code and Deps (the ARN layer has no bytes here); the 6-byte spare layer is too small
    # to hold a rectangle of its own inside its function's.
    assert rectangles.count("art") >= 2
    assert rectangles.count("pkg") >= 6
    assert "<img" not in dom and len(re.findall(r"<script\b", dom)) == 2  # nothing injected
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # the name is shown as text


def test_inline_code_and_folder_layer(tmp_path):
    materialize({
        "template.yaml": TEMPLATE.replace("CodeUri: fn.zip", 'InlineCode: "def handler(e, c): pass"')
                                 .replace("ContentUri: deps.zip", "ContentUri: layer/"),
        SITE.replace("python/", "layer/python/", 1) + "foo/__init__.py": "x = 1\n",
    }, tmp_path)
    (fn,) = size_json(str(tmp_path))
    code, layer, arn = fn["artifacts"]
    assert not code["available"] and code["path"] is None and fn["zipped_bytes"] is None
    assert layer["available"] and layer["zipped_bytes"] is None
    assert layer["packages"] == [{"name": "foo", "distribution": None, "version": None, "bytes": 6}]
    assert fn["unzipped_bytes"] == 6 and not arn["available"]
    text = run_cli(["size", str(tmp_path), "--isolated"]).stdout
    assert "code not available locally" in text and "+ 2 artifact(s) not available locally" in text
