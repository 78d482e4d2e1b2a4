"""Whether a function's execution role (defined in the same configuration) may create network
interfaces, which Lambda needs to put the function in a VPC.  Used by LL612.

Answers "no" only when everything about the role is known: its managed policies are literal ARNs
and its policy documents literal statements.  Anything computed (a parameter, a policy-document
data source) counts as "may have the permission"."""
from __future__ import annotations

import fnmatch
import json
from typing import Any, Iterator, Optional

from lambdalint.data import table
from lambdalint.model.template import is_intrinsic, referenced_id

NETWORK_INTERFACE_ACTION = "ec2:createnetworkinterface"
# Resources that attach permissions to roles listed in their `Roles` property
_ATTACHING_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "Terraform::aws_iam_role_policy_attachment")


def role_in_template(config) -> Optional[str]:
    """The logical id of the function's role when the role is a resource of the same template."""
    setting = config.get("Role")
    role_id = referenced_id(setting.value) if setting is not None else None
    return role_id if config.template.resource_type(role_id) == "AWS::IAM::Role" else None


def may_create_network_interfaces(template, role_id: str) -> bool:
    props = template.properties(role_id)
    grants = [_managed_policies_grant(props.get("ManagedPolicyArns")),
              _policies_grant(props.get("Policies"))]
    for logical_id, _ in template.resources_of_type(*_ATTACHING_TYPES):
        attached = template.properties(logical_id)
        if _attaches_to(attached.get("Roles"), role_id, props.get("RoleName")):
            grants.append(_managed_policies_grant(attached.get("ManagedPolicyArns")))
            grants.append(_document_grants(attached.get("PolicyDocument")))
    return any(grants)


def _attaches_to(roles: Any, role_id: str, role_name: Any) -> bool:
    """Whether an attachment's `Roles` may include the role (unknown counts as yes)."""
    if not isinstance(roles, list):
        return roles is not None
    for role in roles:
        if referenced_id(role) == role_id or is_intrinsic(role) and referenced_id(role) is None:
            return True
        if isinstance(role, str) and (not isinstance(role_name, str) or role == role_name):
            return True  # a role named by a literal: ours when the names match, or when ours is unnamed
    return False


def _managed_policies_grant(arns: Any) -> bool:
    """Only policies known not to allow network interfaces count as "no"."""
    if arns is None:
        return False
    if not isinstance(arns, list):
        return True  # a parameter or condition: unknown
    harmless = set(table("managed_policies")["no_network_interfaces"]["names"])
    return any(not isinstance(arn, str) or arn.rsplit("/", 1)[-1] not in harmless for arn in arns)


def _policies_grant(policies: Any) -> bool:
    if policies is None:
        return False
    if not isinstance(policies, list):
        return True
    return any(not isinstance(p, dict) or _document_grants(p.get("PolicyDocument")) for p in policies)


def _document_grants(document: Any) -> bool:
    if document is None:
        return False
    if is_intrinsic(document):
        return True  # computed (a policy-document data source, a parameter): unknown
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except (ValueError, RecursionError):
            return True  # not JSON we can read (or nested too deep to read): unknown
    if not isinstance(document, dict):
        return True
    return any(_statement_grants(s) for s in _statements(document.get("Statement")))


def _statements(value: Any) -> Iterator[Any]:
    if isinstance(value, list):
        yield from value
    elif value is not None:
        yield value


def _statement_grants(statement: Any) -> bool:
    if not isinstance(statement, dict) or is_intrinsic(statement):
        return True
    if statement.get("Effect", "Allow") != "Allow":
        return False
    if "NotAction" in statement:
        return True  # everything but some actions: may well include it
    actions = statement.get("Action")
    actions = actions if isinstance(actions, list) else [actions]
    return any(not isinstance(a, str) or fnmatch.fnmatchcase(NETWORK_INTERFACE_ACTION, a.lower()) for a in actions)
