"""Moves each uploaded object to an archive bucket (written with 2-space indentation)."""
import os
import urllib.parse

import boto3

S3 = boto3.resource("s3")
TARGET = os.environ.get("ARCHIVE_BUCKET", "archive")


def move_upload(event, context):
  moved = []
  for record in event["Records"]:
    bucket = record["s3"]["bucket"]["name"]
    key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
    try:
      S3.Object(TARGET, key).copy_from(CopySource={"Bucket": bucket, "Key": key})
      S3.Object(bucket, key).delete()
      moved.append(key)
    except Exception as error:
      print("could not move %s: %s" % (key, error))
  return {"moved": moved}
