"""Source-analysis accuracy on real projects (issue 11): routes registered by decorators, imports
another import already loads, LL101/LL104 agreement, lazy initialisation from the event, database
drivers and boto3 sessions, client arguments traced from the handler into helpers."""
from support import check_json, materialize

SAM = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: {handler}
      Runtime: python3.13
"""


def _check(tmp_path, monkeypatch, files, *options):
    materialize(files, tmp_path)
    monkeypatch.chdir(tmp_path)
    return check_json(["."], *options)


def _brief(findings):
    return [(f["code"], f["filename"], f["location"]["row"], f["location"]["column"], f["severity"])
            for f in findings]


# -- LL101: routes and callbacks registered by decorators -----------------------------------------
POWERTOOLS_ROUTES = """\
import requests
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

app = APIGatewayRestResolver()


@app.get("/todos")
def get_todos():
    return {"todos": requests.get("https://example.com/todos").json()}


def lambda_handler(event, context):
    return app.resolve(event, context)
"""


def test_fp_ll101_decorator_routes(tmp_path, monkeypatch):
    files = {"template.yaml": SAM.format(handler="app.lambda_handler"), "src/app.py": POWERTOOLS_ROUTES}
    assert _check(tmp_path, monkeypatch, files, "--select", "LL101") == []


CRHELPER = """\
import boto3
from crhelper import CfnResource

helper = CfnResource()


def get_client(host):
    return boto3.Session().get_credentials()


@helper.create
def create_index(event, context):
    get_client(event["ResourceProperties"]["Host"])


def lambda_handler(event, context):
    print(event)
    helper(event, context)
"""


def test_fp_ll101_crhelper(tmp_path, monkeypatch):
    files = {"template.yaml": SAM.format(handler="index.lambda_handler"), "src/index.py": CRHELPER}
    findings = _check(tmp_path, monkeypatch, files)
    assert [f["code"] for f in findings if f["code"] == "LL101"] == []
    # the callback is on the handler path: its per-invocation session is LL104's (a true finding)
    assert _brief(findings) == [("LL104", "src/index.py", 8, 12, "warning")]
    assert "boto3.Session() creates an AWS SDK session" in findings[0]["message"]


FLASK_ROUTES_BEHIND_MANGUM = """\
import pandas as pd
from fastapi import APIRouter

router = APIRouter()


@router.post("/report")
def report(rows: list):
    return pd.DataFrame(rows).to_dict()


def handler(event, context):
    from app_main import asgi
    return asgi(event, context)
"""


def test_router_decorator_from_module_level_object_registers(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"app.py": FLASK_ROUTES_BEHIND_MANGUM}, "--select", "LL101")
    assert findings == []


WRAPPED_HELPER = """\
import pandas as pd
from aws_lambda_powertools import Logger, Tracer

tracer = Tracer()
logger = Logger()


@tracer.capture_method
def export(rows):
    return pd.DataFrame(rows).to_csv()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event, context):
    if event.get("format") == "csv":
        return export(event["rows"])
    return "{}"
"""


def test_wrapping_decorators_keep_true_ll101(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"app.py": WRAPPED_HELPER}, "--select", "LL101")
    assert _brief(findings) == [("LL101", "app.py", 1, 1, "warning")]
    assert "needed only in export()" in findings[0]["message"]


UNKNOWN_DECORATOR_ON_HANDLER = """\
import pandas as pd
from middleware import app

def export(rows):
    return pd.DataFrame(rows).to_csv()


@app.entrypoint
def handler(event, context):
    if event.get("format") == "csv":
        return export(event["rows"])
    return "{}"
"""


def test_a_registering_decorator_on_the_handler_does_not_hide_its_branches(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"app.py": UNKNOWN_DECORATOR_ON_HANDLER}, "--select", "LL101")
    assert _brief(findings) == [("LL101", "app.py", 1, 1, "warning")]


DECORATED_BUT_CALLED_BY_NAME = """\
import pandas as pd
from router import app


@app.get("/export")
def export(rows):
    return pd.DataFrame(rows).to_csv()


def handler(event, context):
    if event.get("format") == "csv":
        return export(event["rows"])
    return "{}"
