"""Watermarks each uploaded document under a unique /tmp name and uploads the copy."""
import os
import uuid

import boto3

s3 = boto3.client("s3")


def stamp(source_path, target_path, text):
    with open(source_path, "rb") as original, open(target_path, "wb") as stamped:
        stamped.write(original.read())
        stamped.write(text.encode("utf-8"))


def on_upload(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = record["s3"]["object"]["key"]
        downloaded = "/tmp/{}{}".format(uuid.uuid4(), os.path.splitext(key)[1])
        s3.download_file(bucket, key, downloaded)
        stamped = f"/tmp/stamped-{uuid.uuid4()}.pdf"
        stamp(downloaded, stamped, context.aws_request_id)
        s3.upload_file(stamped, bucket + "-stamped", key)
    return {"done": len(event["Records"])}