"""One module per `python -m cognito_tutorial` command, each with `register(commands)`."""

from __future__ import annotations

import argparse


def add_target_options(parser: argparse.ArgumentParser, *, endpoint_help: str) -> None:
    """--backend, --region and --endpoint: where an instructor command points."""
    parser.add_argument(
        "--backend",
        choices=["local", "aws"],
        help="local sandbox or AWS (default: COGNITO_TUTORIAL_BACKEND, else local)",
    )
    parser.add_argument("--region", help="AWS region (default: your AWS configuration)")
    parser.add_argument("--endpoint", metavar="URL", help=endpoint_help)
