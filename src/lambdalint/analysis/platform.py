"""What a Lambda runtime accepts: wheel tags (platform, architecture, glibc, Python ABI) and
native binaries (from their headers), for one function's runtime and architecture."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from lambdalint.analysis.distributions import Distribution, owner_index, owner_of
from lambdalint.analysis.natives import HEAD_BYTES, LAMBDA_MACHINE, NativeInfo, inspect, is_native_candidate
from lambdalint.data import python_runtimes
from lambdalint.display import display_join
from lambdalint.findings import FileAt
from lambdalint.limits import MAX_NATIVE_BYTES_PER_BUNDLE
from lambdalint.model.bundle import Bundle, BundleError

LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
_MANYLINUX = re.compile(r"^manylinux_(\d+)_(\d+)_(\w+)$")
_LEGACY = re.compile(r"^(manylinux1|manylinux2010|manylinux2014)_(\w+)$")
_EXTENSION_TAG = re.compile(r"\.cpython-3(\d+)([a-z]*)-[^/]*\.so$")
TAG_ARCH = {"x86_64": "x86_64", "aarch64": "aarch64", "i686": "i386", "armv7l": "arm", "ppc64le": "ppc64",
            "s390x": "s390"}


@dataclass(frozen=True)
class Runtime:
    name: str  # python3.12
    version: Tuple[int, int]
    glibc: Tuple[int, int]
    machine: str  # ELF machine name: x86_64 or aarch64

    @classmethod
    def of(cls, fn) -> Optional["Runtime"]:
        return _runtime(str(fn.runtime), str(fn.architecture))


@functools.lru_cache(maxsize=None)
def _runtime(name: str, architecture: str) -> Optional[Runtime]:
    """Once per runtime and architecture: three rules ask for each of 2,000 functions."""
    row = python_runtimes().get(name)
    if row is None:
        return None
    major, minor = (int(p) for p in row["python"].split("."))
    glibc = tuple(int(p) for p in row["glibc"].split("."))
    return Runtime(name, (major, minor), glibc, LAMBDA_MACHINE.get(architecture, "x86_64"))


@dataclass
class Artifact:
    """A bundle as installed for one function: its distributions and native binaries."""

    bundle: Bundle
    roots: List[str]  # where packages sit ("" or a layer's python/ folders)
    dists: List[Distribution]
    natives: List[Tuple[str, NativeInfo]]
    owners: Dict[str, Distribution]

    def owner(self, path: str) -> Optional[Distribution]:
        return owner_of(path, self.owners, self.dists)


def artifact(bundle: Bundle, roots: List[str], dists: List[Distribution]) -> Artifact:
    """The bundle's native binaries, with its distributions under `roots` (read by the caller,
    which shares them with the other rules that read them)."""
    natives = []
    budget = _ReadBudget(bundle, MAX_NATIVE_BYTES_PER_BUNDLE)
    for entry in bundle.files():
        if entry.is_symlink or not (is_native_candidate(entry.path, entry.mode)
                                    or _console_script(entry.path, roots)):
            continue
        try:
            info = inspect(budget.reader(entry.path))
        except (BundleError, OSError):
            continue
        if info.kind != "other":
            natives.append((entry.path, info))
    return Artifact(bundle, roots, dists, natives, owner_index(dists))


def _console_script(path: str, roots: List[str]) -> bool:
    """A console script that `pip install --target` wrote into the bin/ folder next to the
    packages (a `.exe` launcher on Windows): a zip made on Windows records no execute bit, so every
    file there is looked at.  `.exe` files inside packages are data (setuptools' and distlib's
    launcher templates), never loaded on Lambda."""
    folder = path.rpartition("/")[0]
    return folder == "bin" or any(folder == f"{root}bin" for root in roots)


class _ReadBudget:
    """What is left of the bytes that judging one bundle's native binaries may read (inflate, for
    a zip).  Every binary gets its header (HEAD_BYTES); a read past it is cut to what is left, which
    `inspect` takes for the end of the file (its glibc needs may then stay unknown)."""

    def __init__(self, bundle: Bundle, total: int):
        self._bundle = bundle
        self._left = total

    def reader(self, path: str) -> Callable[[int], bytes]:
        def read(size: int) -> bytes:
            allowed = max(min(size, self._left), min(size, HEAD_BYTES))
            data = self._bundle.read_head(path, allowed)
            self._left -= len(data)
            return data

        return read


def location(bundle: Bundle, path: str, key: str) -> FileAt:
    """A file inside a bundle: the archive and its member, or the file of a folder."""
    if bundle.is_zip:
        return FileAt(bundle.display, member=path, key=key)
    return FileAt(display_join(bundle.display, path), key=key)


# -- wheel tags ----------------------------------------------------------------------------------
def parse_tags(tags: Iterable[str]) -> tuple:
    """The wheel tags, expanded (`py2.py3-none-any` is two); each list parsed once per run."""
    return _parse_tags(tuple(tags))


@functools.lru_cache(maxsize=4096)
def _parse_tags(tags: Tuple[str, ...]) -> tuple:
    from packaging.tags import parse_tag

    expanded = []
    for text in tags:
        try:
            expanded.extend(parse_tag(text))
        except ValueError:
            continue
    return tuple(expanded)


def platform_problem(platform: str, runtime: Runtime) -> Optional[str]:
    """Why a wheel platform tag cannot run on the runtime's OS and architecture (None: it can)."""
    if platform == "any":
        return None
    if platform.startswith("macosx"):
        return "macOS"
    if platform.startswith("win"):
        return "Windows"
    if platform.startswith("musllinux"):
        return "musl Linux (Alpine), not glibc"
    arch = _arch_of(platform)
    if arch is not None and arch != runtime.machine:
        return f"Linux {arch}"
    if arch is None and not platform.startswith("linux"):
        return platform
    return None


