"""What the sandbox relies on in moto (directory.MOTO_CONTRACT) is there: a moto upgrade that
removes or renames any of it fails here, naming it, instead of somewhere in a sign-in."""

from __future__ import annotations

import importlib

import pytest
from moto.cognitoidp import models

from cognito_tutorial.sandbox import directory


@pytest.fixture(scope="module")
def moto_objects():
    """A backend with one pool, app client and user, made as moto makes them."""
    backend = models.CognitoIdpBackend("us-east-1", "123456789012")  # moto's own, not the sandbox's
    pool = backend.create_user_pool("contract", {})
    client = backend.create_user_pool_client(pool.id, True, {"ClientName": "c"})
    user = backend.admin_create_user(pool.id, "someone", "SUPPRESS", "Temp-Passw0rd!", [])
    return {
        "CognitoIdpBackend": backend,
        "CognitoIdpUserPool": pool,
        "CognitoIdpUserPoolClient": client,
        "CognitoIdpUser": user,
    }


@pytest.mark.parametrize(
    ("owner", "name"),
    [(owner, name) for owner, names in directory.MOTO_CONTRACT.items() for name in names],
)
def test_moto_still_has_what_the_sandbox_uses(moto_objects, owner, name):
    holder = moto_objects.get(owner) or importlib.import_module(owner)
    assert hasattr(holder, name), (
        f"moto {directory.moto_version()} has no {owner}.{name}, which "
        "cognito_tutorial/sandbox/directory.py uses: adapt the directory to the new moto, or pin "
        "the moto that has it"
    )


def test_importing_the_sandbox_changes_nothing_in_moto():
    """Only `directory.adapt_moto()`, called by a sandbox app, changes moto's modules."""
    import subprocess
    import sys

    code = (
        "import moto.cognitoidp.models as m\n"
        "before = (m.jwk, m.generate_id, m.CognitoIdpBackend.create_user_pool_client)\n"
        "import cognito_tutorial.sandbox.app, cognito_tutorial.sandbox.state\n"
        "after = (m.jwk, m.generate_id, m.CognitoIdpBackend.create_user_pool_client)\n"
        "assert before == after, 'an import patched moto'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
