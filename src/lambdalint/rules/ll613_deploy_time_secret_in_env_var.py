import re
from typing import Any, Optional, Tuple

from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.loaders.terraform_resources import DEPLOY_TIME_INPUTS
from lambdalint.model.template import as_mapping
from lambdalint.rules.base import CONFIG, Rule
from lambdalint.rules.examples import function_with, serverless, template, terraform
from lambdalint.rules.ll606_secret_in_env_var import SECRET_NAME, literal_secret_kind

Origin = Tuple[str, bool]  # (where the value comes from, whether that source holds a secret)

# CloudFormation dynamic references resolved when the stack deploys
_DYNAMIC_REFERENCES = (
    ("{{resolve:secretsmanager:", ("a Secrets Manager dynamic reference", True)),
    ("{{resolve:ssm-secure:", ("an SSM SecureString dynamic reference", True)),
    ("{{resolve:ssm:", ("a Parameter Store dynamic reference", False)),
)
# Serverless Framework variables that read a secret store (`~true` decrypts, the old syntax)
_SERVERLESS_SECRET = re.compile(r"\$\{(ssm:[^}]*(~true|/aws/reference/secretsmanager/)|secretsmanager:)")
# A reference whose last word says it names the secret rather than holds it (`...SecretArn}`)
_NAMES_A_SECRET = re.compile(r"(?:Arn|ARN|Name|NAME|Id|ID|[-_/.:](?:arn|name|id))\W*$")
_SHOWN_CHARS = 80  # of a variable's text in the message


def _env(name: str, value: str) -> str:
    return f"Environment:\n  Variables:\n    {name}: {value}"


NO_ECHO = "Parameters:\n  DbPassword:\n    Type: String\n    NoEcho: true\n"


class DeployTimeSecretInEnvVarRule(Rule):
    code = "LL613"
    name = "deploy-time-secret-in-env-var"
    severity = Severity.WARNING
    summary = "A secret resolved at deploy time into an environment variable, stored in plain text"
    needs = frozenset({CONFIG})
    invalid = (
        template(NO_ECHO + function_with(_env("DB_PASSWORD", "!Ref DbPassword")), "a NoEcho parameter"),
        template(function_with(_env("DB_CONFIG", "'{{resolve:secretsmanager:prod/db:SecretString:password}}'")),
                 "a Secrets Manager dynamic reference, whatever the variable's name"),
        serverless("fn:\n  handler: app.handler\n  environment:\n    API_TOKEN: ${ssm:/app/token}",
                   "serverless.yml ${ssm:} under a secret-like name"),
        serverless("fn:\n  handler: app.handler\n  environment:\n    STRIPE_API_KEY: ${env:STRIPE_API_KEY}",
                   "serverless.yml ${env:}"),
        serverless("fn:\n  handler: app.handler\n  environment:\n    DB_PASSWORD: ${file(./secrets.json):db}",
                   "serverless.yml ${file(...)}"),
        terraform("environment {\n  variables = {\n    DB_PASSWORD = var.db_password\n  }\n}",
                  "a Terraform variable (stored in the state too)",
                  resources='variable "db_password" {\n  type = string\n}\n'),
        terraform("environment {\n  variables = {\n    DB = jsondecode(data.aws_secretsmanager_secret_version.db.secret_string)[\"pw\"]\n  }\n}",
                  "a secret Terraform reads from Secrets Manager"),
    )
    valid = (
        template(function_with(_env("DB_PASSWORD_SECRET_ARN", "!Ref DbSecret")), "a reference to the secret"),
        template("Parameters:\n  DbPassword:\n    Type: String\n" + function_with(_env("DB_USER", "!Ref DbPassword")),
                 "a plain parameter under a name that is not a secret's"),
        serverless("fn:\n  handler: app.handler\n  environment:\n    STAGE: ${sls:stage}\n    TABLE: ${ssm:/app/table}",
                   "serverless.yml variables that are not secrets"),
        serverless("fn:\n  handler: app.handler\n  environment:\n    DB_SECRET: ${cf:db-stack.DbSecretArn}",
                   "a stack output naming the secret (its ARN)"),
        terraform("environment {\n  variables = {\n    DB_SECRET = aws_secretsmanager_secret.db.arn\n"
                  "    REGION = var.region\n  }\n}", "Terraform: a secret's ARN, a variable that is no secret"),
        template(function_with(_env("API_TOKEN", "Zx8Kq2LmW9pR4tYv7Bn3Hj6Df1Gs5Ac0")),
                 "a literal secret is LL606's, not this rule's"),
    )

    def check_function(self, fn, ctx):
        config = fn.config
        terraform_inputs = as_mapping(as_mapping(config.template.resource(config.logical_id).get("Metadata"))
                                      .get(DEPLOY_TIME_INPUTS))
        for name, setting in sorted(config.get_map("Environment", "Variables").items()):
            origin = _terraform_origin(terraform_inputs.get(name)) or _origin(config.template, setting.value)
            if origin is None or literal_secret_kind(name, setting.value) is not None:
                continue
            where, secret_source = origin
            if not secret_source and not SECRET_NAME.search(name):
                continue
            state = " and in the Terraform state" if config.template.dialect.name == "terraform" else ""
            yield Report(
                f"{name} is set from {where}: the value is resolved when the function is deployed and "
                f"stored in plain text in its configuration{state}, where anyone allowed to read the "
                "function's configuration (console, GetFunctionConfiguration) can read it. Pass only "
                "the secret's name or ARN and read the value at run time, cached across invocations "
                "(the AWS Parameters and Secrets Lambda extension, or Powertools for AWS Lambda parameters)",
                TemplateAt(config.template, setting.path), resources=(config.logical_id,))


