"""Where a function's code is: found, followed, inline, remote, or missing (LL004), and the summary
that counts the functions checked with code, with configuration only, and without code."""
import pytest

from support import check_json, materialize, run_cli

HANDLER_WITH_BUGS = ('import boto3\n\n\ndef handler(event, context):\n    s3 = boto3.client("s3")\n'
                     '    with open("out.txt", "w") as f:\n        f.write("x")\n    return s3.list_buckets()\n')
SIMPLE_HANDLER = "import boto3\n\n\ndef lambda_handler(event, context):\n    return boto3.client('s3').list_buckets()\n"
SAM_HEADER = "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n"


def sam(properties: str) -> str:
    body = "".join(f"      {line}\n" for line in properties.splitlines())
    return SAM_HEADER + "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n" + body


def codes_at(findings):
    return sorted((f["code"], f["filename"], f["location"]["row"], f["location"]["column"]) for f in findings)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def make(files):
        materialize(files, tmp_path)
        return tmp_path

    return make


def text_lines(*args):
    result = run_cli(["check", ".", "--isolated", "--no-progress", *args])
    return result.stdout.splitlines()


# -- SAM ---------------------------------------------------------------------------------------------
def test_miss_sam_no_codeuri(project):
    project({"template.yaml": sam("Handler: src/app.handler\nRuntime: python3.13\nTimeout: 30"),
             "src/app.py": HANDLER_WITH_BUGS})
    findings = check_json(["."])
    assert codes_at(findings) == [("LL004", "template.yaml", 4, 3), ("LL104", "src/app.py", 5, 10),
                                  ("LL301", "src/app.py", 6, 10)]
    ll004 = next(f for f in findings if f["code"] == "LL004")
    assert ll004["severity"] == "info"
    assert "neither CodeUri nor InlineCode" in ll004["message"] and "whole folder" in ll004["message"]
    assert text_lines()[-1] == "Checked 1 function: 1 with code."


def test_the_default_timeout_is_reported_with_the_chained_sdk_call_the_handler_makes(project):
    """Why the fixtures here set a timeout: their handlers call AWS (LL614 otherwise)."""
    project({"template.yaml": sam("CodeUri: .\nHandler: app.lambda_handler\nRuntime: python3.13"),
             "app.py": SIMPLE_HANDLER})
    findings = check_json(["."], "--select", "LL614")
    assert codes_at(findings) == [("LL614", "template.yaml", 4, 3)]
    assert "default timeout of 3 s" in findings[0]["message"]
    assert ": list_buckets() (an AWS SDK request) at app.py:5" in findings[0]["message"]


def test_miss_ll207_codeuri_missing(project):
    project({"template.yaml": sam("CodeUri: src/lambda/\nHandler: app.lambda_handler\nRuntime: python3.13"),
             "src/app.py": "def lambda_handler(event, context):\n    return 1\n"})
    findings = check_json(["."])
    assert codes_at(findings) == [("LL004", "template.yaml", 7, 7)]
    assert findings[0]["severity"] == "warning"
    assert "'src/lambda/' does not exist" in findings[0]["message"]
    assert text_lines()[-2:] == ["Found 1 finding (0 errors, 1 warning) in 1 file.",
                                 "Checked 1 function: 0 with code, 1 without code."]


def test_never_all_checks_passed_alone_when_code_was_not_analysed(project):
    project({"template.yaml": sam("CodeUri: src/lambda/\nHandler: app.lambda_handler\nRuntime: python3.13")})
    assert text_lines("--ignore", "LL004") == ["All checks passed! (1 file checked)",
                                               "Checked 1 function: 0 with code, 1 without code."]


def test_sam_zip_not_built_is_info(project):
    project({"template.yaml": sam("CodeUri: dist/fn.zip\nHandler: app.handler\nRuntime: python3.12")})
    findings = check_json(["."])
    assert codes_at(findings) == [("LL004", "template.yaml", 7, 7)]
    assert findings[0]["severity"] == "info"
    assert "Build first, or run on the build output" in findings[0]["message"]


def test_remote_and_image_code_are_configuration_only(project):
    project({"template.yaml": SAM_HEADER
             + "  S3Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
               "      CodeUri: s3://bucket/fn.zip\n      Handler: app.handler\n      Runtime: python3.12\n"
             + "  Img:\n    Type: AWS::Serverless::Function\n    Properties:\n      PackageType: Image\n"
               "      ImageUri: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/fn:1\n"
             + "  Cfn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Handler: app.handler\n"
               "      Runtime: python3.12\n      Role: r\n      Code: {S3Bucket: b, S3Key: k}\n"})
    assert check_json(["."]) == []
    assert text_lines() == ["All checks passed! (1 file checked)", "Checked 3 functions: 0 with code, 3 configuration only."]


def test_cloudformation_without_code(project):
    project({"template.yaml": "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
                              "      Handler: app.handler\n      Runtime: python3.12\n      Role: r\n"})
    findings = check_json(["."])
    assert codes_at(findings) == [("LL004", "template.yaml", 2, 3)]
    assert "Code is not set" in findings[0]["message"]


