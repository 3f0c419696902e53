"""helpers.params: REGION and MODEL_ID checked before anything is created.

(The other parameters' checks are tested here too, and in tests/reliability/test_bad_input.py.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers import regions
from helpers.params import ParameterError, check_parameters, model_problem

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def check(**given: Any) -> Any:
    return check_parameters(**{"target": "aws", "region": "us-east-2", "prefix": "dfw", **given})


def problems(**given: Any) -> list[str]:
    with pytest.raises(ParameterError) as caught:
        check(**given)
    return caught.value.problems


# -- REGION ---------------------------------------------------------------------------------
@pytest.mark.parametrize("target", ["aws", "local"])
@pytest.mark.parametrize("region", ["ca-west-1", "us-gov-west-1", "cn-north-1"])
def test_a_region_without_durable_functions_is_refused_on_both_targets(
    target: str, region: str
) -> None:
    (problem,) = problems(target=target, region=region)
    assert problem.startswith(f"REGION is {region!r}: AWS does not offer Lambda durable functions")
    # ... naming where they exist, Tokyo among them (a JAWS-UG room).
    assert "us-east-2 (Ohio)" in problem and "ap-northeast-1 (Tokyo)" in problem
    assert regions.AS_OF in problem


@pytest.mark.parametrize("region", ["us-west-3", "ap-tokyo-9"])
def test_a_made_up_region_is_called_a_typo(region: str) -> None:
    (problem,) = problems(target="local", region=region)
    assert problem.startswith(f"REGION is {region!r}: that is not an AWS Region (a typo?)")
    assert "ap-northeast-1 (Tokyo)" in problem


@pytest.mark.parametrize("region", sorted(regions.DURABLE_REGIONS))
def test_every_region_with_durable_functions_works_with_its_model(region: str) -> None:
    params = check(region=region, model_id="")
    assert params.region == region
    assert params.model_id == regions.default_model_id(region) and params.model_derived
    assert model_problem(params.model_id, region) is None  # the derived id passes the check


# -- MODEL_ID -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("region", "model_id"),
    [
        ("us-east-1", "us.amazon.nova-lite-v1:0"),
        ("us-east-2", "us.amazon.nova-lite-v1:0"),
        ("ap-northeast-1", "apac.amazon.nova-lite-v1:0"),
        ("eu-central-1", "eu.amazon.nova-lite-v1:0"),
    ],
)
def test_an_empty_model_id_is_the_regions_model(region: str, model_id: str) -> None:
    params = check(region=region, model_id="")
    assert (params.model_id, params.model_derived) == (model_id, True)
    assert f"MODEL_ID={model_id} (derived from REGION)" in params.describe()


@pytest.mark.parametrize(
    ("region", "model_id"),
    [
        ("us-east-2", "amazon.nova-lite-v1:0"),  # the model itself, in the Region
        ("us-east-2", "us.anthropic.claude-sonnet-4-20250514-v1:0"),
        ("ap-northeast-1", "apac.amazon.nova-pro-v1:0"),
        ("ap-northeast-1", "jp.anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("ap-northeast-3", "jp.anthropic.claude-haiku-4-5-20251001-v1:0"),
        ("ap-southeast-2", "au.anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("eu-west-1", "global.anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("us-east-1", "meta.llama3-1-8b-instruct-v1:0"),
    ],
)
def test_a_given_model_id_is_kept(region: str, model_id: str) -> None:
    params = check(region=region, model_id=model_id)
    assert (params.model_id, params.model_derived) == (model_id, False)
    assert f"MODEL_ID={model_id}," in params.describe() + ","


@pytest.mark.parametrize(
    ("region", "model_id", "instead"),
    [
        ("ap-northeast-1", "us.amazon.nova-lite-v1:0", "'apac.amazon.nova-lite-v1:0'"),
        ("eu-central-1", "us.amazon.nova-lite-v1:0", "'eu.amazon.nova-lite-v1:0'"),
        ("us-east-2", "apac.amazon.nova-lite-v1:0", "'us.amazon.nova-lite-v1:0'"),
        ("sa-east-1", "us.amazon.nova-lite-v1:0", "'amazon.nova-lite-v1:0'"),
        ("us-east-1", "jp.anthropic.claude-x-v1:0", "'us.anthropic.claude-x-v1:0'"),
        ("ap-northeast-2", "jp.anthropic.claude-x-v1:0", "'apac.anthropic.claude-x-v1:0'"),
        ("ap-northeast-1", "au.anthropic.claude-x-v1:0", "'apac.anthropic.claude-x-v1:0'"),
    ],
)
def test_a_profile_of_another_geography_is_refused_naming_the_right_id(
    region: str, model_id: str, instead: str
) -> None:
    (problem,) = problems(region=region, model_id=model_id)
    geo = model_id.split(".")[0]
    assert problem.startswith(f"MODEL_ID is {model_id!r}: '{geo}.' inference profiles")
    assert f"REGION is {region!r}. In {region} use {instead}" in problem
    assert repr(regions.default_model_id(region)) in problem  # and the workshop's model there


def test_the_issues_case_reads_as_one_sentence_with_the_fix() -> None:
    (problem,) = problems(region="ap-northeast-1", model_id="us.amazon.nova-lite-v1:0")
    assert problem == (
        "MODEL_ID is 'us.amazon.nova-lite-v1:0': 'us.' inference profiles can be called only "
        "from US Regions, and REGION is 'ap-northeast-1'. In ap-northeast-1 use "
        "'apac.amazon.nova-lite-v1:0', or \"\" (the kit derives it from REGION)."
    )


@pytest.mark.parametrize(
    "model_id",
    [
        None,
        3,
        ["amazon.nova-lite-v1:0"],
        " amazon.nova-lite-v1:0",
        "nova lite",
        "amazon",
        "Amazon.Nova-Lite-v1:0",
        "amazon.nova-lite-v1:0/converse",
        "arn:aws:bedrock:us-east-2::foundation-model/amazon.nova-lite-v1:0",
        "amazon." + "x" * 200,
    ],
)
def test_what_is_not_a_model_id_is_refused(model_id: object) -> None:
    (problem,) = problems(model_id=model_id)
    assert problem.startswith(f"MODEL_ID is {model_id!r}:")
    assert "'us.amazon.nova-lite-v1:0'" in problem  # an example that works in REGION
    if isinstance(model_id, str) and model_id.startswith("arn:"):
        assert "the id, not an ARN" in problem


def test_region_and_model_id_are_both_named_when_both_are_wrong() -> None:
    found = problems(region="mars-north-1", model_id="nova lite")
    assert [p.split(" is ")[0] for p in found] == ["REGION", "MODEL_ID"]


def test_without_model_id_the_parameters_carry_none() -> None:
    params = check()
    assert params.model_id is None and "MODEL_ID" not in params.describe()


# -- the notebooks' parameters cells --------------------------------------------------------
def parameters_cell(notebook: Path) -> dict[str, Any]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    (cell,) = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    values: dict[str, Any] = {}
    exec("".join(cell["source"]), values)  # the kit's own notebooks
    return {"source": "".join(cell["source"]), "values": values, "cells": cells}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.name for n in NOTEBOOKS])
def test_each_notebooks_default_region_works_and_says_which_do(notebook: Path) -> None:
    cell = parameters_cell(notebook)
    region = cell["values"]["REGION"]
    assert regions.offers_durable_functions(region)
    if not notebook.name.startswith("99_"):  # cleanup: "the Region the workshop ran in"
        assert "ap-northeast-1" in cell["source"] and "us-east-2" in cell["source"]


@pytest.mark.parametrize(
    "name", ["00_setup.ipynb", "03_deploy.ipynb", "04_chatbot_with_approvals.ipynb"]
)
def test_the_notebooks_that_call_the_model_take_model_id(name: str) -> None:
    cell = parameters_cell(ROOT / "notebooks" / name)
    assert cell["values"]["MODEL_ID"] == ""
    code = "".join("".join(c["source"]) for c in cell["cells"] if c["cell_type"] == "code")
    assert "model_id=MODEL_ID" in code  # checked with the others
    assert "params.model_id" in code  # and what is used afterwards is the checked id


# -- APPROVAL_MODE, DECISIONS, QUERY, OUTPUT_DIR, REVIEW_SECONDS (from tests/test_chat.py) --
def test_good_parameters_come_back_normalised(tmp_path: Path) -> None:
    params = check_parameters(
        target="local",
        region="us-east-2",
        prefix="hitl-alice",
        approval_mode="AUTO",
        decisions="deny, approve",
        query="  what is 2 + 2?  ",
        output_dir=str(tmp_path / "out"),
        review_seconds=3,
    )
    assert params.approval_mode == "auto" and params.decisions == ["DENY", "APPROVE"]
    assert params.query == "what is 2 + 2?"
    assert params.output_dir == (tmp_path / "out").resolve() and params.output_dir.is_dir()
    assert params.review_seconds == 3.0
    assert "DECISIONS=['DENY', 'APPROVE']" in params.describe()


def test_bad_parameters_are_all_named_without_a_traceback() -> None:
    with pytest.raises(ParameterError) as caught:
        check_parameters(
            target="cloud",
            region="Tokyo",
            prefix="My_Prefix",
            approval_mode="click",
            decisions=["APPROVE", "MAYBE"],
            query="",
            review_seconds=-1,
        )
    error = caught.value
    assert len(error.problems) == 7
    text = str(error)
    for name in ("TARGET", "REGION", "PREFIX", "APPROVAL_MODE", "DECISIONS[1]", "QUERY"):
        assert name in text
    shown = error._render_traceback_()  # what IPython prints instead of a traceback
    assert "REVIEW_SECONDS" in text
    assert shown[0].startswith("ParameterError: 7 parameters need fixing")
    assert "parameters cell" in shown[-1]
    assert not any("Traceback" in line for line in shown)


def test_decisions_errors_say_which_entry() -> None:
    with pytest.raises(ParameterError, match=r"DECISIONS\[1\] is 'MAYBE'"):
        check_parameters(
            target="local", region="us-east-1", prefix="dfw", decisions=["APPROVE", "MAYBE"]
        )


def test_decisions_by_tool_in_the_parameters() -> None:
    params = check_parameters(
        target="local", region="us-east-1", prefix="dfw", approval_mode="auto",
        decisions='{"calculate": "DENY"}',
    )  # fmt: skip
    assert params.decisions == {"calculate": "DENY"}
    assert "DECISIONS={'calculate': 'DENY'} (other tools APPROVE)" in params.describe()
    with pytest.raises(ParameterError, match="not a tool of the chatbot"):
        check_parameters(target="local", region="us-east-1", prefix="dfw", decisions={"x": "DENY"})


def test_checking_parameters_does_not_load_the_widgets() -> None:
    """A notebook's first cell (and papermill's checks) must not pay for ipywidgets: only
    the approval panel needs them (helpers.approvals.panel, imported on first use)."""
    code = "import helpers.params, sys; assert 'ipywidgets' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
