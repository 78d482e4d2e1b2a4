import math
import re
from collections import Counter
from typing import Optional

from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import function_with, serverless, template, terraform

PATTERNS = (
    ("an AWS access key id", re.compile(r"^(AKIA|ASIA)[A-Z0-9]{16}$")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a GitHub token", re.compile(r"^(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}$|^github_pat_[A-Za-z0-9_]{60,}$")),
    ("a Slack token", re.compile(r"^xox[abprs]-[A-Za-z0-9-]{10,}$")),
    ("a Stripe live key", re.compile(r"^(sk|rk)_live_[A-Za-z0-9]{16,}$")),
)
AWS_SECRET_KEY = re.compile(r"^(?=.*[A-Z])[A-Za-z0-9/+]{40}$")
# The secret word ends the name (DB_PASSWORD, CLIENT_SECRET, STRIPE_API_KEY); TOKEN_CACHE_TABLE,
# SECRET_ID or DB_SECRET_NAME name something else.
SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_KEY|SECRET_ACCESS_KEY)$", re.IGNORECASE)
NOT_SECRET_VALUE = re.compile(
    r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-fA-F]+|[\[{].*|urn:.*|"
    r"[a-z0-9.-]+\.[a-z]{2,}|\d{4}-\d{2}-\d{2}T.*|alias/.*|[A-Za-z]+(?:[-_.:][A-Za-z0-9]+)*)$", re.S)
REFERENCE = re.compile(r"^(arn:|\$\{(ssm|secretsmanager|aws:)|\{\{resolve:)|\{\{resolve:")


def _env(name: str, value: str) -> str:
    return f"Environment:\n  Variables:\n    {name}: {value}"


class SecretInEnvVarRule(Rule):
    code = "LL606"
    name = "secret-in-env-var"
    severity = Severity.ERROR
    summary = "A plain-text secret in an environment variable value"
    needs = frozenset({CONFIG})
    invalid = (
        serverless("fn:\n  handler: app.handler\n  environment:\n    API_TOKEN: Zx8Kq2LmW9pR4tYv7Bn3Hj6Df1Gs5Ac0", "serverless.yml"),
        template(function_with(_env("UPLOAD_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")),
                 "an AWS secret access key (AWS's documented example)"),
        template(function_with(_env("AWS_KEY", "AKIAIOSFODNN7EXAMPLE")), "an AWS access key id (AWS's documented example)"),
        template(function_with(_env("DB_PASSWORD", "Zq8!kP2#vL9@wR4$tY7"))),
        template(function_with(_env("GH", "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"))),
    )
    valid = (
        serverless("fn:\n  handler: app.handler\n  environment:\n    API_TOKEN: ${ssm:/app/token}", "serverless.yml ${ssm:} reference"),
        terraform("environment {\n  variables = {\n    DB_PASSWORD = aws_secretsmanager_secret.db.arn\n  }\n}", "Terraform reference"),
        template(function_with(_env("DB_PASSWORD", "'{{resolve:secretsmanager:prod/db:SecretString:password}}'")),
                 "a dynamic reference"),
        template(function_with(_env("API_KEY", "!Ref ApiKeyParameter")), "a reference"),
        template(function_with(_env("TOKEN_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/tok")),
                 "an ARN"),
        template(function_with(_env("SECRET_NAME", "prod/payments/stripe")), "a Secrets Manager name"),
        template(function_with(_env("SECRET_ID", "prod/StripeApiKey-Xy7Qz")), "a Secrets Manager name with one slash"),
        template(function_with(_env("TOKEN_CACHE_TABLE", "orders-token-cache-prod")), "a table name"),
        template(function_with(_env("DB_PASSWORD_SECRET", "MyApp-DbPassword-Prod")), "a secret's name"),
        template(function_with(_env("API_TOKEN", "3f2b8c1e-9a4d-4e7b-b5c6-1d2e3f4a5b6c")), "a UUID"),
        template(function_with(_env("GIT_TOKEN", "3f9c2a7e1b4d8f6a0c5e9b2d7a1f4c8e6b3d0a9f")), "a hex commit id"),
        template(function_with(_env("PASSWORD_HANDLER", "app.handler")), "a handler name"),
    )

    def check_function(self, fn, ctx):
        for name, setting in sorted(fn.config.get_map("Environment", "Variables").items()):
            kind = literal_secret_kind(name, setting.value)
            if kind is not None:
                yield Report(
                    f"{name} holds {kind} in plain text: anyone who can read the function's "
                    "configuration (console, GetFunctionConfiguration, the template in git) can read "
                    "it. Keep it in Secrets Manager or SSM Parameter Store and read it at init (pass "
                    "only its name or ARN); `{{resolve:...}}` would put the value back into the "
                    "configuration",
                    TemplateAt(fn.config.template, setting.path), resources=(fn.config.logical_id,))


def literal_secret_kind(name: str, value: object) -> Optional[str]:
    """What kind of plain-text secret the variable `name` holds ("a GitHub token"...), or None
    (LL613 leaves these to this rule: one finding per variable)."""
    if not isinstance(value, str) or REFERENCE.search(value):
        return None
    kind = next((label for label, pattern in PATTERNS if pattern.search(value)), None)
    if kind is None and SECRET_NAME.search(name) and AWS_SECRET_KEY.match(value) and _looks_random(value):
        kind = "what looks like an AWS secret access key"
    elif kind is None and SECRET_NAME.search(name) and "/" not in value and _looks_random(value):
        kind = "a high-entropy value under a secret-like name"
    return kind


def _looks_random(value: str) -> bool:
    """Long, mixed character classes, no recognisable shape (UUID, hex id, JSON, host name, words
    joined by separators), and high Shannon entropy."""
    if len(value) < 16 or " " in value or NOT_SECRET_VALUE.match(value):
        return False
    classes = sum(bool(re.search(pattern, value)) for pattern in (r"[a-z]", r"[A-Z]", r"[0-9]"))
    if classes < 3 and not re.search(r"[^A-Za-z0-9]", value):
        return False
    counts = Counter(value)  # one pass: counting each distinct character apart is quadratic
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return entropy >= 3.5