# -- inline code -----------------------------------------------------------------------------------
INLINE = ("      InlineCode: |\n        import boto3\n        def lambda_handler(event, context):\n"
          "            open('out.txt', 'w').write('x')\n            return boto3.client('s3')\n")


def test_fp_ll207_inlinecode(project):
    project({"template.yaml": sam("CodeUri: ./\nHandler: index.lambda_handler\nRuntime: python3.13") + INLINE})
    findings = check_json(["."])
    # the inline module is analysed, its findings on the template's lines
    assert codes_at(findings) == [("LL104", "template.yaml", 14, 20), ("LL301", "template.yaml", 13, 13)]


def test_inline_code_with_another_module_name_is_ll207(project):
    project({"template.yaml": sam("Handler: app.lambda_handler\nRuntime: python3.13") + INLINE})
    findings = [f for f in check_json(["."]) if f["code"] == "LL207"]
    assert codes_at(findings) == [("LL207", "template.yaml", 7, 7)]
    assert "saved as index.py" in findings[0]["message"] and "'index.lambda_handler'" in findings[0]["message"]


def test_cloudformation_zipfile_is_analysed(project):
    project({"template.yaml": "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
                              "      Handler: index.handler\n      Runtime: python3.12\n      Role: r\n"
                              "      Code:\n        ZipFile: |\n          def handler(event, context):\n"
                              "              open('x.txt', 'w')\n"})
    findings = check_json(["."])
    assert codes_at(findings) == [("LL301", "template.yaml", 11, 15)]


def test_inline_code_is_never_fixed(project):
    heavy = ("      InlineCode: |\n        import pandas\n        def lambda_handler(event, context):\n"
             "            if event.get('report'):\n                return pandas.DataFrame()\n")
    project({"template.yaml": sam("Handler: index.lambda_handler\nRuntime: python3.12") + heavy})
    findings = [f for f in check_json(["."]) if f["code"] == "LL101"]
    assert codes_at(findings) == [("LL101", "template.yaml", 10, 9)] and findings[0]["fix"] is None


# -- Terraform -------------------------------------------------------------------------------------
TF_FUNCTION = ('resource "aws_lambda_function" "fn" {{\n  function_name = "fn"\n{code}'
               '  role          = "arn:aws:iam::123456789012:role/r"\n'
               '  handler       = "lambda_function.lambda_handler"\n  runtime       = "python3.13"\n'
               '  timeout       = 30\n}}\n')  # not the 3 s default: the handlers call AWS (LL614)


def test_miss_tf_s3_object(project):
    project({"main.tf": 'data "archive_file" "lambda" {\n  type        = "zip"\n'
                        '  source_dir  = "${path.module}/code"\n  output_path = "${path.module}/code.zip"\n}\n'
                        'resource "aws_s3_object" "lambda" {\n  bucket = "my-bucket"\n  key    = "code.zip"\n'
                        '  source = data.archive_file.lambda.output_path\n}\n'
                        + TF_FUNCTION.format(code='  s3_bucket = "my-bucket"\n  s3_key = aws_s3_object.lambda.key\n'),
             "code/lambda_function.py": SIMPLE_HANDLER})
    assert codes_at(check_json(["."])) == [("LL104", "code/lambda_function.py", 5, 12)]
    assert text_lines()[-1] == "Checked 1 function: 1 with code."


def test_tf_s3_code_that_cannot_be_followed_is_configuration_only(project):
    project({"main.tf": TF_FUNCTION.format(code='  s3_bucket = "my-bucket"\n  s3_key = "fn.zip"\n')})
    assert check_json(["."]) == []
    assert text_lines()[-1] == "Checked 1 function: 0 with code, 1 configuration only."


def test_miss_tf_filename_string(project):
    project({"main.tf": 'data "archive_file" "lambda" {\n  type        = "zip"\n'
                        '  source_file = "${path.module}/code/lambda_function.py"\n'
                        '  output_path = "lambda_function_payload.zip"\n}\n'
                        + TF_FUNCTION.format(code='  filename = "lambda_function_payload.zip"\n'),
             "code/lambda_function.py": SIMPLE_HANDLER})
    assert codes_at(check_json(["."])) == [("LL104", "code/lambda_function.py", 5, 12)]


def test_tf_filename_not_built_is_info(project):
    project({"main.tf": TF_FUNCTION.format(code='  filename = "build/fn.zip"\n')})
    findings = check_json(["."])
    assert codes_at(findings) == [("LL004", "main.tf", 3, 3)]
    assert findings[0]["severity"] == "info" and "'build/fn.zip' is not there yet" in findings[0]["message"]


def test_tf_without_any_code(project):
    project({"main.tf": TF_FUNCTION.format(code="")})
    findings = check_json(["."])
    assert [f["code"] for f in findings] == ["LL004"]
    assert "none of filename, s3_bucket and image_uri is set" in findings[0]["message"]


