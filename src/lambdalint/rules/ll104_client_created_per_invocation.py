from lambdalint.findings import NodeAt, Report, Severity
from lambdalint.rules.base import SOURCE, Rule
from lambdalint.rules.examples import python


class ClientCreatedPerInvocationRule(Rule):
    code = "LL104"
    name = "client-created-per-invocation"
    severity = Severity.WARNING
    summary = "An SDK client, database connection or HTTP session created on every invocation"
    needs = frozenset({SOURCE})
    code_only = True
    invalid = (
        python("import boto3\n\ndef handler(event, context):\n    s3 = boto3.client('s3')\n"
               "    return s3.list_buckets()\n", "a client per invocation"),
        python("import requests\n\ndef fetch(url):\n    with requests.Session() as session:\n"
               "        return session.get(url)\n\ndef handler(event, context):\n    return fetch(event['url'])\n",
               "an HTTP session in a helper the handler calls"),
        python("import boto3\n\ndef handler(event, context):\n    region = event['region']\n"
               "    return boto3.client('s3', region_name=region).list_buckets()\n",
               "per-region clients: reported at info severity with keyed-cache advice"),
        python("import boto3\n\ndef get_client(service, event):\n    creds = event['credentials']\n"
               "    return boto3.client(service, aws_access_key_id=creds['AccessKeyId'])\n\n"
               "def handler(event, context):\n    return get_client('s3', event)\n",
               "a helper creating clients from its arguments (per-tenant credentials): info"),
        python("import boto3\n\ndef handler(event, context):\n    if 'Records' not in event:\n"
               "        s3 = boto3.client('s3')\n        return s3.list_buckets()\n",
               "a `not in` test that is not a keyed cache"),
        python("import os\nimport pymysql\n\ndef handler(event, context):\n"
               "    conn = pymysql.connect(host=os.environ['DB_HOST'])\n    return conn\n", "a database connection"),
        python("import psycopg2\nimport pg8000.native\nimport redis\nimport pymongo\n\n"
               "def handler(event, context):\n    return (psycopg2.connect('dsn'), pg8000.native.Connection('u'),\n"
               "            redis.Redis(host='h'), pymongo.MongoClient('uri'))\n", "database drivers"),
        python("import boto3\n\nsession = boto3.session.Session()\n\ndef handler(event, context):\n"
               "    return session.client('s3').list_buckets()\n", "a client from a module-level boto3 Session"),
        python("import os\nimport boto3\n\ndef publish(endpoint, message):\n"
               "    return boto3.client('iot-data', endpoint_url=endpoint).publish(topic='t', payload=message)\n\n"
               "def handler(event, context):\n    return publish(os.environ['ENDPOINT'], event['body'])\n",
               "a helper whose client arguments come from the environment: a warning"),
        python("import boto3\nfrom aws_lambda_powertools.event_handler import APIGatewayRestResolver\n\n"
               "app = APIGatewayRestResolver()\n\n@app.get('/buckets')\ndef buckets():\n"
               "    return boto3.client('s3').list_buckets()\n\n"
               "def handler(event, context):\n    return app.resolve(event, context)\n",
               "in a route registered by a decorator"),
    )
    valid = (
        python("import boto3\n\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n"
               "    return s3.list_buckets()\n", "created once at module level"),
        python("import boto3\n\n_s3 = None\n\ndef handler(event, context):\n    global _s3\n"
               "    if _s3 is None:\n        _s3 = boto3.client('s3')\n    return _s3.list_buckets()\n",
               "lazy initialisation guarded by `if X is None`"),
        python("import functools\nimport boto3\n\n@functools.lru_cache(maxsize=None)\ndef client(name):\n"
               "    return boto3.client(name)\n\ndef handler(event, context):\n    return client('s3')\n",
               "a cached factory function"),
        python("import sqlite3\n\ndef handler(event, context):\n    return sqlite3.connect(':memory:')\n",
               "sqlite3 is not a network connection"),
        python("import boto3\n\n_s3 = None\n\ndef handler(event, context):\n    global _s3\n"
               "    _s3 = _s3 or boto3.client('s3')\n    return _s3\n", "`X = X or factory()`"),
        python("import boto3\n\nCLIENTS = {}\n\ndef client(region):\n    if region not in CLIENTS:\n"
               "        CLIENTS[region] = boto3.client('s3', region_name=region)\n    return CLIENTS[region]\n\n"
               "def handler(event, context):\n    return client(event['region'])\n", "a keyed cache"),
    )

    def check_function(self, fn, ctx):
        from lambdalint.analysis.clients import per_invocation_clients

        for created in per_invocation_clients(fn, ctx):
            function = created.part.scope.function.name.value
            at = NodeAt(created.part.source, created.call)
            if created.from_event:
                origin = "values of the event" if created.part.is_handler else f"the arguments of {function}()"
                yield Report(
                    f"{created.factory}() creates {created.what} on every invocation from {origin}; "
                    "keep one per key in a module-level dict (or functools.lru_cache) so warm "
                    "invocations reuse it", at, severity=Severity.INFO)
            else:
                cost = " (the first boto3 client costs about 100 ms)" if created.package.startswith("boto") else ""
                yield Report(
                    f"{created.factory}() creates {created.what} on every invocation (in {function}()): "
                    "create it once at module level, or lazily into a global, so warm invocations "
                    f"reuse it{cost}", at)
