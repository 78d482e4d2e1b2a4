from typing import Optional

from lambdalint.data import quota
from lambdalint.findings import Report, Severity, TemplateAt
from lambdalint.model.template import int_value, is_intrinsic, number_value
from lambdalint.rules.base import CONFIG, Example, Rule
from lambdalint.rules.examples import function_with, template

API = "Events:\n  Get:\n    Type: Api\n    Properties:\n      Path: /orders\n      Method: get"
HTTP_API = "Events:\n  Get:\n    Type: HttpApi\n    Properties:\n      Path: /orders\n      Method: get"
ALB_PERMISSION = """\
  FromAlb:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !GetAtt Fn.Arn
      Action: lambda:InvokeFunction
      Principal: elasticloadbalancing.amazonaws.com
"""
TF_INTEGRATION = """\
resource "aws_lambda_function" "api" {{
  runtime = "python3.12"
  handler = "app.handler"
  timeout = {timeout}
}}
resource "aws_apigatewayv2_integration" "api" {{
  api_id           = "a1b2c3"
  integration_type = "AWS_PROXY"
  integration_uri  = aws_lambda_function.api.invoke_arn
  {millis}
}}
"""
OPENAPI_API = """\
  Orders:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody:
        openapi: '3.0.1'
        paths:
          /orders:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: {uri}
{millis}"""
FN_ARN_URI = "!Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"
OPENAPI_FILE = """\
openapi: '3.0.1'
paths:
  /orders:
    post:
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:orders/invocations
"""
LIMITS = {"Api": ("api_gateway_rest_timeout_s", "API Gateway REST API"),
          "HttpApi": ("api_gateway_http_timeout_s", "API Gateway HTTP API"),
          "ALB": ("alb_idle_timeout_default_s", "Application Load Balancer (default idle timeout)")}


class TimeoutExceedsApiIntegrationRule(Rule):
    code = "LL602"
    name = "timeout-exceeds-api-integration"
    severity = Severity.WARNING
    summary = "A function behind API Gateway whose timeout is longer than the integration's"
    needs = frozenset({CONFIG})
    invalid = (
        template(function_with(API + "\nTimeout: 60"), "a REST API waits 29 s"),
        template(function_with(HTTP_API, globals_="Timeout: 45"), "an HTTP API waits 30 s (timeout from Globals)"),
        template(function_with(HTTP_API + "\n      TimeoutInMillis: 5000\nTimeout: 20"),
                 "an integration timeout lowered to 5 s"),
    )
    invalid += (
        template(function_with("Timeout: 120", resources=ALB_PERMISSION),
                 "behind an Application Load Balancer (60 s idle timeout by default)"),
        Example({"serverless.yml": "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n"
                 "functions:\n  api:\n    handler: app.handler\n    timeout: 45\n    events:\n"
                 "      - httpApi: GET /orders\n"}, "serverless.yml httpApi event"),
        Example({"main.tf": TF_INTEGRATION.format(timeout=60, millis="")}, "Terraform HTTP API integration"),
        template(function_with("Timeout: 60", resources=OPENAPI_API.format(uri=FN_ARN_URI, millis="")),
                 "an integration of an OpenAPI DefinitionBody"),
        template(function_with("FunctionName: orders\nTimeout: 60", resources=(
            "  Orders:\n    Type: AWS::ApiGateway::RestApi\n    Properties:\n      BodyS3Location: openapi.yaml\n")),
            "an OpenAPI file naming the function by its ARN", **{"openapi.yaml": OPENAPI_FILE}),
    )
    valid = (
        template(function_with(API + "\nTimeout: 29")),
        template(function_with("Timeout: 60", resources=ALB_PERMISSION), "60 s behind a load balancer"),
        Example({"main.tf": TF_INTEGRATION.format(timeout=20, millis="timeout_milliseconds = 25000")},
                "Terraform integration timeout above the function's"),
        template(function_with(HTTP_API + "\nTimeout: 30")),
        template(function_with("Timeout: 300"), "no API trigger"),
        template(function_with(API), "the default 3 s"),
        template(function_with(API + "\n      TimeoutInMillis: 120000\nTimeout: 120"),
                 "a REST integration timeout raised to 120 s"),
        template(function_with("Timeout: 60", resources=OPENAPI_API.format(
            uri=FN_ARN_URI, millis="                timeoutInMillis: 90000\n")),
                 "an OpenAPI integration whose timeout is raised to 90 s"),
        template(function_with("Timeout: 60", resources=OPENAPI_API.format(
            uri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${stageVariables.fn}/invocations",
            millis="")), "a function chosen by a stage variable is unknown"),
    )

    def check_function(self, fn, ctx):
        setting = fn.config.get("Timeout")
        timeout = setting.as_int() if setting else None
        if timeout is None:
            return
        limits = [(_limit(fn, e), e.name, e) for e in fn.config.events
                  if e.type in LIMITS and e.kind != "async"]  # an asynchronous integration does not wait
        # by limit, then name (an event and a permission may share a name: Events do not compare)
        events = sorted((item for item in limits if item[0] is not None), key=lambda item: item[:2])
        for limit, _, event in events[:1]:  # the strictest integration decides
            label = LIMITS[event.type][1]
            if timeout > limit:
                yield Report(
                    f"{fn.config.name} may run {timeout} s but its {label} event '{event.name}' "
                    f"waits at most {limit} s: the client gets a 504 while the function keeps running "
                    f"(and billing). Lower {fn.config.template.term('Timeout')} to {limit} or less, or go asynchronous (queue the "
                    "work and return 202)", TemplateAt(fn.config.template, setting.path),
                    resources=(fn.config.logical_id,))


def _limit(fn, event) -> Optional[int]:
    """The event's own TimeoutInMillis when given (REST APIs can be raised above 29 s), else the
    service's default; None when it is set but known only at deploy time."""
    millis = event.timeout_millis if event.timeout_millis is not None else \
        fn.config.template.get_value(event.path + ("Properties", "TimeoutInMillis"))
    value = int_value(millis)
    if value is not None:
        return max(1, value // 1000)
    if is_intrinsic(millis) or number_value(millis) is not None:
        return None  # known only at deploy time, or too long to convert: no limit we can tell
    return quota(LIMITS[event.type][0])