"""


def test_a_decorated_function_called_by_name_follows_the_call_graph(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"app.py": DECORATED_BUT_CALLED_BY_NAME}, "--select", "LL101")
    assert _brief(findings) == [("LL101", "app.py", 1, 1, "warning")]


# -- LL101: moving the import saves nothing --------------------------------------------------------
def test_ll101_not_reported_when_an_unshipped_package_already_loads_it(tmp_path, monkeypatch):
    code = ("import boto3\nfrom crhelper import CfnResource\n\nhelper = CfnResource()\n\n"
            "def version(name):\n    return boto3.__version__ + name\n\n"
            "def handler(event, context):\n    if event.get('v'):\n        return version('x')\n"
            "    return helper(event, context)\n")
    assert _check(tmp_path, monkeypatch, {"app.py": code}, "--select", "LL101") == []


def test_ll101_still_reported_without_the_import_that_loads_it(tmp_path, monkeypatch):
    code = ("import boto3\n\ndef version(name):\n    return boto3.__version__ + name\n\n"
            "def handler(event, context):\n    if event.get('v'):\n        return version('x')\n    return 1\n")
    findings = _check(tmp_path, monkeypatch, {"app.py": code}, "--select", "LL101")
    assert _brief(findings) == [("LL101", "app.py", 1, 1, "warning")]
    assert "boto3 costs an estimated 120 ms" in findings[0]["message"]


def test_ll101_not_reported_when_the_same_package_stays_imported(tmp_path, monkeypatch):
    code = ("import pandas\nfrom pandas import DataFrame\n\nEMPTY = pandas.DataFrame()\n\n"
            "def frame(rows):\n    return DataFrame(rows)\n\n"
            "def handler(event, context):\n    if event:\n        return frame(event)\n")
    assert _check(tmp_path, monkeypatch, {"app.py": code}, "--select", "LL101") == []


# -- LL101 and LL104 never give opposite advice ----------------------------------------------------
CLIENT_IN_CONDITIONAL_HELPER = """\
import boto3


def archive(key):
    s3 = boto3.client("s3")
    return s3.delete_object(Bucket="archive", Key=key)


def handler(event, context):
    if event.get("archive"):
        return archive(event["key"])
    return None
"""


def test_ll101_defers_to_ll104_for_a_client_made_per_invocation(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"app.py": CLIENT_IN_CONDITIONAL_HELPER}, "--select", "LL101,LL104")
    assert _brief(findings) == [("LL104", "app.py", 5, 10, "warning")]
    assert "create it once at module level" in findings[0]["message"]


def test_ll101_still_reported_when_the_helper_creates_no_client(tmp_path, monkeypatch):
    code = CLIENT_IN_CONDITIONAL_HELPER.replace('s3 = boto3.client("s3")', "s3 = boto3.DEFAULT_SESSION")
    findings = _check(tmp_path, monkeypatch, {"app.py": code}, "--select", "LL101,LL104")
    assert _brief(findings) == [("LL101", "app.py", 1, 1, "warning")]
    assert "import it where it is needed" in findings[0]["message"]


# -- LL402: lazy initialisation whose value depends on the event -----------------------------------
LAZY_FROM_EVENT = """\
import boto3

apigw_client = None


def lambda_handler(event, context):
    global apigw_client
    domain = event["requestContext"]["domainName"]
    if apigw_client is None:
        apigw_client = boto3.client("apigatewaymanagementapi", endpoint_url=f"https://{domain}")
    return {"statusCode": 200}
"""


def test_fp_ll402_lazy_init_event_value(tmp_path, monkeypatch):
    assert _check(tmp_path, monkeypatch, {"app.py": LAZY_FROM_EVENT}, "--select", "LL402,LL104") == []


def test_ll402_request_value_under_a_sibling_guard_is_reported(tmp_path, monkeypatch):
    code = ("_config = None\n_user = None\n\ndef handler(event, context):\n    global _config, _user\n"
            "    if _config is None:\n        _config = {}\n        _user = event['user']\n    return _user\n")
    findings = _check(tmp_path, monkeypatch, {"app.py": code}, "--select", "LL402")
    assert _brief(findings) == [("LL402", "app.py", 8, 9, "warning")]
    assert "rebinds the global _user" in findings[0]["message"]


# -- LL104: arguments traced into helpers, database drivers, sessions ------------------------------
ENV_ARGUMENT = """\
import os
import boto3


def publish(endpoint, message):
    iot = boto3.client("iot-data", endpoint_url=endpoint)
    return iot.publish(topic="t", payload=message)


def lambda_handler(event, context):
    return publish(os.environ["IOT_DATA_ENDPOINT"], event["body"])
"""


def test_sev_ll104_env_arg_info(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"app.py": ENV_ARGUMENT}, "--select", "LL104")
    assert _brief(findings) == [("LL104", "app.py", 6, 11, "warning")]
    assert "(in publish()): create it once at module level" in findings[0]["message"]


def test_ll104_helper_fed_from_the_event_is_info(tmp_path, monkeypatch):
    code = ENV_ARGUMENT.replace('os.environ["IOT_DATA_ENDPOINT"]', 'event["endpoint"]')
    findings = _check(tmp_path, monkeypatch, {"app.py": code}, "--select", "LL104")
    assert _brief(findings) == [("LL104", "app.py", 6, 11, "info")]
    assert "from the arguments of publish(); keep one per key" in findings[0]["message"]


def test_ll104_event_traced_through_two_helpers_and_keywords(tmp_path, monkeypatch):
    code = ("import boto3\n\ndef client(region):\n    return boto3.client('s3', region_name=region)\n\n"
            "def copy(source, region=None):\n    return client(region).copy(source)\n\n"
            "def handler(event, context):\n    return copy('a', region=event['region'])\n")
    findings = _check(tmp_path, monkeypatch, {"app.py": code}, "--select", "LL104")
    assert _brief(findings) == [("LL104", "app.py", 4, 12, "info")]


DRIVERS = """\
import os
import boto3
import pg8000
import pg8000.native
import psycopg2
import pymysql
import redis
from pymongo import MongoClient