def _terraform_origin(recorded: Any) -> Optional[Origin]:
    """The origin the Terraform translation recorded (untrusted shape: a template may say anything)."""
    if isinstance(recorded, list) and len(recorded) == 2 and isinstance(recorded[0], str) \
            and isinstance(recorded[1], bool):
        return recorded[0], recorded[1]
    return None


def _origin(template, value: Any, depth: int = 0) -> Optional[Origin]:
    """Where a CloudFormation or Serverless value comes from when it is resolved at deploy time."""
    if depth > 10:
        return None
    if isinstance(value, str):
        return next((origin for marker, origin in _DYNAMIC_REFERENCES if marker in value), None)
    if not isinstance(value, dict) or len(value) != 1:
        return None
    (key, inner), = value.items()
    if key == "Ref" and isinstance(inner, str):
        return _parameter_origin(template, inner)
    if key == "Fn::Unresolved" and isinstance(inner, str) and template.dialect.name == "serverless":
        return _serverless_origin(inner)
    if key == "Fn::Sub":
        text, variables = (inner[0], as_mapping(inner[1])) if isinstance(inner, list) and len(inner) == 2 \
            else (inner, {})
        found = [_origin(template, text, depth + 1)] if isinstance(text, str) else []
        if isinstance(text, str):
            found += [_parameter_origin(template, name) for name in re.findall(r"\$\{([A-Za-z0-9_]+)\}", text)]
        found += [_origin(template, item, depth + 1) for item in variables.values()]
        return _strongest(found)
    if key in ("Fn::Join", "Fn::If") and isinstance(inner, list):
        items = inner[1] if key == "Fn::Join" and len(inner) == 2 and isinstance(inner[1], list) else inner
        return _strongest([_origin(template, item, depth + 1) for item in items])
    return None


def _strongest(origins) -> Optional[Origin]:
    known = [origin for origin in origins if origin is not None]
    return max(known, key=lambda origin: origin[1]) if known else None


def _parameter_origin(template, name: str) -> Optional[Origin]:
    """A NoEcho parameter is a secret; a Parameter Store value parameter may be one."""
    parameter = as_mapping(as_mapping(template.data.get("Parameters")).get(name))
    if parameter.get("NoEcho") in (True, "true", "True"):
        return f"the NoEcho parameter {name}", True
    kind = parameter.get("Type")
    if isinstance(kind, str) and kind.startswith("AWS::SSM::Parameter::Value"):
        return f"the parameter {name} (a Parameter Store value)", False
    return None


def _serverless_origin(text: str) -> Optional[Origin]:
    """A Serverless variable the framework resolves when it deploys (`${ssm:...}`, `${env:...}`,
    `${file(...)}`...); one whose last word says it names the secret (`...Arn}`) holds no secret."""
    if "${" not in text or _NAMES_A_SECRET.search(text):
        return None
    shown = text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "..."
    return f"the Serverless variable `{shown}`", bool(_SERVERLESS_SECRET.search(text))
