"""Helpers imported by signer.py: entropy seeding from KMS and a lazily loaded key cache."""
import base64
import os

import boto3

_KEY_CACHE = None


def check_entropy(minimum):
    with open("/proc/sys/kernel/random/entropy_avail") as available:
        if int(available.read()) >= minimum:
            return
    kms = boto3.client("kms")
    seed = kms.generate_random(NumberOfBytes=4096)["Plaintext"]
    with open("/dev/urandom", "wb") as pool:
        pool.write(base64.b64encode(seed))


def key_cache(name):
    global _KEY_CACHE
    if _KEY_CACHE is None:
        _KEY_CACHE = {"name": name, "secret": os.environ.get("SIGNING_KEY", "")}
    return _KEY_CACHE["name"]
