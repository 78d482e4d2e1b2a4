from lambdalint.findings import Severity
from lambdalint.rules.binary_checks import LayerCheckedAlone
from lambdalint.rules.base import BUNDLE, Member, Rule
from lambdalint.rules.native_examples import elf, function_zip, wheel_info

def _zip(description: str, runtime: str, **members):
    return function_zip(description, ("--runtime", runtime), **members)


class GlibcTooNewRule(LayerCheckedAlone, Rule):
    code = "LL206"
    name = "glibc-too-new"
    severity = Severity.ERROR
    summary = "A wheel or binary needs a newer glibc than the runtime's operating system"
    needs = frozenset({BUNDLE})
    invalid = (
        _zip("a manylinux_2_28 wheel on python3.11 (Amazon Linux 2, glibc 2.26)", "python3.11",
             **wheel_info("cryptography", "cp311-abi3-manylinux_2_28_x86_64", "43.0.0")),
        _zip("an ELF needing GLIBC_2.28 on python3.11", "python3.11",
             **{"bcrypt/_bcrypt.abi3.so": Member(elf("x86_64", "2.28"))}),
    )
    valid = (
        _zip("manylinux_2_28 on python3.12 (Amazon Linux 2023, glibc 2.34)", "python3.12",
             **wheel_info("cryptography", "cp311-abi3-manylinux_2_28_x86_64", "43.0.0")),
        _zip("manylinux2014 (glibc 2.17) on python3.11", "python3.11",
             **wheel_info("fast", "cp311-cp311-manylinux2014_x86_64")),
        _zip("a wheel offering both 2.28 and 2014 tags", "python3.11",
             **wheel_info("fast", "cp311-cp311-manylinux_2_28_x86_64.manylinux2014_x86_64")),
    )

    def check_function(self, fn, ctx):
        from lambdalint.analysis.platform import Runtime, version_text
        from lambdalint.data import runtimes
        from lambdalint.rules.binary_checks import artifact_problems, function_artifacts, reports, target_platform

        runtime = Runtime.of(fn)
        if runtime is None:
            return
        for art in function_artifacts(fn, ctx):
            problems = artifact_problems(ctx, self.code, art, runtime, _problems)
            os_name = runtimes()[fn.runtime]["os"]
            yield from reports(art, problems, self.code, lambda what, reason, evidence: (
                f"{what} needs glibc {version_text(reason[0])} ({reason[1]}: {evidence}), newer than "
                f"{fn.runtime}'s {os_name} (glibc {version_text(runtime.glibc)}): import fails with "
                f"'GLIBC_{version_text(reason[0])} not found'. Install a manylinux2014 build "
                f"(`--platform {target_platform(fn)}`), pin an older release, or move to python3.12 or "
                "later (Amazon Linux 2023, glibc 2.34)"))


def _problems(art, runtime) -> list:
    from lambdalint.analysis.platform import glibc_required, parse_tags

    problems = []
    for dist in art.dists:
        needs = [glibc_required(tag.platform) for tag in parse_tags(dist.tags)]
        needs = [n for n in needs if n is not None]
        if needs and min(needs) > runtime.glibc:
            problems.append((dist.wheel_file, (min(needs), "its wheel tag")))
    for path, info in art.natives:
        if info.kind == "elf" and info.glibc is not None and info.glibc > runtime.glibc:
            problems.append((path, (info.glibc, "its ELF version needs")))
    problems.sort(key=lambda item: item[1][0], reverse=True)  # each group names its highest need
    return problems