def test_fp_ll002_tf_source_file_js(project):
    project({"main.tf": 'data "archive_file" "zip" {\n  type        = "zip"\n'
                        '  source_file = "${path.module}/src/app.js"\n  output_path = "${path.module}/lambda.zip"\n}\n'
                        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n'
                        '  filename = data.archive_file.zip.output_path\n  role = "r"\n'
                        '  handler = "app.handler"\n  runtime = "nodejs22.x"\n}\n',
             "src/app.js": "exports.handler = async () => 1;\n"})
    codes = {f["code"] for f in check_json(["."])}
    assert "LL002" not in codes and "LL004" not in codes


def test_tf_lambda_module_without_a_local_package_is_configuration_only(project):
    project({"main.tf": 'module "fn" {\n  source = "terraform-aws-modules/lambda/aws"\n  function_name = "fn"\n'
                        '  handler = "app.handler"\n  runtime = "python3.12"\n  create_package = false\n'
                        '  s3_existing_package = { bucket = "b", key = "k" }\n}\n'})
    assert check_json(["."]) == []


# -- Serverless Framework --------------------------------------------------------------------------
def wsgi_service(plugins: str) -> dict:
    return {"serverless.yml": "service: flask-api\nprovider:\n  name: aws\n  runtime: python3.12\n" + plugins
            + "functions:\n  api:\n    handler: wsgi_handler.handler\n    events:\n      - httpApi: '*'\n",
            "app.py": "from flask import Flask\napp = Flask(__name__)\n"}


def test_fp_ll207_serverless_wsgi(project):
    project(wsgi_service("plugins:\n  - serverless-wsgi\n"))
    assert check_json(["."]) == []


def test_serverless_wsgi_handler_without_the_plugin_is_ll207(project):
    project(wsgi_service(""))
    assert codes_at(check_json(["."])) == [("LL207", "serverless.yml", 7, 5)]


def test_serverless_plugins_in_modules_form(project):
    project(wsgi_service("plugins:\n  localPath: ./plugins\n  modules:\n    - serverless-wsgi\n"))
    assert check_json(["."]) == []


def test_serverless_artifact_not_built_is_info(project):
    project({"serverless.yml": "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n"
                               "functions:\n  fn:\n    handler: app.handler\n    package:\n"
                               "      artifact: dist/fn.zip\n"})
    findings = check_json(["."])
    assert codes_at(findings) == [("LL004", "serverless.yml", 9, 7)]
    assert findings[0]["severity"] == "info"


# -- code-only folders next to templates -----------------------------------------------------------
def test_code_only_folders_next_to_a_template_are_checked(project):
    project({"template.yaml": sam("CodeUri: fn_a/\nHandler: app.handler\nRuntime: python3.12"),
             "fn_a/app.py": "def handler(event, context):\n    return 1\n",
             "fn_b/app.py": "def handler(event, context):\n    open('x.txt', 'w')\n",
             "scripts/tool.py": "open('report.txt', 'w')\n"})
    alone = codes_at(check_json(["fn_b"]))
    together = codes_at(check_json(["."]))
    assert together == alone == [("LL301", "fn_b/app.py", 2, 5)]
    assert text_lines()[-1] == "Checked 2 functions: 2 with code."


def test_linked_code_is_not_checked_twice(project):
    project({"template.yaml": sam("CodeUri: functions/a/\nHandler: app.handler\nRuntime: python3.12"),
             "functions/a/app.py": "def handler(event, context):\n    open('x.txt', 'w')\n"})
    assert codes_at(check_json(["."])) == [("LL301", "functions/a/app.py", 2, 5)]
    assert text_lines()[-1] == "Checked 1 function: 1 with code."


def test_functions_included_through_an_unresolved_variable_are_said_not_read(tmp_path):
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n"
        "  - ${file(fns.yml)}\n  - hello:\n      handler: app.handler\n")
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    findings = check_json([str(tmp_path / "serverless.yml")])
    assert [(f["code"], f["location"]["row"]) for f in findings] == [("LL002", 6)], findings
    assert "${file(fns.yml)} are not read" in findings[0]["message"]


def test_inline_code_made_by_a_preprocessor_tag_is_not_analysed_as_text(tmp_path):
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
        "      Code:\n        ZipFile: !Rain::Embed handler.py\n      Handler: index.handler\n"
        "      Runtime: python3.12\n      Role: arn:aws:iam::123456789012:role/r\n")
    assert check_json([str(tmp_path / "template.yaml")]) == []


@pytest.mark.parametrize("archive", [
    'source {\n    content  = file("app.py")\n    filename = "app.py"\n  }',  # assembled when applied
    "source_dir = var.code_dir",  # a module variable without a default
])
def test_an_archive_whose_sources_are_known_only_when_applied_is_not_code_not_found(tmp_path, archive):
    (tmp_path / "main.tf").write_text(
        'variable "code_dir" {\n  type = string\n}\n'
        f'data "archive_file" "zip" {{\n  type        = "zip"\n  output_path = "build/fn.zip"\n  {archive}\n}}\n'
        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  role = "arn:aws:iam::123456789012:role/r"\n'
        '  filename = data.archive_file.zip.output_path\n  handler = "app.handler"\n  runtime = "python3.12"\n}\n')
    result = run_cli(["check", str(tmp_path), "--isolated"])
    assert "LL004" not in result.stdout and "1 configuration only" in result.stdout, result.stdout
