from lambdalint.findings import FileAt, Report, Severity
from lambdalint.rules.base import BUNDLE, Example, Member, Rule, Zip

HANDLER = "def handler(event, context):\n    return 1\n"
OTHERS_READ = 0o004
OTHERS_READ_EXECUTE = 0o005


def _zip(mode: int, folder_mode: int = 0o755) -> Zip:
    return Zip({"pkg": Member(is_dir=True, mode=folder_mode),
                "pkg/__init__.py": Member("", mode=0o644),
                "app.py": Member(HANDLER, mode=mode)})


class UnreadablePermissionsRule(Rule):
    code = "LL208"
    name = "unreadable-permissions"
    severity = Severity.ERROR
    summary = "Zip entries that other users cannot read (Lambda runs code as a non-root user)"
    needs = frozenset({BUNDLE})
    invalid = (
        Example({"function.zip": _zip(0o600)}, "a file readable only by its owner"),
        Example({"function.zip": _zip(0o640)}, "0640, as some CDK versions produced"),
        Example({"function.zip": _zip(0o644, folder_mode=0o700)}, "a folder others cannot list"),
    )
    valid = (
        Example({"function.zip": _zip(0o644)}),
        Example({"function.zip": _zip(0o755)}, "executable is fine"),
    )

    def check_bundle(self, bundle, ctx):
        if not bundle.is_zip:
            return  # a folder's modes are those of the build machine; packaging tools reset them
        bad = [entry for entry in bundle.entries if _unreadable(entry)]
        if not bad:
            return
        examples = ", ".join(f"{e.path}{'/' if e.is_dir else ''} ({e.mode:04o})" for e in bad[:5])
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        yield Report(
            f"{len(bad)} zip entr{'y is' if len(bad) == 1 else 'ies are'} not readable by other users: "
            f"{examples}{more}. Lambda runs your code as a non-root user, so imports fail with "
            "'Permission denied'; run `chmod -R a+rX` on the build folder before zipping "
            "(files 0644, folders 0755)",
            FileAt(bundle.display, member=bad[0].path, key="permissions"))


def _unreadable(entry) -> bool:
    if entry.mode is None or entry.is_symlink:
        return False
    if entry.is_dir:
        return entry.mode & OTHERS_READ_EXECUTE != OTHERS_READ_EXECUTE
    return not entry.mode & OTHERS_READ