def _arch_of(platform: str) -> Optional[str]:
    for pattern in (_MANYLINUX, _LEGACY):
        match = pattern.match(platform)
        if match:
            return TAG_ARCH.get(match.groups()[-1], match.groups()[-1])
    if platform.startswith("linux_"):
        tail = platform[len("linux_"):]
        return TAG_ARCH.get(tail, tail)
    return None


def glibc_required(platform: str) -> Optional[Tuple[int, int]]:
    match = _MANYLINUX.match(platform)
    if match:
        return int(match.group(1)), int(match.group(2))
    match = _LEGACY.match(platform)
    if match:
        return LEGACY_MANYLINUX[match.group(1)]
    return None


def abi_accepted(tag, runtime: Runtime) -> bool:
    """Would the runtime's CPython import a wheel with this interpreter/ABI tag?"""
    major, minor = runtime.version
    interpreter, abi = tag.interpreter, tag.abi
    match = re.match(r"^(cp|py)(\d)(\d*)$", interpreter)
    if not match or int(match.group(2)) != major:
        return False
    wanted_minor = int(match.group(3)) if match.group(3) else 0
    if abi == "abi3":
        return match.group(1) == "cp" and wanted_minor <= minor
    if abi == "none":
        return wanted_minor <= minor or not match.group(3)
    abi_match = re.match(r"^cp(\d)(\d+)([a-z]*)$", abi)
    allowed_flags = python_abi_flags(runtime.version)
    return bool(abi_match) and (int(abi_match.group(1)), int(abi_match.group(2))) == (major, minor) \
        and abi_match.group(3) in allowed_flags


def python_abi_flags(version: Tuple[int, int]) -> Tuple[str, ...]:
    """ABI flags of the runtime's interpreter build: pymalloc `m` until 3.7, and under Python 2
    `mu` (wide unicode, UCS-4, as Linux distributions build it; `m` is accepted too, lambdalint
    does not claim which unicode width Lambda's python2.7 had).  Other flags (`t` free-threaded,
    `d` debug) need another interpreter build than Lambda's."""
    if version[0] == 2:
        return ("m", "mu")
    return ("", "m") if version <= (3, 7) else ("",)


def extension_python(path: str) -> Optional[Tuple[int, int, str]]:
    """(3, minor, ABI flags) an extension module's file name is for (`.cpython-313t-…so`)."""
    match = _EXTENSION_TAG.search(path)
    return (3, int(match.group(1)), match.group(2)) if match else None


def version_text(version: Tuple[int, int]) -> str:
    return ".".join(str(part) for part in version)
