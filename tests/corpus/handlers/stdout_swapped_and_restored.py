"""Runs an admin command and returns what it printed: stdout is swapped, then put back."""
import io
import sys
import traceback

MIME_TYPES = ["application/json", "text/plain"]
MIME_TYPES.extend(["application/xml", "image/svg+xml"])


def run_command(command):
    namespace = {}
    exec(command, namespace)


def admin(event, context):
    captured = io.StringIO()
    saved_out, saved_err = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = captured
    try:
        run_command(event["command"])
    except Exception:
        traceback.print_exc()
    finally:
        sys.stdout, sys.stderr = saved_out, saved_err
    return {"output": captured.getvalue(), "types": MIME_TYPES}
