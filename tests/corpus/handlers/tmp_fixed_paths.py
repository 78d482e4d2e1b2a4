"""Runs a stored job: fetches its inputs to hard-coded /tmp names, runs it, uploads the result."""
import json
import os
import shutil
import subprocess

import boto3

WORK_DIR = "/tmp/job"
RESULT_FILE = "/tmp/result.bin"


def fetch_inputs(s3, bucket, prefix):
    s3.download_file(bucket, prefix + "/program.bin", "/tmp/program.bin")
    s3.download_file(bucket, prefix + "/input.bin", "/tmp/input.bin")


def write_settings(job):
    with open("/tmp/settings.json", "w") as settings:
        json.dump({"job": job["id"], "threads": 2}, settings)


def prepare_work_dir():
    # cleaned at the start of the run, not at the end: the last job's files stay behind
    if os.path.isdir(WORK_DIR):
        shutil.rmtree(WORK_DIR)
    os.makedirs(WORK_DIR)


def cached_runtime(s3, bucket):
    # a deliberate warm cache: written only when it is not there yet
    if not os.path.exists("/tmp/runtime.tar"):
        s3.download_file(bucket, "runtime.tar", "/tmp/runtime.tar")
    return "/tmp/runtime.tar"


def run_job(event, context):
    s3 = boto3.client("s3")
    bucket, prefix = event["bucket"], event["prefix"]
    fetch_inputs(s3, bucket, prefix)
    write_settings(event)
    prepare_work_dir()
    cached_runtime(s3, bucket)
    subprocess.run(["/tmp/program.bin", "/tmp/input.bin", RESULT_FILE], check=True)
    with open(RESULT_FILE, "ab") as result:
        result.write(b"\n")
    s3.upload_file(RESULT_FILE, bucket, prefix + "/result.bin")
    return {"status": "done"}
