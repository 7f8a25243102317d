"""`python -m cognito_tutorial provision`: a user pool per attendee, and a handout (CSV)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

from cognito_tutorial.commands.target import ENDPOINT_VARIABLE, add_target_options, connect_to
from cognito_tutorial.commands.terminal import confirm, progress_printer

EXAMPLE = (
    "python -m cognito_tutorial provision --attendees 30 --room monday "
    "--endpoint http://10.0.0.5:9229"
)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "provision",
        help="create a user pool per attendee for a room, and a handout (CSV) of what each needs",
        description="Create one user pool per attendee (the pool, app clients and demo user a "
        "learner's notebooks would create, with a random password), tagged with the room's "
        "name, and write a handout with one row per attendee. On the local backend it targets "
        "the room's shared sandbox, which you start first with `python -m cognito_tutorial "
        "sandbox --host 0.0.0.0 --port 9229 --state ~/room.pickle`; on AWS it shows the account "
        "and region and asks before creating anything. The handout holds passwords: it is "
        "created readable by you only, and never overwritten.",
        epilog=f"examples:\n  {EXAMPLE}\n"
        "  python -m cognito_tutorial provision --attendees 30 --room monday "
        "--backend aws --region eu-west-1\n\n"
        "Each attendee then runs their row's first_cell once in a notebook. "
        "Afterwards: python -m cognito_tutorial cleanup --room monday --yes",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--attendees", type=int, required=True, metavar="N", help="how many")
    parser.add_argument(
        "--room",
        default="workshop",
        help="the room's name, in pool names and tags (default: workshop)",
    )
    add_target_options(
        parser,
        endpoint_help="the room sandbox's address as learners reach it (default: "
        "COGNITO_TUTORIAL_ENDPOINT); local only",
    )
    parser.add_argument(
        "--handout",
        type=Path,
        metavar="CSV",
        help="where to write the handout (default: handout-ROOM.csv in the per-user state "
        "folder, outside any repository)",
    )
    parser.add_argument("--yes", action="store_true", help="on AWS, create without asking")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cognito_tutorial.backend import AWS, LOCAL, choose_backend, describe_target
    from cognito_tutorial.errors import TutorialError
    from cognito_tutorial.instructor import provisioning

    backend = choose_backend(args.backend)
    provisioning.check_room_name(args.room)
    provisioning.check_attendees(args.attendees)
    endpoint = None
    if backend == LOCAL:
        endpoint = args.endpoint or os.environ.get(ENDPOINT_VARIABLE)
        if not endpoint:
            raise TutorialError(
                "A room needs one shared sandbox. Start it in another terminal with `python -m "
                "cognito_tutorial sandbox --host 0.0.0.0 --port 9229 --state ~/room.pickle`, then "
                "pass --endpoint http://<this machine's address>:9229."
            )
        endpoint = endpoint.rstrip("/")
        if urlsplit(endpoint).hostname in LOOPBACK_HOSTS:
            print(
                f"warning: {endpoint} is this machine's loopback address; on a learner's "
                "machine it means their own. Pass --endpoint with an address learners can "
                "reach, e.g. http://10.0.0.5:9229.",
                file=sys.stderr,
            )
    cognito = connect_to(backend, args.region, endpoint)
    target = describe_target(cognito)
    if backend == AWS and not confirm(
        f"Create {args.attendees} user pool(s) for room {args.room!r} in {target}?", args.yes
    ):
        return 1
    handout = args.handout or provisioning.default_handout_path(args.room)
    try:
        made = provisioning.provision_room(
            cognito,
            room=args.room,
            attendees=args.attendees,
            handout=handout,
            endpoint=endpoint,
            progress=progress_printer("Provisioning"),
        )
    except provisioning.RoomHasPools as error:
        raise TutorialError(
            error.meaning,
            error.cause,
            f"Remove them with `python -m cognito_tutorial cleanup --room {args.room} --yes` "
            "before trying again, or choose another --room.",
        ) from error
    except provisioning.HandoutExists as error:
        raise TutorialError(
            error.meaning,
            error.cause,
            "Keep it and pass another --handout path, or delete it if you are sure.",
        ) from error
    print(f"Provisioned {len(made)} attendee(s) for room {args.room!r} at the {target}.")
    print(f"Handout: {handout}")
    print(
        "It holds every attendee's password: give each attendee only their own row, keep it "
        "out of version control, and delete it after the clean-up."
    )
    if endpoint:
        print(
            f"Learners start JupyterLab with COGNITO_TUTORIAL_ENDPOINT={endpoint}, plus "
            "COGNITO_TUTORIAL_ACCESS_KEY_ID and COGNITO_TUTORIAL_SECRET_ACCESS_KEY set to the "
            "handout's access_key_id and secret_access_key (the room sandbox's key), and run "
            "their row's first_cell once."
        )
    print(f"Afterwards: python -m cognito_tutorial cleanup --room {args.room} --yes")
    return 0
