"""`check`: this machine, the sandbox (a real one over HTTP) and AWS (botocore's Stubber)."""

from __future__ import annotations

import json
import re
import socket
import subprocess
from pathlib import Path

import boto3
import botocore.session
import pytest
from botocore import xform_name
from botocore.stub import Stubber
from support import client_for

from cognito_tutorial import cli, connect, sandbox
from cognito_tutorial.instructor.preflight import (
    FAIL,
    INFO,
    OK,
    WARN,
    aws_account,
    environment,
    jupyterlab_setup,
    requirements,
    sandbox_drill,
)

ROOT = Path(__file__).resolve().parents[1]


def rows(out: str) -> dict[str, str]:
    """The printed table as {check name: status}."""
    found = {}
    for line in out.splitlines():
        match = re.match(r"(\S.*?)\s{2,}(OK|INFO|WARN|FAIL|SKIP)\s", line + " ")
        if match:
            found[match.group(1)] = match.group(2)
    return found


# --- the command -----------------------------------------------------------------------------


def test_check_passes_on_a_running_sandbox_and_leaves_nothing_behind(sandbox_process, capsys):
    assert cli.main(["check", "--endpoint", sandbox_process, "--no-color"]) == 0
    out = capsys.readouterr().out
    table = rows(out)
    for name in ("Python", "Packages", "Kernel", "Widgets", "Sandbox", "MFA sign-in"):
        assert table[name] == "OK", out
    assert table["Clock"] == "INFO"
    assert "not compared with a time source" in out
    assert table["AWS"] == "SKIP"
    assert "Ready" in out
    pools = client_for(sandbox_process).list_user_pools(MaxResults=60)["UserPools"]
    assert [pool["Name"] for pool in pools if "check" in pool["Name"]] == []


