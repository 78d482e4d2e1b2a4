import posixpath

from lambdalint.findings import Report, Severity
from lambdalint.model.bundle import ZIP_METHOD_NAMES
from lambdalint.rules.base import BUNDLE, Example, Member, Rule, Zip

HANDLER = "def handler(event, context):\n    return 1\n"


class UnsafeZipEntryRule(Rule):
    code = "LL212"
    name = "unsafe-zip-entry"
    severity = Severity.ERROR
    summary = "Zip entries Lambda will not extract safely: traversal, absolute paths, links out, duplicates, odd methods"
    needs = frozenset({BUNDLE})
    invalid = (
        Example({"function.zip": Zip({"app.py": HANDLER, "../evil.py": "x = 1\n"})}, "a `..` component"),
        Example({"function.zip": Zip({"app.py": HANDLER, "/etc/cron.d/x": "x"})}, "an absolute path"),
        Example({"function.zip": Zip({"app.py": HANDLER, "data": Member("../../etc/passwd", mode=0o120777)})},
                "a symbolic link pointing outside the bundle"),
        Example({"function.zip": Zip({"app.py": HANDLER, "x.txt": Member("1", method=12)})}, "bzip2 compression"),
    )
    valid = (
        Example({"function.zip": Zip({"app.py": HANDLER, "lib/libfoo.so": Member("x"),
                                      "lib/libfoo.so.1": Member("libfoo.so", mode=0o120777)})},
                "a symbolic link inside the bundle"),
    )

    def check_bundle(self, bundle, ctx):
        from lambdalint.analysis.platform import location

        if not bundle.is_zip:
            return
        problems = {}
        seen = set()
        for entry in bundle.entries:
            path = entry.path
            parts = path.split("/")
            normal = posixpath.normpath(path) if path else path
            if path.startswith("/") or (len(path) > 2 and path[0].isalpha() and path[1] == ":" and path[2] in "/\\"):
                problems.setdefault("absolute paths", []).append(path)
            elif ".." in parts and (normal == ".." or normal.startswith("../")):
                problems.setdefault("'..' components that escape the extraction folder", []).append(path)
            if path in seen:
                problems.setdefault("duplicate names", []).append(path)
            seen.add(path)
            if entry.encrypted:
                problems.setdefault("encrypted entries", []).append(path)
            if entry.method not in (0, 8, None):
                name = ZIP_METHOD_NAMES.get(entry.method, f"method {entry.method}")
                problems.setdefault(f"{name} compression (Lambda extracts stored and deflate only)",
                                    []).append(path)
            if entry.is_symlink and _escapes(bundle, path):
                problems.setdefault("symbolic links pointing outside the bundle", []).append(path)
        for kind, paths in sorted(problems.items()):
            more = f" and {len(paths) - 1} more" if len(paths) > 1 else ""
            yield Report(f"{kind}: {paths[0]!r}{more}; Lambda rejects the archive ('Could not unzip "
                         "uploaded file') or extracts it unsafely: rebuild the zip with a standard tool "
                         "(`zip -r` or Python's zipfile, deflate) from a clean build folder",
                         location(bundle, paths[0], f"{self.code}:{kind}"))


def _escapes(bundle, path: str) -> bool:
    try:
        target = bundle.read_head(path, 4096).decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - unreadable link targets are LL002's business
        return False
    if target.startswith("/"):
        return True
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    return resolved == ".." or resolved.startswith("../")
