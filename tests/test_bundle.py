"""The Bundle type: a folder and a zip archive seen the same way, zips read from their central
directory only, reads capped, unreadable archives raising BundleError."""
from __future__ import annotations

import io
import os
import random
import stat
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lambdalint.limits import MAX_READ_BYTES
from lambdalint.model.bundle import BundleError, FolderBundle, ZipBundle, open_bundle
from lambdalint.rules.base import Member
from support import materialize, write_zip

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEFLATE64_ZIP = FIXTURES / "deflate64" / "deflate64.zip"
# The fixture's inputs, as fixtures/deflate64/README.md describes them.
DEFLATE64_APP = (b'import json\n\n\ndef handler(event, context):\n'
                 b'    return {"statusCode": 200, "body": json.dumps({"ok": True})}\n')
DEFLATE64_DATA = "".join(
    f"line {i:04d}: the quick brown fox jumps over the lazy dog\n" for i in range(1, 2001)
).encode()

HANDLER = "def handler(event, context):\n    return {'ok': True}\n"
LINK_TARGET = "app.py"

# One project, written both as a zip (write_zip) and as a folder (materialize).
CONTENT = {
    "app.py": HANDLER,
    "pkg/": Member(is_dir=True, mode=0o755),
    "pkg/__init__.py": "",
    "pkg/run.sh": Member("#!/bin/sh\necho hi\n", mode=0o755),
    "pkg/secret.cfg": Member("token = 1\n", mode=0o600),
    "pkg/blob.bin": Member(size=200_000),  # incompressible: stored
    "pkg/data.txt": Member("all work and no play\n", size=300_000),  # compressible: deflated
}


def _make_zip(path: Path) -> Path:
    write_zip(path, CONTENT)
    with zipfile.ZipFile(path, "a") as archive:  # write_zip has no symlinks: add one by hand
        info = zipfile.ZipInfo("link.py")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, LINK_TARGET)
    return path


def _make_folder(root: Path) -> Path:
    materialize({name: value for name, value in CONTENT.items() if not name.endswith("/")}, root)
    os.symlink(LINK_TARGET, root / "link.py")
    return root


def _data_offset(raw: bytes, info: zipfile.ZipInfo) -> int:
    """Where an entry's compressed bytes start (after its local header)."""
    name_len, extra_len = struct.unpack_from("<HH", raw, info.header_offset + 26)
    return info.header_offset + 30 + name_len + extra_len


def _patch_headers(raw: bytes, name: str, central_offset: int, local_offset: int, value: int,
                   fmt: str = "<I") -> bytes:
    """Overwrite one field of an entry in both its central-directory and local headers."""
    data = bytearray(raw)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        info = archive.getinfo(name)
    struct.pack_into(fmt, data, info.header_offset + local_offset, value)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, central + 28)
        if bytes(data[central + 46:central + 46 + name_len]).decode() == name:
            struct.pack_into(fmt, data, central + central_offset, value)
        central = data.find(b"PK\x01\x02", central + 46 + name_len + extra_len + comment_len)
    return bytes(data)


def _small_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("app.py", HANDLER * 10)
        archive.writestr("readme.txt", "hello\n" * 50)
        archive.writestr(zipfile.ZipInfo("stored.txt"), "plain text, stored\n")
    return buffer.getvalue()


# -- listing a zip ---------------------------------------------------------------------------------
def test_zip_entries_come_from_the_central_directory(tmp_path):
    bundle = ZipBundle(_make_zip(tmp_path / "fn.zip"), "fn.zip")
    by_path = {e.path: e for e in bundle.entries}
    assert sorted(by_path) == ["app.py", "link.py", "pkg", "pkg/__init__.py", "pkg/blob.bin",
                               "pkg/data.txt", "pkg/run.sh", "pkg/secret.cfg"]

    app = by_path["app.py"]
    assert (app.size, app.method, app.mode) == (len(HANDLER), zipfile.ZIP_DEFLATED, 0o644)
    assert not (app.is_dir or app.is_symlink or app.encrypted)

    blob = by_path["pkg/blob.bin"]
    assert (blob.size, blob.compressed_size, blob.method) == (200_000, 200_000, zipfile.ZIP_STORED)

    data = by_path["pkg/data.txt"]
    assert data.size == 300_000 and data.method == zipfile.ZIP_DEFLATED
    assert 0 < data.compressed_size < 10_000

    assert by_path["pkg/run.sh"].mode == 0o755
    assert by_path["pkg/secret.cfg"].mode == 0o600

    folder = by_path["pkg"]
    assert folder.is_dir and not folder.is_symlink and folder.size == 0 and folder.mode == 0o755

    link = by_path["link.py"]
    assert link.is_symlink and not link.is_dir
    assert link.size == len(LINK_TARGET) and link.mode == 0o777

    # The compressed sizes are the central directory's, byte for byte.
    with zipfile.ZipFile(bundle.path) as archive:
        for info in archive.infolist():
            entry = by_path[info.filename.rstrip("/")]
            assert (entry.size, entry.compressed_size, entry.method) == (
                info.file_size, info.compress_size, info.compress_type)
    assert bundle.files() == [e for e in bundle.entries if not e.is_dir]
    assert bundle.unzipped_size == sum(e.size for e in bundle.entries if not e.is_dir)


