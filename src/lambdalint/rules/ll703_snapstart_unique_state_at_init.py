from lambdalint.findings import NodeAt, Report, Severity
from lambdalint.rules.base import CONFIG, SOURCE, Example, Rule
from lambdalint.rules.examples import function_with, template

_SNAP = "AutoPublishAlias: live\nSnapStart:\n  ApplyOn: PublishedVersions"


def _snap(code: str, description: str = ""):
    """A SAM function with SnapStart whose code (src/app.py) is `code`."""
    return template(function_with(_SNAP, code_uri="src/"), description, **{"src/app.py": code})


def _plain(code: str, description: str = ""):
    return template(function_with("AutoPublishAlias: live", code_uri="src/"), description, **{"src/app.py": code})


_HOOK = "from snapshot_restore_py import register_after_restore\n"
_SERVERLESS = """\
service: example
provider:
  name: aws
  runtime: python3.12
functions:
  fn:
    handler: app.handler
    snapStart: true
"""
_TERRAFORM = """\
data "archive_file" "fn" {
  type        = "zip"
  source_dir  = "src"
  output_path = "build.zip"
}
resource "aws_lambda_function" "fn" {
  function_name = "fn"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = data.archive_file.fn.output_path
  publish       = true
  snap_start {
    apply_on = "PublishedVersions"
  }
}
"""

# What each kind of state is, and what to do about it.
_ADVICE = {
    "seed": "seeds the random generator at init: every environment restored from the snapshot draws "
            "the same sequence",
    "unique": "is made at init: every environment restored from the snapshot shares the same value",
    "timestamp": "is read at init: in an environment restored from the snapshot it is the time the "
                 "snapshot was taken, not now",
    "connection": "is opened at init: the snapshot copies it into every restored environment, where "
                  "the server side has long closed it (or several environments share one session)",
    "temp": "is created at init: every environment restored from the snapshot has the same name",
    "credentials": "is fetched and cached at init: a restored environment may use it long after it "
                   "expired or was rotated",
}


