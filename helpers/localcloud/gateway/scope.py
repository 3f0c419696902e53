"""What a call is about: its Region and account, a function reference, an execution ARN."""

from __future__ import annotations

import re
from urllib.parse import unquote

from werkzeug.wrappers import Request

from helpers.durable import ExecutionArn
from helpers.regions import AS_OF, suggested_regions

from ..errors import AwsError, invalid

CREDENTIAL = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[a-z0-9-]+)/")


def region_of(request: Request, default: str) -> str:
    match = CREDENTIAL.search(request.headers.get("Authorization", ""))
    return match.group("region") if match else default


def not_offered_here(region: str) -> AwsError:
    """What Lambda answers for durable functions in a Region that does not offer them.

    Inferred: no AWS source documents the answer (a CreateFunction with DurableConfig, or a
    /2025-12-01/ durable API, outside the durable Regions). The shape is Lambda's answer to
    a parameter a Region does not support: InvalidParameterValueException naming it.
    """
    return invalid(
        f"Lambda durable functions are not available in {region} (as of {AS_OF}). "
        f"Use a Region that offers them, for example {suggested_regions()}."
    )


def execution_scope(arn: str) -> tuple[str, str, str, str]:
    """(Region, account, function name, qualifier) of a durable execution ARN:
    arn:aws:lambda:REGION:ACCOUNT:function:NAME:QUALIFIER/durable-execution/NAME/ID;
    empty strings for anything else (the runner's own ARNs always carry a qualifier)."""
    try:
        parsed = ExecutionArn.parse(arn)
    except ValueError:
        return ("", "", "", "")
    if parsed.partition != "aws" or parsed.qualifier is None:
        return ("", "", "", "")
    return parsed.region, parsed.account, parsed.function_name, parsed.qualifier


def account_of(request: Request) -> str:
    """The account moto files this request's resources under (``MOTO_ACCOUNT_ID``, the
    ``x-moto-account-id`` header or the access key's owner): a fixed account here would
    miss every function created under ``MOTO_ACCOUNT_ID``."""
    from ..journal import moto_account  # imports moto: not before the local cloud starts

    return moto_account(request.environ)


def split_function_ref(ref: str, qualifier: str | None) -> tuple[str, str | None]:
    """A name, ``name:qualifier``, or a (partial) ARN, to (name, qualifier)."""
    ref = unquote(ref)
    if ref.startswith("arn:"):
        parts = ref.split(":")  # arn:aws:lambda:region:account:function:name[:qualifier]
        name = parts[6] if len(parts) > 6 else ""
        arn_qualifier = parts[7] if len(parts) > 7 else None
    else:
        name, _, arn_qualifier = ref.partition(":")
        arn_qualifier = arn_qualifier or None
    if qualifier and arn_qualifier and qualifier != arn_qualifier:
        raise invalid(
            "The derived qualifier from the function name does not match the specified qualifier."
        )
    return name, qualifier or arn_qualifier