def test_listing_a_zip_opens_no_member(tmp_path, monkeypatch):
    path = _make_zip(tmp_path / "fn.zip")

    def refuse(*args, **kwargs):
        raise AssertionError("listing must not open a member")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)
    monkeypatch.setattr(zipfile.ZipFile, "read", refuse)
    assert len(ZipBundle(path, "fn.zip").entries) == 8


@pytest.mark.parametrize("damage", ["deflate-stream", "local-header"])
def test_member_with_corrupt_data_still_lists_but_read_raises(tmp_path, damage):
    path = _make_zip(tmp_path / "fn.zip")
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("pkg/data.txt")
    if damage == "deflate-stream":
        start = _data_offset(bytes(raw), info)
        raw[start:start + 64] = b"\xff" * 64  # 0b11 is an invalid deflate block type
    else:
        raw[info.header_offset:info.header_offset + 4] = b"XXXX"  # local header signature
    path.write_bytes(bytes(raw))

    bundle = ZipBundle(path, "fn.zip")
    entry = bundle.entry("pkg/data.txt")
    assert entry is not None and entry.size == 300_000  # listed from the central directory
    with pytest.raises(BundleError, match="pkg/data.txt"):
        bundle.read("pkg/data.txt")
    assert bundle.read("app.py") == HANDLER.encode()  # the other members are unaffected


def test_encrypted_entry_is_flagged_and_read_raises(tmp_path):
    path = tmp_path / "enc.zip"
    path.write_bytes(_patch_headers(_small_zip(), "app.py", 8, 6, 0x1, "<H"))  # flag bit 0
    bundle = ZipBundle(path, "enc.zip")
    assert bundle.entry("app.py").encrypted
    assert not bundle.entry("readme.txt").encrypted
    with pytest.raises(BundleError, match="encrypted"):
        bundle.read("app.py")


# -- a folder is seen like a zip -------------------------------------------------------------------
def test_folder_lists_the_same_paths_sizes_and_modes_as_the_zip(tmp_path):
    zipped = ZipBundle(_make_zip(tmp_path / "fn.zip"), "fn.zip")
    folder = FolderBundle(_make_folder(tmp_path / "fn"), "fn")

    def listing(bundle):
        return sorted((e.path, e.size, e.is_dir, e.is_symlink) for e in bundle.entries)

    assert listing(folder) == listing(zipped)
    file_modes = {e.path: e.mode for e in zipped.files()}
    assert {e.path: e.mode for e in folder.files()} == file_modes
    assert all(e.method is None and e.compressed_size == e.size for e in folder.entries)
    assert folder.read("app.py") == zipped.read("app.py") == HANDLER.encode()
    assert folder.read("pkg/run.sh") == zipped.read("pkg/run.sh") == b"#!/bin/sh\necho hi\n"


def test_open_bundle_picks_the_kind(tmp_path):
    assert isinstance(open_bundle(_make_folder(tmp_path / "fn"), "fn"), FolderBundle)
    zipped = open_bundle(_make_zip(tmp_path / "fn.zip"), "fn.zip")
    assert isinstance(zipped, ZipBundle) and zipped.is_zip


def test_folder_skips_tool_folders_virtualenvs_and_nested_zips(tmp_path):
    materialize({
        "app.py": HANDLER,
        ".git/config": "x",
        "__pycache__/app.cpython-312.pyc": b"\0",
        "node_modules/x/index.js": "x",
        "venv/pyvenv.cfg": "home = /usr\n",
        "venv/lib/site.py": "x = 1\n",
        "dist/other.zip": b"PK",
    }, tmp_path)
    # __pycache__ stays: a built folder's .pyc files decide how fast it starts (LL106)
    assert [e.path for e in FolderBundle(tmp_path, ".").entries] == [
        "__pycache__", "__pycache__/app.cpython-312.pyc", "app.py", "dist"]


