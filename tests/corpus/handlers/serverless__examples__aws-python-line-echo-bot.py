# Source: https://github.com/serverless/examples/blob/4c464a40d0a4a3f7555f1473e0e3325153929989/aws-python-line-echo-bot/handler.py
# Licence: MIT (https://github.com/serverless/examples/blob/master/package.json, licence field "MIT")
# Copied unmodified below this header for lambdalint's tests.
import json
from linebot import (
    LineBotApi, WebhookHandler
)
from linebot.models import (
    MessageEvent, TextMessage, TextSendMessage,
)


def webhook(event, context):
    line_bot_api = LineBotApi('YOUR_CHANNEL_ACCESS_TOKEN')
    handler = WebhookHandler('YOUR_CHANNEL_SECRET')

    msg = json.loads(event['body'])
    line_bot_api.reply_message(
        msg['events'][0]['replyToken'],
        TextSendMessage(text=msg['events'][0]['message']['text'])
    )
    response = {
        "statusCode": 200,
        "body": json.dumps({"message": 'ok'})
    }

    return response