session = boto3.session.Session()


def handler(event, context):
    return (
        pymysql.connect(host=os.environ["HOST"]),
        psycopg2.connect(os.environ["DSN"]),
        pg8000.connect(user="u"),
        pg8000.native.Connection("u"),
        redis.Redis(host="cache"),
        redis.StrictRedis(host="cache"),
        redis.from_url(os.environ["REDIS_URL"]),
        MongoClient(os.environ["MONGO_URI"]),
        session.client("s3"),
        session.resource("dynamodb"),
        pymysql.connect(host=event["host"]),
    )
"""


def test_ll104_database_drivers_and_session_clients(tmp_path, monkeypatch):
    findings = _check(tmp_path, monkeypatch, {"app.py": DRIVERS}, "--select", "LL104")
    got = [(f["location"]["row"], f["severity"], f["message"].split(" on every")[0]) for f in findings]
    assert got == [
        (15, "warning", "pymysql.connect() creates a MySQL connection"),
        (16, "warning", "psycopg2.connect() creates a PostgreSQL connection"),
        (17, "warning", "pg8000.connect() creates a PostgreSQL connection"),
        (18, "warning", "pg8000.native.Connection() creates a PostgreSQL connection"),
        (19, "warning", "redis.Redis() creates a Redis client"),
        (20, "warning", "redis.StrictRedis() creates a Redis client"),
        (21, "warning", "redis.from_url() creates a Redis client"),
        (22, "warning", "pymongo.MongoClient() creates a MongoDB client"),
        (23, "warning", "session.client() creates an AWS SDK client"),
        (24, "warning", "session.resource() creates an AWS SDK resource"),
        (25, "info", "pymysql.connect() creates a MySQL connection"),
    ]


def test_ll104_session_and_drivers_not_reported_when_created_once(tmp_path, monkeypatch):
    code = ("import boto3\nimport pymysql\n\nsession = boto3.Session()\ns3 = session.client('s3')\n"
            "conn = pymysql.connect(host='db')\n_cache = None\n\ndef handler(event, context):\n"
            "    global _cache\n    if _cache is None:\n        _cache = session.client('sqs')\n"
            "    return s3, conn, _cache\n")
    assert _check(tmp_path, monkeypatch, {"app.py": code}, "--select", "LL104") == []


def test_ll104_local_session_reported_once(tmp_path, monkeypatch):
    code = ("import boto3\n\ndef handler(event, context):\n    session = boto3.Session()\n"
            "    return session.client('s3'), boto3.Session().client('sqs')\n")
    findings = _check(tmp_path, monkeypatch, {"app.py": code}, "--select", "LL104")
    assert [(f["location"]["row"], f["location"]["column"]) for f in findings] == [(4, 15), (5, 34)]
    assert all("boto3.Session() creates an AWS SDK session" in f["message"] for f in findings)


def test_source_analysis_data_tables_say_where_they_come_from():
    import re

    from lambdalint.data import table

    for name in ("clients", "decorators", "package_loads"):
        meta = table(name)["meta"]
        assert meta["source"].startswith("https://") and re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta["checked"])
    assert table("clients")["factories"]["pg8000.native.Connection"] == "a PostgreSQL connection"
    assert "capture_method" in table("decorators")["wrapping"]["methods"]
    assert "boto3" in table("package_loads")["loads"]["crhelper"]


def test_ll104_in_a_route_registered_in_another_own_module(tmp_path, monkeypatch):
    files = {
        "template.yaml": SAM.format(handler="app.handler"),
        "src/app.py": ("from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
                       "from routes import router\n\napp = APIGatewayRestResolver()\napp.include_router(router)\n\n"
                       "def handler(event, context):\n    return app.resolve(event, context)\n"),
        "src/routes.py": ("import boto3\nfrom aws_lambda_powertools.event_handler.router import APIGatewayRouter\n\n"
                          "router = APIGatewayRouter()\n\n@router.get('/buckets')\ndef buckets():\n"
                          "    return boto3.client('s3').list_buckets()\n"),
    }
    findings = _check(tmp_path, monkeypatch, files, "--select", "LL104")
    assert _brief(findings) == [("LL104", "src/routes.py", 8, 12, "warning")]
    assert "(in buckets())" in findings[0]["message"]


ONCE_FLAG = """\
import requests

is_cold_start = True
keys = {}


def load_keys(url):
    global keys, is_cold_start
    if is_cold_start:
        keys = requests.get(url).json()
        is_cold_start = False
    return keys


def handler(event, context):
    return load_keys(event["url"])
"""


def test_a_once_flag_guard_is_lazy_initialisation_for_ll101_and_ll402(tmp_path, monkeypatch):
    # real project: a JWKS download under `if is_cold_start:` runs once per environment
    assert _check(tmp_path, monkeypatch, {"app.py": ONCE_FLAG}) == []
    counter = ONCE_FLAG.replace("        is_cold_start = False\n", "").replace(
        "    return keys\n", "    is_cold_start = event['again']\n    return keys\n", 1)
    assert "LL402" in {f["code"] for f in _check(tmp_path, monkeypatch, {"app.py": counter})}