# -- Deflate64 ------------------------------------------------------------------------------------
def test_deflate64_fixture_is_really_deflate64():
    with zipfile.ZipFile(DEFLATE64_ZIP) as archive:
        assert {i.filename: i.compress_type for i in archive.infolist()} == {
            "app.py": 9, "data.txt": 9}


def test_deflate64_entries_are_listed_and_readable():
    bundle = ZipBundle(DEFLATE64_ZIP, "deflate64.zip")
    by_path = {e.path: e for e in bundle.entries}
    assert by_path["data.txt"].method == 9
    assert by_path["data.txt"].size == len(DEFLATE64_DATA)
    assert by_path["data.txt"].compressed_size < len(DEFLATE64_DATA) // 10
    assert by_path["app.py"].size == len(DEFLATE64_APP)
    assert bundle.read("app.py") == DEFLATE64_APP
    assert bundle.read("data.txt") == DEFLATE64_DATA
    assert bundle.read_head("data.txt", 100) == DEFLATE64_DATA[:100]
    assert bundle.own_python_files() == ["app.py"]


def test_stdlib_zipfile_alone_cannot_read_deflate64():
    """Why the fixture exists: without zipfile_deflate64, method 9 is not supported."""
    script = (
        "import sys, zipfile\n"
        f"archive = zipfile.ZipFile({str(DEFLATE64_ZIP)!r})\n"
        "assert 'zipfile_deflate64' not in sys.modules\n"
        "try:\n"
        "    archive.read('app.py')\n"
        "except NotImplementedError:\n"
        "    print('unsupported')\n"
        "else:\n"
        "    print('read')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.strip() == "unsupported", result.stderr


def test_corrupt_deflate64_member_raises_bundle_error(tmp_path):
    raw = bytearray(DEFLATE64_ZIP.read_bytes())
    with zipfile.ZipFile(DEFLATE64_ZIP) as archive:
        info = archive.getinfo("data.txt")
    start = _data_offset(bytes(raw), info)
    raw[start:start + 200] = b"\xff" * 200
    path = tmp_path / "broken64.zip"
    path.write_bytes(bytes(raw))
    bundle = ZipBundle(path, "broken64.zip")
    assert bundle.entry("data.txt").size == len(DEFLATE64_DATA)
    with pytest.raises(BundleError, match="data.txt"):
        bundle.read("data.txt")


# -- reads are whole or refused; heads are capped -------------------------------------------------
def test_a_file_larger_than_the_read_limit_is_refused_never_truncated(tmp_path):
    big = MAX_READ_BYTES + 4096
    files = {"big.txt": Member("0123456789", size=big), "app.py": HANDLER}
    write_zip(tmp_path / "fn.zip", files)
    materialize(files, tmp_path / "fn")
    for bundle in (ZipBundle(tmp_path / "fn.zip", "fn.zip"), FolderBundle(tmp_path / "fn", "fn")):
        assert bundle.entry("big.txt").size == big
        with pytest.raises(BundleError, match="big.txt: file too large to analyse"):
            bundle.read("big.txt")
        assert len(bundle.read_head("big.txt", 1000)) == 1000
        assert bundle.read_head("app.py", 10) == HANDLER.encode()[:10]
        assert bundle.read_head("app.py", 10_000) == HANDLER.encode()
        assert bundle.read("app.py") == HANDLER.encode()
    assert ZipBundle(tmp_path / "fn.zip", "z").read_head("big.txt", 25) == b"0123456789" * 2 + b"01234"


# -- archives that cannot be listed ---------------------------------------------------------------
@pytest.mark.parametrize("keep", [0.5, 0.9, -1], ids=["half", "tenth-cut", "last-byte-cut"])
def test_truncated_zip_raises_when_listing(tmp_path, keep):
    raw = _small_zip()
    cut = len(raw) - 1 if keep == -1 else int(len(raw) * keep)
    path = tmp_path / "truncated.zip"
    path.write_bytes(raw[:cut])
    with pytest.raises(BundleError):
        ZipBundle(path, "truncated.zip").entries  # noqa: B018


@pytest.mark.parametrize("content", [
    b"",
    bytes(random.Random(7).getrandbits(8) for _ in range(4096)),
    b"PK\x03\x04 this is not really a zip",
    b"PK\x05\x06" + b"\xff" * 18,  # an end record pointing nowhere
], ids=["empty", "random-bytes", "zip-magic-then-garbage", "bogus-end-record"])
def test_corrupt_zip_raises_when_listing(tmp_path, content):
    path = tmp_path / "corrupt.zip"
    path.write_bytes(content)
    with pytest.raises(BundleError):
        ZipBundle(path, "corrupt.zip").entries  # noqa: B018


@pytest.mark.parametrize("member", ["app.py", "stored.txt"], ids=["deflated", "stored"])
def test_zip_declaring_a_gigabyte_for_a_tiny_entry_raises_when_listing(tmp_path, member):
    lie = 1 << 30
    raw = _patch_headers(_small_zip(), member, 24, 22, lie)  # uncompressed size, both headers
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        assert archive.getinfo(member).file_size == lie  # the lie is what zipfile sees
        assert archive.getinfo(member).compress_size < 1024
    path = tmp_path / "lying.zip"
    path.write_bytes(raw)
    with pytest.raises(BundleError, match=member):
        ZipBundle(path, "lying.zip").entries  # noqa: B018


def test_zip_whose_entry_extends_past_the_end_raises_when_listing(tmp_path):
    raw = _patch_headers(_small_zip(), "app.py", 20, 18, 10_000_000)  # compressed size
    path = tmp_path / "short.zip"
    path.write_bytes(raw)
    with pytest.raises(BundleError, match="truncated"):
        ZipBundle(path, "short.zip").entries  # noqa: B018


# -- the function's own code ----------------------------------------------------------------------
INSTALLED = {
    "app.py": HANDLER,
    "handlers/orders.py": HANDLER,
    "foo/__init__.py": "",
    "foo/core.py": "X = 1\n",
    "foo-1.0.dist-info/METADATA": "Name: foo\nVersion: 1.0\n",
    "foo-1.0.dist-info/RECORD": (
        "foo/__init__.py,sha256=abc,0\nfoo/core.py,sha256=def,6\n"
        "foo-1.0.dist-info/METADATA,,\nfoo-1.0.dist-info/RECORD,,\n../../bin/foo,,\n"
    ),
    "six.py": "X = 1\n",
    "six-1.16.0.dist-info/RECORD": "six.py,sha256=abc,6\nsix-1.16.0.dist-info/RECORD,,\n",
}


@pytest.mark.parametrize("kind", ["folder", "zip"])
def test_own_python_files_exclude_installed_distributions(tmp_path, kind):
    if kind == "zip":
        write_zip(tmp_path / "fn.zip", INSTALLED)
        bundle = ZipBundle(tmp_path / "fn.zip", "fn.zip")
    else:
        materialize(INSTALLED, tmp_path / "fn")
        bundle = FolderBundle(tmp_path / "fn", "fn")
    assert bundle.distribution_roots() == {"foo", "six"}
    assert sorted(bundle.own_python_files()) == ["app.py", "handlers/orders.py"]
    assert bundle.is_built
    assert not bundle.is_layer


def test_own_python_files_exclude_symlinks(tmp_path):
    bundle = FolderBundle(_make_folder(tmp_path / "fn"), "fn")
    assert sorted(bundle.own_python_files()) == ["app.py", "pkg/__init__.py"]


@pytest.mark.parametrize("prefix", ["python/", "python/lib/python3.12/site-packages/"])
def test_layer_has_no_own_python_files(tmp_path, prefix):
    files = {prefix + "shared/__init__.py": "", prefix + "shared/util.py": "X = 1\n"}
    write_zip(tmp_path / "layer.zip", files)
    materialize(files, tmp_path / "layer")
    for bundle in (ZipBundle(tmp_path / "layer.zip", "layer.zip"), FolderBundle(tmp_path / "layer", "layer")):
        assert bundle.is_layer
        assert bundle.own_python_files() == []


def test_a_python_folder_next_to_code_is_not_a_layer(tmp_path):
    files = {"app.py": HANDLER, "python/util.py": "X = 1\n"}
    write_zip(tmp_path / "fn.zip", files)
    bundle = ZipBundle(tmp_path / "fn.zip", "fn.zip")
    assert not bundle.is_layer
    assert sorted(bundle.own_python_files()) == ["app.py", "python/util.py"]
