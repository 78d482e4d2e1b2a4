"""A dispatcher kept alive between invocations as a class-attribute singleton."""
import importlib
import os
import sys


class Dispatcher:
    _instance = None
    loaded_settings = None

    def __new__(cls, settings_module):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __init__(self, settings_module):
        if Dispatcher.loaded_settings != settings_module:
            Dispatcher.loaded_settings = settings_module
            self.settings = importlib.import_module(settings_module)
            sys.path.insert(0, os.getcwd())

    def dispatch(self, event):
        self.last_event = event
        return {"statusCode": 200, "body": getattr(self.settings, "GREETING", "hello")}


def entry(event, context):
    return Dispatcher(os.environ.get("SETTINGS_MODULE", "settings")).dispatch(event)
