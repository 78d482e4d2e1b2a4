"""The import-cost model's inputs (issue 13): shared libraries shipped with native packages, the
standard library costed by measured per-module times, per-package and per-module terms."""
from lambdalint.analysis.costs import CostModel
from lambdalint.analysis.imports import ImportGraph, Root
from lambdalint.model.bundle import FolderBundle


def _model(**kwargs) -> CostModel:
    return CostModel(0.0, 0.0, 0.0, 0.0, {}, {}, **kwargs)


def _write(root, path, size=0, text=None):
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    if text is not None:
        target.write_text(text)
    else:
        target.write_bytes(b"\0" * size)


def test_shared_libraries_vendored_beside_and_inside_a_package(tmp_path):
    _write(tmp_path, "fastpkg/__init__.py", text="from fastpkg import _core\n")
    _write(tmp_path, "fastpkg/_core.cpython-311-x86_64-linux-gnu.so", 1000)
    _write(tmp_path, "fastpkg/libinner.so.12", 20_000)  # pyarrow/libarrow.so.2600
    _write(tmp_path, "fast_pkg_dist.libs/libblas-1a2b.so", 300_000)  # auditwheel's folder
    _write(tmp_path, "fast_pkg_dist-1.0.dist-info/RECORD",
           text="fastpkg/__init__.py,,\nfast_pkg_dist.libs/libblas-1a2b.so,,\n")
    _write(tmp_path, "other/__init__.py", text="")
    bundle = FolderBundle(tmp_path, str(tmp_path))
    model = _model()
    assert model.shared_library_bytes(bundle, "fastpkg") == 320_000
    assert model.shared_library_bytes(bundle, "other") == 0

    graph = ImportGraph([Root(bundle, "", "bundle")], "3.11")
    features = model.features(graph.closure(["fastpkg"]))
    assert features["native_modules"] == 1 and features["packages"] == 1
    assert abs(features["native_mb"] - 0.321) < 1e-9  # the extension and both libraries
    assert model.features(graph.closure(["other"]))["native_mb"] == 0


def test_a_libs_folder_without_metadata_serves_the_package_of_its_name(tmp_path):
    _write(tmp_path, "geo/_lib.abi3.so", 10)
    _write(tmp_path, "geo.libs/libgeos-x.so.3", 5_000)
    assert _model().shared_library_bytes(FolderBundle(tmp_path, str(tmp_path)), "geo") == 5_000


def test_standard_library_counted_once_with_what_it_loads_less_preloaded():
    model = _model(preloaded=frozenset({"os"}),
                   stdlib_ms={"typing": 2.0, "re": 1.0, "collections": 0.5, "os": 9.0, "json": 1.5},
                   stdlib_imports={"typing": ["collections", "re"], "json": ["re", "os"]})
    assert model.stdlib_load(["typing"]) == (3.5, 0)
    assert model.stdlib_load(["typing", "json"]) == (5.0, 0)  # re once, os preloaded
    assert model.stdlib_load(["os"]) == (0.0, 0)
    assert model.stdlib_load(["unheard_of"]) == (0.0, 1)


def test_estimate_of_a_tiny_package_is_per_package_plus_per_module(tmp_path):
    _write(tmp_path, "tiny.py", text="import typing\n")
    graph = ImportGraph([Root(FolderBundle(tmp_path, str(tmp_path)), "", "bundle")], "3.11")
    model = CostModel(per_module=0.3, per_kb=0.0, per_native=0.0, per_stdlib=0.0, measured={},
                      includes={}, per_package=0.5, per_stdlib_ms=1.0, stdlib_ms={"typing": 2.0})
    assert abs(model.estimate(graph.closure(["tiny"])) - 2.8) < 1e-9


def test_the_published_table_loads_every_coefficient():
    model = CostModel.default()
    assert model.per_stdlib_ms > 0 and model.per_native_mb > 0 and model.per_module > 0
    assert "typing" in model.stdlib_ms and "os" in model.preloaded
    assert model.measured["boto3"] == 119.5  # the measured table is used as published
