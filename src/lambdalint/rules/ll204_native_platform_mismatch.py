from lambdalint.findings import Severity
from lambdalint.rules.binary_checks import LayerCheckedAlone
from lambdalint.rules.base import BUNDLE, Example, Member, Rule, Zip
from lambdalint.rules.native_examples import elf, macho, pe, wheel_info

HANDLER = "def handler(event, context):\n    return 1\n"


class NativePlatformMismatchRule(LayerCheckedAlone, Rule):
    code = "LL204"
    name = "native-platform-mismatch"
    severity = Severity.ERROR
    summary = "A native binary or wheel built for another OS or architecture than the function's"
    needs = frozenset({BUNDLE})
    invalid = (
        Example({"layer.zip": Zip({"python/fast/__init__.py": "", "python/fast/_speed.cpython-312-darwin.so":
                                   Member(macho("arm64"))})}, "a layer zip checked alone"),
        Example({"function.zip": Zip({"app.py": HANDLER, "fast/_speed.cpython-312-darwin.so": Member(macho("arm64"))})},
                "a macOS extension module (Mach-O)"),
        Example({"function.zip": Zip({"app.py": HANDLER, "fast/_speed.cpython-312-x86_64-linux-gnu.so":
                                      Member(elf("aarch64"))})}, "an aarch64 ELF named like an x86_64 one"),
        Example({"function.zip": Zip({"app.py": HANDLER, "fast/_speed.pyd": Member(pe("x86_64"))})},
                "a Windows extension module"),
        Example({"function.zip": Zip({"app.py": HANDLER, **wheel_info("fast", "cp312-cp312-macosx_11_0_arm64")})},
                "a wheel tagged for macOS"),
    )
    valid = (
        Example({"layer.zip": Zip({"python/fast/__init__.py": "", "python/fast/_speed.cpython-312-x86_64-linux-gnu.so":
                                   Member(elf("x86_64"))})}, "a layer zip checked alone, built for the target"),
        Example({"function.zip": Zip({"app.py": HANDLER, "fast/_speed.cpython-312-x86_64-linux-gnu.so":
                                      Member(elf("x86_64"))})}, "a Linux x86_64 extension"),
        Example({"function.zip": Zip({"app.py": HANDLER, **wheel_info("fast", "cp312-cp312-manylinux_2_17_x86_64")})}),
        Example({"function.zip": Zip({"app.py": HANDLER, "fast/_speed.so": Member("INPUT(libspeed.so.1)\n")})},
                "a linker script named .so is not a binary"),
    )

    def check_function(self, fn, ctx):
        from lambdalint.analysis.platform import Runtime
        from lambdalint.rules.binary_checks import artifact_problems, function_artifacts, pip_hint, reports

        runtime = Runtime.of(fn)
        if runtime is None:
            return
        target = f"Linux {runtime.machine}"
        for art in function_artifacts(fn, ctx):
            problems = artifact_problems(ctx, self.code, art, runtime, _problems)
            yield from reports(art, problems, self.code, lambda what, reason, evidence: (
                f"{what} ships {reason} ({evidence}), but {fn.name} runs on {target}: it fails at "
                f"import ('invalid ELF header' or 'cannot open shared object'). Install it for the "
                f"target: `{pip_hint(fn)}`, or build in a Lambda-like container (`sam build --use-container`)"))


def _problems(art, runtime) -> list:
    from lambdalint.analysis.platform import parse_tags, platform_problem

    problems = []
    for dist in art.dists:
        tags = parse_tags(dist.tags)
        reasons = [platform_problem(tag.platform, runtime) for tag in tags]
        if tags and all(reasons):
            problems.append((dist.wheel_file, f"a wheel tagged for {reasons[0]}"))
    for path, info in art.natives:
        if info.kind != "elf" or info.machines[0] != runtime.machine:
            problems.append((path, info.describe()))
    return problems
