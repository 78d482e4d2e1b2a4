"""A chat bot webhook that builds its messaging SDK client on every request."""
import json
import os

from chatbot_sdk import BotApi, SignatureChecker

OK = {"statusCode": 200, "body": "ok"}
ERROR = {"statusCode": 400, "body": "bad request"}


def webhook(event, context):
    api = BotApi(token=os.environ["BOT_TOKEN"])
    checker = SignatureChecker(os.environ["BOT_SECRET"])
    if not checker.valid(event["body"], event["headers"].get("x-signature", "")):
        return ERROR
    update = json.loads(event["body"])
    api.send_message(chat_id=update["chat"]["id"], text=update.get("text", ""))
    return OK