class SnapStartUniqueStateAtInitRule(Rule):
    code = "LL703"
    name = "snapstart-unique-state-at-init"
    severity = Severity.WARNING
    summary = ("In a SnapStart function, random seeds, unique IDs, timestamps, connections, temporary files "
               "or credentials made at init and shared by every restored environment")
    needs = frozenset({SOURCE, CONFIG})
    invalid = (
        _snap("import random\n\nrandom.seed(42)\n\ndef handler(event, context):\n    return random.random()\n",
              "random.seed at module level"),
        _snap("import uuid\n\nINSTANCE_ID = str(uuid.uuid4())\n\ndef handler(event, context):\n"
              "    return INSTANCE_ID\n", "a UUID kept in a global"),
        _snap("from datetime import datetime\n\nSTARTED = datetime.now()\n\ndef handler(event, context):\n"
              "    return str(STARTED)\n", "a timestamp taken at import"),
        _snap("import os\nimport psycopg2\n\nCONN = psycopg2.connect(os.environ['DSN'])\n\n"
              "def handler(event, context):\n    return CONN.cursor()\n", "a database connection at init"),
        _snap("import requests\n\nSESSION = requests.Session()\n\ndef handler(event, context):\n"
              "    return SESSION.get(event['url']).text\n", "an HTTP session with keep-alive"),
        _snap("import tempfile\n\nFD, SCRATCH = tempfile.mkstemp()\n\ndef handler(event, context):\n"
              "    return SCRATCH\n", "a temporary file made at init"),
        _snap("import boto3\n\nCREDS = boto3.client('sts').assume_role(RoleArn='arn', RoleSessionName='s')"
              "['Credentials']\n\ndef handler(event, context):\n    return CREDS\n", "credentials cached at init"),
        _snap("import json\nimport boto3\n\ndef load_secret():\n    sm = boto3.client('secretsmanager')\n"
              "    return sm.get_secret_value(SecretId='db')['SecretString']\n\nSECRET = json.loads(load_secret())\n\n"
              "def handler(event, context):\n    return SECRET\n", "a secret fetched by a helper called at init"),
        _snap(_HOOK + "import random\nimport uuid\n\nrandom.seed(1)\nTOKEN = uuid.uuid4().hex\n\n"
              "@register_after_restore\ndef after_restore():\n    random.seed()\n\n"
              "def handler(event, context):\n    return TOKEN\n",
              "a hook that re-seeds random but does not make the token again"),
        Example({"serverless.yml": _SERVERLESS, "app.py": "import secrets\n\nKEY = secrets.token_hex(16)\n\n"
                  "def handler(event, context):\n    return KEY\n"}, "serverless.yml"),
        Example({"main.tf": _TERRAFORM, "src/app.py": "import os\n\nNONCE = os.urandom(16)\n\n"
                 "def handler(event, context):\n    return NONCE\n"}, "Terraform"),
    )
    valid = (
        _plain("import random\nimport uuid\n\nrandom.seed(42)\nID = uuid.uuid4()\n\n"
               "def handler(event, context):\n    return ID\n", "SnapStart off"),
        _snap(_HOOK + "import random\n\nrandom.seed(42)\n\n@register_after_restore\ndef reseed():\n"
              "    random.seed()\n\ndef handler(event, context):\n    return random.random()\n",
              "re-seeded in @register_after_restore"),
        _snap(_HOOK + "import uuid\nimport psycopg2\n\nINSTANCE_ID = str(uuid.uuid4())\nCONN = psycopg2.connect('dsn')\n\n"
              "@register_after_restore\ndef after_restore():\n    global INSTANCE_ID, CONN\n"
              "    INSTANCE_ID = str(uuid.uuid4())\n    CONN = psycopg2.connect('dsn')\n\n"
              "def handler(event, context):\n    return INSTANCE_ID, CONN\n", "made again in the after-restore hook"),
        _snap("import snapshot_restore_py\nimport uuid\n\nID = uuid.uuid4()\n\ndef renew():\n    global ID\n"
              "    ID = uuid.uuid4()\n\nsnapshot_restore_py.register_after_restore(renew)\n\n"
              "def handler(event, context):\n    return ID\n", "a hook registered by a call"),
        _snap("import uuid\n\n_id = None\n\ndef handler(event, context):\n    global _id\n    if _id is None:\n"
              "        _id = uuid.uuid4()\n    return _id\n", "made lazily in the handler (after the restore)"),
        _snap("import boto3\n\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n"
              "    return s3.list_buckets()\n", "AWS SDK clients reconnect after a restore"),
        _snap("import random\nimport time\n\ndef handler(event, context):\n    random.seed(time.time())\n"
              "    return random.random()\n", "seeded in the handler"),
        _snap("import uuid\n\nHANDLERS = {'id': lambda: uuid.uuid4()}\n\ndef handler(event, context):\n"
              "    return HANDLERS['id']()\n", "a lambda called later"),
    )

    def check_function(self, fn, ctx):
        from lambdalint.analysis.snapstart import ON, init_state, snapstart_state

        if snapstart_state(fn) != ON:
            return
        for state in init_state(fn, ctx):
            yield Report(_message(state), NodeAt(state.part.source, state.node))


def _message(state) -> str:
    call = state.call.lstrip(".")
    via = f" (by {state.via}())" if state.via else ""
    if state.kind == "seed":
        return (f"{call}() {_ADVICE['seed']}. Seed in the handler, or again in a "
                "snapshot_restore_py @register_after_restore hook")
    names = ", ".join(state.names)
    return (f"{names}: {state.what} from {call}(){via} {_ADVICE[state.kind]}. Make it in the handler "
            f"(lazily), or again in a snapshot_restore_py @register_after_restore hook")