def test_check_starts_the_learners_own_sandbox_when_none_runs(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("COGNITO_TUTORIAL_HOME", str(tmp_path))
    try:
        assert cli.main(["check", "--no-color"]) == 0
        out = capsys.readouterr().out
        assert rows(out)["Sandbox"] == "OK"
        assert rows(out)["MFA sign-in"] == "OK"
        running = sandbox.find()
        assert running.url in out
        assert f"state file {running.state_path}" in " ".join(out.split())  # which sandbox
    finally:
        assert sandbox.stop(), "check should have left the learner's sandbox running"


def test_check_fails_with_exit_1_when_no_sandbox_answers(capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    code = cli.main(["check", "--endpoint", f"http://127.0.0.1:{free_port}", "--no-color"])
    out = capsys.readouterr().out
    assert code == 1
    assert rows(out)["Sandbox"] == "FAIL"
    assert "No tutorial sandbox answers" in out
    assert "1 check(s) failed: Sandbox" in out


def test_check_on_aws_without_credentials_fails_without_a_traceback(monkeypatch, capsys):
    no_aws_credentials(monkeypatch)
    code = cli.main(["check", "--backend", "aws", "--region", "eu-west-1", "--no-color"])
    out = capsys.readouterr().out
    assert code == 1
    assert rows(out)["AWS credentials"] == "FAIL"
    assert rows(out)["Sandbox"] == "SKIP"
    assert "aws configure" in out


def test_check_on_aws_without_a_region_names_the_flag(monkeypatch, capsys):
    no_aws_credentials(monkeypatch)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    assert cli.main(["check", "--backend", "aws", "--no-color"]) == 1
    out = capsys.readouterr().out
    assert rows(out)["AWS region"] == "FAIL"
    assert "--region eu-west-1" in out


def test_check_on_aws_with_a_missing_profile_is_a_failed_row_not_a_traceback(monkeypatch, capsys):
    no_aws_credentials(monkeypatch)
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    assert cli.main(["check", "--backend", "aws", "--no-color"]) == 1
    out = capsys.readouterr().out
    assert rows(out)["AWS credentials"] == "FAIL"
    assert "no-such-profile" in out


def no_aws_credentials(monkeypatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)


# --- the sandbox drill (on the test sandbox, with its injectable clock) ---------------------


@pytest.fixture
def cognito_here(monkeypatch, sandbox_url, tmp_path, room_key):
    monkeypatch.setenv("COGNITO_TUTORIAL_ENDPOINT", sandbox_url)
    monkeypatch.setenv("COGNITO_TUTORIAL_HOME", str(tmp_path))
    return connect(quiet=True)


def pool_names(cognito) -> set[str]:
    pages = cognito.get_paginator("list_user_pools").paginate(MaxResults=60)
    return {pool["Name"] for page in pages for pool in page["UserPools"]}


def test_the_drill_enrols_and_signs_in_with_a_code(cognito_here, clock):
    before = pool_names(cognito_here)
    steps = sandbox_drill.mfa_sign_in_drill(cognito_here, now=clock.now)
    assert steps[1] == "MFA_SETUP: AssociateSoftwareToken, VerifySoftwareToken → tokens"
    assert steps[-1] == "InitiateAuth → SOFTWARE_TOKEN_MFA → tokens"
    assert pool_names(cognito_here) == before


def test_the_drill_names_the_step_that_failed_and_still_cleans_up(cognito_here, clock):
    before = pool_names(cognito_here)
    ten_minutes_fast = lambda: clock.now() + 600  # noqa: E731
    with pytest.raises(sandbox_drill.DrillFailed, match="after 1 step.*EnableSoftwareTokenMFA"):
        sandbox_drill.mfa_sign_in_drill(cognito_here, now=ten_minutes_fast)
    assert pool_names(cognito_here) == before
    rows_ = sandbox_drill.check_sandbox(cognito_here, now=ten_minutes_fast)
    assert [row.status for row in rows_] == [OK, FAIL]
    assert "sandbox --stop" in rows_[1].detail


# --- this machine ------------------------------------------------------------------------------


def test_python_older_than_3_11_fails_with_how_to_fix():
    assert environment.check_python((3, 11, 7)).status == OK
    old = environment.check_python((3, 10, 12))
    assert old.status == FAIL
    assert "3.10.12" in old.detail and "3.11" in old.detail


def test_packages_compare_with_the_pins(tmp_path):
    assert environment.check_packages(ROOT / "requirements.txt").status == OK
    pins = tmp_path / "requirements.txt"
    pins.write_text((ROOT / "requirements.txt").read_text().replace("moto==", "moto==0.0.1 #"))
    drift = environment.check_packages(pins)
    assert drift.status == WARN
    assert "moto" in drift.detail and "pinned 0.0.1" in drift.detail


def test_read_pins_normalises_names_and_ignores_comments(tmp_path):
    pins = tmp_path / "r.txt"
    pins.write_text("# a comment\nmoto[server]==5.2.5\njupyterlab_widgets==3.0.17  # lab\n\n")
    assert requirements.read_pins(pins) == {"moto": "5.2.5", "jupyterlab-widgets": "3.0.17"}


def test_widgets_extension_found_then_disabled(monkeypatch, tmp_path):
    assert jupyterlab_setup.check_widgets().status == OK
    labconfig = tmp_path / "labconfig"
    labconfig.mkdir()
    (labconfig / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {jupyterlab_setup.WIDGETS_LAB_EXTENSION: True}})
    )
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path))
    disabled = jupyterlab_setup.check_widgets()
    assert disabled.status == FAIL
    extension = jupyterlab_setup.WIDGETS_LAB_EXTENSION
    assert f"jupyter labextension enable {extension}" in disabled.detail


