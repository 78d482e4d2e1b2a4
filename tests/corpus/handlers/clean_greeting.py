"""Greets the caller of an API Gateway endpoint; no state, no files, no clients."""
import json


def greet(event, context):
    params = event.get("queryStringParameters") or {}
    headers = event.get("headers") or {}
    body = json.loads(event.get("body") or "{}")
    name = params.get("name") or body.get("name") or "stranger"
    greeting = headers.get("greeting", "Hello")
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"message": "%s, %s." % (greeting, name)}),
    }