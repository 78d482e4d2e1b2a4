"""lambdalint: a static linter and packaging analyser for AWS Lambda functions written in Python."""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/lambdalint/lambdalint"