def test_kernel_found_then_one_that_cannot_import_the_package(monkeypatch, tmp_path):
    assert jupyterlab_setup.check_kernel().status == OK
    spec = tmp_path / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps({"argv": ["/bin/false", "-f", "{connection_file}"], "display_name": "x"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    broken = jupyterlab_setup.check_kernel()
    assert broken.status == FAIL
    assert "/bin/false" in broken.detail and "make lab" in broken.detail


# --- clocks -------------------------------------------------------------------------------------


def test_clock_skew_is_measured_against_the_midpoint_of_the_call():
    header = "Tue, 05 Sep 2023 08:03:09 GMT"  # 1693900989
    assert aws_account.clock_skew(header, 1693900989 - 1, 1693900989 + 1) == 0
    assert aws_account.clock_skew(header, 1693900999, 1693901001) == -11


@pytest.mark.parametrize(
    ("skew", "status"), [(0, OK), (9, OK), (-12, WARN), (29, WARN), (30, FAIL), (-300, FAIL)]
)
def test_clock_skew_is_graded_by_what_totp_tolerates(skew, status):
    check = aws_account.check_clock_skew(skew, "AWS")
    assert check.status == status
    if status != OK:
        assert "automatic time" in check.detail


def test_local_clock_is_reported_honestly():
    check = environment.check_local_clock(1693900989)
    assert check.status == INFO
    assert "2023-09-05 08:03:09 UTC" in check.detail
    assert "not compared" in check.detail


# --- AWS, with botocore's Stubber (no account is reachable here) --------------------------------

IDENTITY = {
    "Account": "123456789012",
    "Arn": "arn:aws:iam::123456789012:user/instructor",
    "UserId": "AIDAEXAMPLE",
}


def aws_session(region: str | None = "eu-west-1") -> boto3.Session:
    return boto3.Session(
        aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="secret", region_name=region
    )


def stubbed(session: boto3.Session) -> tuple[dict, dict]:
    clients = {name: session.client(name) for name in ("sts", "cognito-idp")}
    stubs = {name: Stubber(client) for name, client in clients.items()}
    for stub in stubs.values():
        stub.activate()
    return clients, stubs


def with_date(response: dict, date: str) -> dict:
    return {**response, "ResponseMetadata": {"HTTPHeaders": {"date": date}}}


def test_aws_account_region_clock_and_probe(monkeypatch):
    session = aws_session()
    clients, stubs = stubbed(session)
    stubs["sts"].add_response(
        "get_caller_identity", with_date(IDENTITY, "Tue, 05 Sep 2023 08:03:09 GMT")
    )
    stubs["cognito-idp"].add_response("list_user_pools", {"UserPools": []}, {"MaxResults": 1})
    times = iter([1693900988.0, 1693900990.0])
    result = aws_account.check_aws(session, make_client=clients.get, now=lambda: next(times))
    by_name = {row.name: row for row in result}
    assert by_name["AWS credentials"].status == OK
    assert by_name["AWS account"].detail.startswith("123456789012")
    assert by_name["AWS region"].detail == "eu-west-1"
    assert by_name["Clock"].status == OK
    assert by_name["Cognito access"].status == OK
    assert by_name["Permissions"].status == INFO
    assert "AdminRespondToAuthChallenge" in by_name["Permissions"].detail
    assert "ListUserPools" not in by_name["Permissions"].detail  # probed, not just listed
    for stub in stubs.values():
        stub.assert_no_pending_responses()


def test_aws_clock_off_by_a_minute_fails():
    session = aws_session()
    clients, stubs = stubbed(session)
    stubs["sts"].add_response(
        "get_caller_identity", with_date(IDENTITY, "Tue, 05 Sep 2023 08:03:09 GMT")
    )
    stubs["cognito-idp"].add_response("list_user_pools", {"UserPools": []})
    times = iter([1693900989.0 + 60, 1693900989.0 + 60])
    result = aws_account.check_aws(session, make_client=clients.get, now=lambda: next(times))
    clock = next(row for row in result if row.name == "Clock")
    assert clock.status == FAIL
    assert "60 s behind" in clock.detail


def test_aws_access_denied_points_at_the_policy():
    session = aws_session()
    clients, stubs = stubbed(session)
    stubs["sts"].add_response("get_caller_identity", IDENTITY)
    stubs["cognito-idp"].add_client_error(
        "list_user_pools", "AccessDeniedException", "not authorized to perform ListUserPools"
    )
    result = aws_account.check_aws(session, make_client=clients.get)
    access = next(row for row in result if row.name == "Cognito access")
    assert access.status == FAIL
    assert "AccessDeniedException" in access.detail and "docs/aws.md" in access.detail


def test_aws_expired_credentials_fail_at_the_account_row():
    session = aws_session()
    clients, stubs = stubbed(session)
    stubs["sts"].add_client_error("get_caller_identity", "ExpiredToken", "token expired")
    result = aws_account.check_aws(session, make_client=clients.get)
    assert [(row.name, row.status) for row in result] == [
        ("AWS credentials", OK),
        ("AWS account", FAIL),
    ]
    assert "Refresh your credentials" in result[-1].detail


def test_aws_without_credentials_or_region(monkeypatch):
    no_aws_credentials(monkeypatch)
    (row,) = aws_account.check_aws(boto3.Session(region_name="eu-west-1"))
    assert (row.name, row.status) == ("AWS credentials", FAIL)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    no_region = aws_account.check_aws(aws_session(region=None))
    assert (no_region[-1].name, no_region[-1].status) == ("AWS region", FAIL)
    assert "AWS_REGION" in no_region[-1].detail


# --- the permission list and docs/aws.md ---------------------------------------------------------

# Called with a Session or an access token: IAM does not authorise these.
NOT_IAM_AUTHORISED = {
    "InitiateAuth",
    "RespondToAuthChallenge",
    "AssociateSoftwareToken",
    "VerifySoftwareToken",
    "SetUserMFAPreference",
    "GetUser",
    "GlobalSignOut",
    "RevokeToken",
    "ChangePassword",
    "ConfirmDevice",
    "UpdateDeviceStatus",
    "GetDevice",
    "ListDevices",
    "ForgetDevice",
}


def cognito_calls_in_the_tutorial() -> dict[str, set[str]]:
    """Cognito operations called anywhere a learner or instructor runs code, and where."""
    model = botocore.session.get_session().get_service_model("cognito-idp")
    operations = {xform_name(name): name for name in model.operation_names}
    sources = list((ROOT / "notebooks").glob("*.ipynb"))
    sources += [
        path for path in (ROOT / "cognito_tutorial").rglob("*.py") if "sandbox" not in path.parts
    ]
    calls: dict[str, set[str]] = {}
    for path in sources:
        if path.suffix == ".ipynb":
            cells = json.loads(path.read_text())["cells"]
            text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        else:
            text = path.read_text()
        methods = re.findall(r"\.([a-z_]+)\(", text)
        methods += re.findall(r"get_paginator\([\"']([a-z_]+)", text)
        for method in methods:
            if method in operations:
                calls.setdefault(operations[method], set()).add(path.name)
    return calls


def test_the_iam_action_list_is_exactly_what_the_tutorial_calls():
    needed = {
        f"cognito-idp:{operation}"
        for operation in cognito_calls_in_the_tutorial()
        if operation not in NOT_IAM_AUTHORISED
    }
    listed = set(aws_account.IAM_ACTIONS)
    assert not needed - listed, f"add to aws_account.IAM_ACTIONS and docs/aws.md: {needed - listed}"
    assert not listed - needed, f"no longer called; remove: {listed - needed}"


def test_every_policy_in_docs_aws_grants_exactly_the_listed_actions():
    text = (ROOT / "docs" / "aws.md").read_text()
    blocks = re.findall(r"```json\n(.*?)\n```", text, re.DOTALL)
    assert len(blocks) == 2  # the minimal policy, and the tighter one
    for block in blocks:
        granted = set()
        for statement in json.loads(block)["Statement"]:
            assert statement["Effect"] == "Allow"
            granted |= set(statement["Action"])
        assert granted == set(aws_account.IAM_ACTIONS)


# --- the repo2docker configuration (Binder, JupyterHub images) ----------------------------------
# No docker here, so the image is not built; these keep the configuration consistent with what
# `check` compares against, and test binder/start's behaviour directly.

BINDER = ROOT / "binder"


def test_binder_installs_exactly_the_pinned_requirements():
    binder_lines = [
        line.strip()
        for line in (BINDER / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert all("==" in line and not line.startswith("-") for line in binder_lines), (
        "only pins: repo2docker installs binder/requirements.txt before copying the repository"
    )
    assert requirements.read_pins(BINDER / "requirements.txt") == requirements.read_pins(
        ROOT / "requirements.txt"
    ), "copy requirements.txt into binder/requirements.txt"


def test_binder_python_matches_the_project():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert runtime == "python-{}.{}".format(*environment.PYTHON_MIN)
    assert 'requires-python = ">=3.11"' in (ROOT / "pyproject.toml").read_text()


@pytest.mark.parametrize("script", ["postBuild", "start"])
def test_binder_scripts_are_executable_bash(script):
    path = BINDER / script
    assert path.stat().st_mode & 0o111, f"chmod +x binder/{script}"
    assert path.read_text().startswith("#!/bin/bash\n")
    subprocess.run(["bash", "-n", str(path)], check=True)


def test_binder_postbuild_installs_the_package_without_changing_the_pins():
    text = (BINDER / "postBuild").read_text()
    assert "pip install --no-cache-dir --no-deps -e ." in text


def run_start(repo: Path, home: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "REPO_DIR": str(repo)}
    return subprocess.run(
        [str(BINDER / "start"), "echo", "server started"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


def test_binder_start_copies_the_notebooks_once_then_leaves_them_alone(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    assert run_start(ROOT, home).stdout == "server started\n"
    copied = home / "cognito-tutorial" / "notebooks" / "00_start_here.ipynb"
    assert copied.read_bytes() == (ROOT / "notebooks" / "00_start_here.ipynb").read_bytes()
    copied.write_text("the learner's own work")
    run_start(ROOT, home)
    assert copied.read_text() == "the learner's own work"


def test_binder_start_does_nothing_when_the_repository_is_the_home_folder(tmp_path):
    (tmp_path / "notebooks").mkdir()
    assert run_start(tmp_path, tmp_path).stdout == "server started\n"
    assert not (tmp_path / "cognito-tutorial").exists()
