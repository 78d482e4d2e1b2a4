"""A compliance check: one global is rebound on every call, others are lazy-initialised."""
import json

import boto3

CONFIG_CLIENT = None
SETTINGS = None
RUN_COUNT = 0
OUTPUT_DIR = None


def load_environment():
    global OUTPUT_DIR
    OUTPUT_DIR = "/tmp"


load_environment()


def settings():
    global SETTINGS
    if SETTINGS is None:
        with open("settings.json") as source:
            SETTINGS = json.load(source)
    return SETTINGS


def evaluate(event, context):
    global CONFIG_CLIENT, RUN_COUNT
    CONFIG_CLIENT = boto3.client("config")
    RUN_COUNT += 1
    event["checked_by"] = settings().get("name", "unknown")
    CONFIG_CLIENT.put_evaluations(Evaluations=[], ResultToken=event["resultToken"])
    return {"runs": RUN_COUNT}
