"""Writes to the file system (LL301 write-outside-tmp, LL302 tmp-not-cleaned, LL303 fixed-tmp-path):
every entry of the write-sink table (data/write_sinks.toml), receivers of generic method names,
the working directory after os.chdir, and paths passed into helper functions."""
import pytest

from lambdalint.analysis.writes import sinks
from lambdalint.data import table
from support import check_json, materialize

HANDLER = "import os, shutil\nfrom pathlib import Path\n\n\ndef handler(event, context):\n    {line}\n"
ENTRIES = [sink for table in sinks().values() for sink in table.values()]


def findings(tmp_path, monkeypatch, files, select="LL301,LL302,LL303"):
    materialize(files, tmp_path)
    monkeypatch.chdir(tmp_path)
    return check_json(["."], "--select", select)


def located(found):
    return [(f["code"], f["filename"], f["location"]["row"]) for f in found]


def test_every_sink_has_an_example():
    assert len(ENTRIES) == sum(1 for _ in table("write_sinks")["sink"])  # no name given twice
    for sink in ENTRIES:
        assert "{path}" in sink.example, sink.name
        assert sink.kind in ("function", "mode", "path-method", "method"), sink.name


def _expected_what(sink) -> str:
    if sink.kind == "mode":
        return "open(…, " if sink.name == "builtins.open" else f"{sink.name}(…, "
    if sink.kind == "function":
        return f"{sink.name}({sink.keyword}=…)" if sink.position is None else f"{sink.name}()"
    if sink.kind == "path-method":
        return f"Path.{sink.name}("
    return sink.shown or f".{sink.name}()"


@pytest.mark.parametrize("sink", ENTRIES, ids=lambda sink: f"{sink.kind}-{sink.name}")
def test_write_sink(sink, tmp_path, monkeypatch):
    """Each table entry: reported with a relative path, not with a /tmp path."""
    found = findings(tmp_path, monkeypatch, {
        "outside.py": HANDLER.format(line=sink.example.format(path="'out/data.bin'")),
        "inside.py": HANDLER.format(line=sink.example.format(path="'/tmp/out/data.bin'")),
    }, "LL301")
    assert located(found) == [("LL301", "outside.py", 6)], found
    assert found[0]["message"].startswith(_expected_what(sink)), found[0]["message"]
    assert "'out/data.bin', relative to the read-only code folder /var/task" in found[0]["message"]


def test_miss_pillow_save(tmp_path, monkeypatch):
    found = findings(tmp_path, monkeypatch, {"service.py": (
        "from PIL import Image\n\n\ndef handler(event, context):\n"
        "    img = Image.new('RGB', (128, 128), 'white')\n"
        "    img.save('/tmp/demo.jpg')\n"
        "    with Image.open('/tmp/in.jpg') as image:\n"
        "        image.save('/tmp/out.jpg')\n"
        "    Image.open('/tmp/in2.jpg').save('/tmp/out2.jpg')\n"
        "    img.save('out3.jpg')\n"
        "    Image.open('/tmp/in3.jpg').convert('L').resize((8, 8)).save('thumbs/small.png')\n"
        "    return 1\n")})
    assert located(found) == [("LL303", "service.py", 6), ("LL303", "service.py", 8), ("LL303", "service.py", 9),
                              ("LL301", "service.py", 10), ("LL301", "service.py", 11)]
    assert found[1]["message"].startswith("Image.save() writes the fixed path '/tmp/out.jpg'")
    assert found[3]["message"].startswith("Image.save() writes to 'out3.jpg', relative to the read-only")


@pytest.mark.parametrize("code", [
    "import boto3\n\ndef handler(event, context):\n    session = boto3.Session()\n    session.save('out.jpg')\n",
    "from django.db import models\n\ndef handler(event, context):\n    order = models.Model()\n    order.save()\n",
    "from keras import models\n\ndef handler(event, context):\n    models.load_model('/opt/m').save('model.h5')\n",
    "from PIL import Image\n\ndef handler(event, context):\n    doc = event['doc']\n    doc.save('out.png')\n",
    "from PIL import Image\n\ndef handler(event, context):\n    img = Image.open('/tmp/a.png')\n"
    "    img = img.thumbnail((8, 8))\n    img.save('b.png')\n",
], ids=["session", "django-model", "keras-model", "unknown-receiver", "name-bound-twice"])
def test_generic_save_is_not_a_write_without_a_pillow_receiver(code, tmp_path, monkeypatch):
    assert findings(tmp_path, monkeypatch, {"app.py": code}) == []


