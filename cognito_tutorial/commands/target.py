"""Where an instructor command points: --backend, --region and --endpoint, and the client.

The commands that reach Cognito (check, provision, cleanup) take the same three options and
connect the same way; failures become one line that says what to do.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

ENDPOINT_VARIABLE = "COGNITO_TUTORIAL_ENDPOINT"


def add_target_options(parser: argparse.ArgumentParser, *, endpoint_help: str) -> None:
    """--backend, --region and --endpoint: where an instructor command points."""
    parser.add_argument(
        "--backend",
        choices=["local", "aws"],
        help="local sandbox or AWS (default: COGNITO_TUTORIAL_BACKEND, else local)",
    )
    parser.add_argument("--region", help="AWS region (default: your AWS configuration)")
    parser.add_argument("--endpoint", metavar="URL", help=endpoint_help)


def connect_to(
    backend: str | None,
    region: str | None = None,
    endpoint: str | None = None,
    *,
    quiet: bool = False,
) -> Any:
    """A client made by ``connect`` (it prints where it points), with failures as one line.

    :param backend: "local" or "aws"; None: COGNITO_TUTORIAL_BACKEND, else local.
    :param region: AWS only.
    :param endpoint: local only: a sandbox URL (a room's shared sandbox); default: the
        COGNITO_TUTORIAL_ENDPOINT variable, else this user's own sandbox (started if needed).
    :param quiet: don't print where the client points.
    :raises TutorialError: no sandbox at the endpoint, no AWS credentials or region, and the like.
    """
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    from cognito_tutorial.backend import AWS, LOCAL, choose_backend, connect
    from cognito_tutorial.errors import TutorialError
    from cognito_tutorial.sandbox import is_answering

    chosen = choose_backend(backend)
    if chosen == AWS and endpoint:
        raise TutorialError("--endpoint is for the local sandbox; leave it out with --backend aws.")
    url = endpoint or os.environ.get(ENDPOINT_VARIABLE)
    url = url.rstrip("/") if url else None
    if chosen == LOCAL and url and not is_answering(url):
        raise TutorialError(
            f"No tutorial sandbox answers at {url}. Start it first, e.g. `python -m "
            "cognito_tutorial sandbox --host 0.0.0.0 --port 9229 --state ~/room.pickle`, "
            "and check the address."
        )
    try:
        return connect(chosen, region, endpoint=url, quiet=quiet)
    except NoCredentialsError as error:
        raise TutorialError(
            "No AWS credentials found. Run `aws configure` (or `aws sso login`), or set "
            "AWS_PROFILE, then run this again."
        ) from error
    except (ClientError, BotoCoreError) as error:
        raise TutorialError(
            f"Could not use AWS: {error}. Check your credentials, profile and region."
        ) from error
