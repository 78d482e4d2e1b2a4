from lambdalint.findings import Severity
from lambdalint.rules.binary_checks import LayerCheckedAlone
from lambdalint.rules.base import BUNDLE, Member, Rule
from lambdalint.rules.native_examples import elf, function_zip, wheel_info

PY311 = ("--runtime", "python3.11")


def _zip(description: str, args=PY311, **members):
    return function_zip(description, args, **members)


class PythonAbiMismatchRule(LayerCheckedAlone, Rule):
    code = "LL205"
    name = "python-abi-mismatch"
    severity = Severity.ERROR
    summary = "An extension module or wheel built for another CPython version than the runtime's"
    needs = frozenset({BUNDLE})
    invalid = (
        _zip("a cpython-312 extension under python3.11",
             **{"pydantic_core/_pydantic_core.cpython-312-x86_64-linux-gnu.so": Member(elf())}),
        _zip("a wheel tagged cp312 under python3.11", **wheel_info("fast", "cp312-cp312-manylinux2014_x86_64")),
        _zip("abi3 from a newer minimum version", **wheel_info("fast", "cp312-abi3-manylinux2014_x86_64")),
        _zip("a cp36 wheel on python2.7", ("--runtime", "python2.7"),
             **wheel_info("fast", "cp36-cp36m-manylinux1_x86_64")),
        _zip("a free-threaded build is another interpreter", ("--runtime", "python3.13"),
             **{"fast/_speed.cpython-313t-x86_64-linux-gnu.so": Member(elf())}),
    )
    valid = (
        _zip("the runtime's own version", **{"fast/_speed.cpython-311-x86_64-linux-gnu.so": Member(elf())}),
        _zip("abi3 from an older minimum version", **wheel_info("fast", "cp38-abi3-manylinux2014_x86_64")),
        _zip("pure Python", **wheel_info("fast", "py3-none-any")),
        _zip("an untagged .so", **{"fast/_speed.so": Member(elf())}),
        _zip("a cp27mu wheel (wide unicode) on python2.7", ("--runtime", "python2.7"),
             **wheel_info("fast", "cp27-cp27mu-manylinux1_x86_64")),
    )

    def check_function(self, fn, ctx):
        from lambdalint.analysis.platform import Runtime, version_text
        from lambdalint.rules.binary_checks import artifact_problems, function_artifacts, pip_hint, reports

        runtime = Runtime.of(fn)
        if runtime is None:
            return
        for art in function_artifacts(fn, ctx):
            problems = artifact_problems(ctx, self.code, art, runtime, _problems)
            yield from reports(art, problems, self.code, lambda what, reason, evidence: (
                f"{what} ships {reason} ({evidence}), but {fn.runtime} runs CPython "
                f"{version_text(runtime.version)}, which does not load them ('No module named ...'). "
                f"Install for the runtime's version: `{pip_hint(fn)}`"))


def _problems(art, runtime) -> list:
    from lambdalint.analysis.platform import abi_accepted, extension_python, parse_tags, python_abi_flags, version_text

    problems = []
    for dist in art.dists:
        tags = parse_tags(dist.tags)
        if tags and not any(abi_accepted(tag, runtime) for tag in tags):
            problems.append((dist.wheel_file, f"a wheel tagged {tags[0].interpreter}-{tags[0].abi}"))
    plain = python_abi_flags(runtime.version)
    python_version = version_text(runtime.version)
    for entry in art.bundle.files():
        if entry.path.startswith("python/lib/python") and not entry.path.startswith(
                f"python/lib/python{python_version}/"):
            continue  # another version's site-packages is not on sys.path: LL209 says so
        built_for = extension_python(entry.path)
        if built_for is not None and (built_for[:2] != runtime.version or built_for[2] not in plain):
            flags = " (free-threaded)" if "t" in built_for[2] else " (debug)" if built_for[2] else ""
            problems.append((entry.path, f"extension modules for CPython {version_text(built_for[:2])}{flags}"))
    return problems
