"""connect(): the local sandbox by default, AWS only when asked, clear errors otherwise."""

from __future__ import annotations

import os

import pytest
from botocore.stub import Stubber

from cognito_tutorial import backend, connect, sandbox
from cognito_tutorial.errors import TutorialError


def test_local_is_the_default_and_reuses_a_given_endpoint(monkeypatch, sandbox_url, capsys):
    monkeypatch.setenv("COGNITO_TUTORIAL_ENDPOINT", sandbox_url)
    client = connect()
    assert client.meta.endpoint_url == sandbox_url
    assert backend.describe_target(client).backend == "local"
    assert "local sandbox" in capsys.readouterr().out
    assert "UserPools" in client.list_user_pools(MaxResults=1)


def test_an_endpoint_argument_wins_over_the_variable_and_leaves_it_alone(monkeypatch, sandbox_url):
    monkeypatch.setenv("COGNITO_TUTORIAL_ENDPOINT", "http://127.0.0.1:9/not-this-one")
    client = connect(endpoint=sandbox_url, quiet=True)
    assert client.meta.endpoint_url == sandbox_url
    assert "UserPools" in client.list_user_pools(MaxResults=1)
    assert os.environ["COGNITO_TUTORIAL_ENDPOINT"] == "http://127.0.0.1:9/not-this-one"


def test_local_starts_a_background_sandbox_once_and_reuses_it(monkeypatch, tmp_path):
    monkeypatch.setenv("COGNITO_TUTORIAL_HOME", str(tmp_path))
    try:
        first = connect(quiet=True)
        second = connect(quiet=True)
        assert first.meta.endpoint_url == second.meta.endpoint_url
        assert first.meta.endpoint_url.startswith("http://127.0.0.1:")
        first.create_user_pool(PoolName="shared")
        names = [p["Name"] for p in second.list_user_pools(MaxResults=10)["UserPools"]]
        assert names == ["shared"]
    finally:
        assert sandbox.stop()


def test_aws_is_only_used_when_chosen(monkeypatch, sandbox_url):
    monkeypatch.setenv("COGNITO_TUTORIAL_ENDPOINT", sandbox_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALLOOKINGKEY")
    assert backend.describe_target(connect(quiet=True)).backend == "local"


def test_env_var_chooses_aws(monkeypatch):
    monkeypatch.setenv("COGNITO_TUTORIAL_BACKEND", "aws")
    assert backend.choose_backend() == "aws"
    assert backend.choose_backend("local") == "local"


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(TutorialError, match="Use 'local'"):
        connect("azure")


def test_aws_without_region_says_how_to_set_one(monkeypatch, tmp_path):
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(TutorialError, match="No AWS region"):
        connect("aws")


def test_aws_shows_account_and_region_first(monkeypatch, capsys):
    """The STS call is stubbed (no network here); the printed target is what a learner sees."""
    import boto3

    real_session = boto3.Session

    class StubbedSession(real_session):
        def client(self, name, *args, **kwargs):
            client = super().client(name, *args, **kwargs)
            if name == "sts":
                stubber = Stubber(client)
                stubber.add_response(
                    "get_caller_identity",
                    {
                        "Account": "111122223333",
                        "Arn": "arn:aws:iam::111122223333:user/x",
                        "UserId": "AIDEXAMPLE",
                    },
                )
                stubber.activate()
            return client

    monkeypatch.setattr(boto3, "Session", StubbedSession)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    client = connect("aws", "eu-west-1")
    target = backend.describe_target(client)
    assert (target.account, target.region) == ("111122223333", "eu-west-1")
    assert "AWS account 111122223333 in region eu-west-1" in capsys.readouterr().out
