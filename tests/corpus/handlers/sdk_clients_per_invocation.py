"""Imports a CSV from S3 into DynamoDB, creating its AWS clients inside the functions."""
import csv
import io

import boto3


def client_for(service, credentials):
    return boto3.client(
        service,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def save_rows(rows):
    for row in rows:
        table = boto3.resource("dynamodb").Table("inventory")
        table.put_item(Item=row)


def import_inventory(event, context):
    s3 = boto3.client("s3")
    record = event["Records"][0]["s3"]
    body = s3.get_object(Bucket=record["bucket"]["name"], Key=record["object"]["key"])["Body"]
    rows = list(csv.DictReader(io.StringIO(body.read().decode("utf-8"))))
    save_rows(rows)
    if "credentials" in event:
        client_for("sns", event["credentials"]).publish(TopicArn=event["topic"], Message="imported")
    return {"imported": len(rows)}
