"""A log forwarder in the style of Python 2 code (it still parses under Python 3)."""
import gzip
import json
import os
import urllib

import boto3

try:
    import StringIO
except ImportError:
    StringIO = None

if os.environ.get("MULTILINE_PATTERN"):
    MULTILINE_PATTERN = os.environ["MULTILINE_PATTERN"]

TAGS = {"source": "lambda"}


def forward(lines):
    for line in lines:
        print("forwarding %s" % line)


def s3_lines(event):
    s3 = boto3.client("s3")
    bucket = event["Records"][0]["s3"]["bucket"]["name"]
    key = urllib.unquote_plus(event["Records"][0]["s3"]["object"]["key"]).decode("utf8")
    data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    if key.endswith(".gz"):
        data = gzip.GzipFile(fileobj=StringIO.StringIO(data)).read()
    return data.splitlines()


def handle_logs(event, context):
    for name, value in TAGS.iteritems():
        print("tag %s=%s" % (name, value))
    if "Records" in event:
        forward(s3_lines(event))
    elif "awslogs" in event:
        forward(json.loads(event["awslogs"]["data"]).get("logEvents", []))
    return {"status": "forwarded"}