def test_extractall_without_a_path_writes_to_the_working_directory(tmp_path, monkeypatch):
    found = findings(tmp_path, monkeypatch, {
        "app.py": "import zipfile\n\ndef handler(event, context):\n    zipfile.ZipFile('/tmp/a.zip').extractall()\n",
        "chdir.py": "import os, tarfile\n\ndef handler(event, context):\n    os.chdir('/tmp/work')\n"
                    "    with tarfile.open('/tmp/a.tar') as archive:\n        archive.extractall()\n"})
    assert located(found) == [("LL301", "app.py", 4), ("LL303", "chdir.py", 6)]
    assert found[0]["message"].startswith(".extractall() writes to '.', relative to the read-only")
    assert "the fixed path '/tmp/work'" in found[1]["message"]


def test_files_opened_for_a_library_are_writes(tmp_path, monkeypatch):
    """pickle.dump and download_fileobj into an opened file: the open(..., 'wb') is the write."""
    found = findings(tmp_path, monkeypatch, {"app.py": (
        "import pickle, boto3\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n"
        "    pickle.dump(event, open('state.pkl', 'wb'))\n"
        "    with open('/var/data/k.bin', 'wb') as out:\n        s3.download_fileobj('b', 'k', out)\n"
        "    s3.download_fileobj('b', 'k', open('/tmp/k.bin', 'rb+'))\n")}, "LL301")
    assert located(found) == [("LL301", "app.py", 5), ("LL301", "app.py", 6)]


def test_ok_ll301_coverage(tmp_path, monkeypatch):
    """Every kind of write the catalogue lists, each reported once, plus a file next to the module."""
    found = findings(tmp_path, monkeypatch, {"app.py": (
        "import logging\nimport os\nimport shutil\nimport sqlite3\nimport tarfile\nimport tempfile\n"
        "import zipfile\nfrom pathlib import Path\n\nimport boto3\nimport pandas as pd\n\n"
        "s3 = boto3.client('s3')\n\n\ndef handler(event, context):\n"
        "    open('out1.txt', 'w').write('x')\n    Path('out2.txt').write_text('x')\n"
        "    os.makedirs('cache', exist_ok=True)\n    shutil.copy('/tmp/a', 'out4.txt')\n"
        "    tempfile.mkstemp(dir='work')\n    zipfile.ZipFile('out6.zip', 'w')\n"
        "    tarfile.open('out7.tar.gz', 'w:gz')\n    sqlite3.connect('db8.sqlite')\n"
        "    logging.FileHandler('app9.log')\n    s3.download_file('b', 'k', 'out10.bin')\n"
        "    pd.DataFrame().to_csv('out11.csv')\n    df = pd.read_csv('/tmp/x.csv')\n"
        "    df.to_parquet('out12.parquet')\n"
        "    with open(os.path.join(os.path.dirname(__file__), 'data.json'), 'w') as f:\n"
        "        f.write('x')\n    return 1\n")})
    assert located(found) == [("LL301", "app.py", row) for row in (*range(17, 28), 29, 30)]
    messages = [f["message"] for f in found]
    assert messages[0].startswith("open(…, 'w') writes to 'out1.txt', relative to the read-only code folder")
    assert messages[4].startswith("tempfile.mkstemp(dir=…) writes to 'work'")
    assert messages[9].startswith(".download_file() writes to 'out10.bin'")
    assert messages[12].startswith("open(…, 'w') writes to '/var/task…', in the read-only code folder")


def test_path_next_to_the_module_through_pathlib(tmp_path, monkeypatch):
    found = findings(tmp_path, monkeypatch, {"app.py": (
        "from pathlib import Path\nHERE = Path(__file__).resolve().parent\n\n"
        "def handler(event, context):\n    (HERE / 'cache.json').write_text('x')\n"
        "    (Path('/tmp') / 'ok.json').write_text('x')\n    return Path(__file__).read_text()\n")}, "LL301")
    assert located(found) == [("LL301", "app.py", 5)]


# --- the working directory after os.chdir

