"""Copies API Gateway stage variables and a search path into os.environ on every request."""
import os
import subprocess


def route(event, context):
    for name, value in (event.get("stageVariables") or {}).items():
        os.environ[name] = str(value)
    os.environ["PYTHONPATH"] = "/tmp/packages"
    os.environ.setdefault("STAGE", "dev")
    output = subprocess.run(["python3", "-c", "import sys; print(sys.path)"], capture_output=True, text=True)
    return {"statusCode": 200, "body": output.stdout}
