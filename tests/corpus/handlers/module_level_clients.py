"""Stores an item in MongoDB and forwards a notice to SQS; both clients are created once."""
import json
import os

import boto3
import pymongo

MONGO = pymongo.MongoClient(os.environ["MONGO_URI"])
ITEMS = MONGO[os.environ.get("MONGO_DB", "shop")]["items"]
SQS = boto3.client("sqs")
BUCKETS = boto3.resource("s3")


def create_item(event, context):
    item = json.loads(event["body"])
    inserted = ITEMS.insert_one(item)
    SQS.send_message(QueueUrl=os.environ["NOTICE_QUEUE"], MessageBody=str(inserted.inserted_id))
    BUCKETS.Object(os.environ["ARCHIVE_BUCKET"], str(inserted.inserted_id)).put(Body=event["body"])
    return {"statusCode": 201, "body": json.dumps({"id": str(inserted.inserted_id)})}