@pytest.mark.parametrize("files, expected", [
    ({"app.py": "import os\nos.chdir('/tmp')\n\ndef handler(event, context):\n    open('out.txt', 'w')\n"},
     [("LL303", "app.py", 5)]),
    ({"app.py": "import os\n\ndef save():\n    open('out.txt', 'w')\n\n"
                "def handler(event, context):\n    os.chdir('/tmp')\n    save()\n"},
     [("LL303", "app.py", 4)]),
    ({"app.py": "import os\n\ndef handler(event, context):\n    open('a.txt', 'w')\n    os.chdir('/tmp')\n"
                "    open('b.txt', 'w')\n"},
     [("LL301", "app.py", 4), ("LL303", "app.py", 6)]),
    ({"app.py": "import os\n\ndef handler(event, context):\n    os.chdir('/var/task/data')\n    open('b.txt', 'w')\n"},
     [("LL301", "app.py", 5)]),
    ({"app.py": "import os\n\ndef save():\n    open('out.txt', 'w')\n\n"
                "def handler(event, context):\n    os.chdir(event['dir'])\n    save()\n"}, []),
    ({"app.py": "import os\n\ndef save():\n    open('out.txt', 'w')\n\ndef other():\n    os.chdir('/mnt/efs')\n\n"
                "def handler(event, context):\n    os.chdir('/tmp')\n    other()\n    save()\n"}, []),
], ids=["module-level-chdir", "chdir-in-the-caller", "before-and-after", "chdir-outside-tmp",
        "unknown-folder", "two-different-folders"])
def test_relative_paths_after_chdir(files, expected, tmp_path, monkeypatch):
    assert located(findings(tmp_path, monkeypatch, files)) == expected


# --- paths passed into helper functions

HELPER = "import os, uuid\n\n\ndef write_report(path, data):\n    with open(path, 'wb') as f:\n        f.write(data)\n\n\n"


def test_miss_ll302_helper_param(tmp_path, monkeypatch):
    found = findings(tmp_path, monkeypatch, {"app.py": HELPER + (
        "def lambda_handler(event, context):\n"
        "    out_path = f'/tmp/converted-{uuid.uuid4()}.pdf'\n"
        "    write_report(out_path, b'x')\n"
        "    with open(f'/tmp/direct-{uuid.uuid4()}.pdf', 'wb') as f:\n        f.write(b'y')\n"
        "    return out_path\n")})
    assert located(found) == [("LL302", "app.py", 11), ("LL302", "app.py", 12)]
    assert found[0]["message"].startswith("open(…, 'wb') in write_report() writes a uniquely named file in /tmp")


@pytest.mark.parametrize("body, expected", [
    ("    write_report(data=b'x', path='reports/today.pdf')\n", [("LL301", 14)]),
    ("    write_report('/tmp/report.pdf', b'x')\n", [("LL303", 14)]),
    ("    write_report(event['path'], b'x')\n", []),
    ("    p = f'/tmp/{uuid.uuid4()}.pdf'\n    write_report(p, b'x')\n    os.remove(p)\n", []),
    ("    p = '/tmp/cache.pdf'\n    if not os.path.exists(p):\n        write_report(p, b'x')\n", []),
    ("    forward(f'/tmp/{context.aws_request_id}.pdf')\n", [("LL302", 14)]),
    ("    forward('out.pdf')\n", [("LL301", 14)]),
    ("    write_report = print\n    write_report('out.pdf', b'x')\n", []),
    ("    write_report(*event['args'])\n", []),
], ids=["keywords-relative", "fixed-tmp", "from-the-event", "removed-by-the-caller", "cache-guard",
        "two-calls-deep", "two-calls-deep-relative", "shadowed-name", "star-args"])
def test_paths_passed_into_helpers(body, expected, tmp_path, monkeypatch):
    code = HELPER + "def forward(target):\n    write_report(target, b'z')\n\n\n" \
        + "def handler(event, context):\n" + body
    found = findings(tmp_path, monkeypatch, {"app.py": code})
    assert [(f["code"], f["location"]["row"]) for f in found] == expected


def test_helper_that_removes_the_file_it_wrote(tmp_path, monkeypatch):
    code = ("import os, uuid\n\ndef convert(path):\n    try:\n        open(path, 'w').write('x')\n"
            "    finally:\n        os.remove(path)\n\n"
            "def handler(event, context):\n    convert(f'/tmp/{uuid.uuid4()}')\n    convert('/tmp/fixed.txt')\n")
    assert findings(tmp_path, monkeypatch, {"app.py": code}) == []
