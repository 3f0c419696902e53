"""Versions and the alias (helpers.deploy.versions): new code published and aliased,
never the placeholder."""

from __future__ import annotations

from typing import Any

import pytest
from deploying import deploy_steps, printed

from helpers import deploy
from helpers.deploy import Bundle, Names
from helpers.target import Target


def test_update_code_publishes_and_moves_the_alias(
    target: Target, names: Names, fake_bundles: list[Bundle], capsys: Any
) -> None:
    deploy_steps(target, names, fake_bundles[0])
    capsys.readouterr()
    assert deploy.update_code(target, names, fake_bundles[1]) == "2"
    assert printed(capsys)[-1] == f"alias {names.function}:live: moved version 1 -> 2"
    assert deploy.update_code(target, names, fake_bundles[1]) == "2"
    assert printed(capsys) == [
        f"function {names.function}: code unchanged",
        f"version {names.function}:2: already there",
        f"alias {names.function}:live: already on version 2",
    ]
    lam = target.client("lambda")
    versions = lam.list_versions_by_function(FunctionName=names.function)["Versions"]
    by_version = {v["Version"]: v["CodeSha256"] for v in versions}
    assert by_version["1"] == fake_bundles[0].code_sha256
    assert by_version["2"] == by_version["$LATEST"] == fake_bundles[1].code_sha256


def test_no_version_is_published_of_the_placeholder(
    target: Target, names: Names, create_function: Any
) -> None:
    role_arn = deploy.ensure_role(target, names, deploy.execution_policy(names))
    config = deploy.FunctionConfig()
    lam = target.client("lambda")
    create_function(  # a deploy cut off between the creation and the upload
        lam,
        FunctionName=names.function,
        Code={"ZipFile": deploy.placeholder_zip(config.handler)},
        **config.spec(names, role_arn),
    )
    with pytest.raises(RuntimeError, match="still holds the placeholder code"):
        deploy.publish_version(target, names)
    assert [
        v["Version"] for v in lam.list_versions_by_function(FunctionName=names.function)["Versions"]
    ] == ["$LATEST"]
