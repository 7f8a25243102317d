"""`python -m cognito_tutorial cleanup`: list, and with --yes delete, the tutorial's pools."""

from __future__ import annotations

import argparse

from cognito_tutorial.commands.target import add_target_options, connect_to
from cognito_tutorial.commands.terminal import confirm, progress_printer

EXAMPLE = "python -m cognito_tutorial cleanup --backend aws --region eu-west-1 --yes"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "cleanup",
        help="list, and with --yes delete, every user pool the tutorial created (by its tags)",
        description="Find the user pools named cognito-tutorial-* and tagged "
        "project=cognito-tutorial (a learner's own, a room's, or one left by a crashed kernel) "
        "and delete them with their app clients and users. Nothing else is touched. Without "
        "--yes it lists them and asks; with no terminal to ask, it only lists. Safe to run "
        "again: a pool already gone counts as deleted.",
        epilog="examples:\n  python -m cognito_tutorial cleanup\n"
        "  python -m cognito_tutorial cleanup --room monday --endpoint http://10.0.0.5:9229 "
        f"--yes\n  {EXAMPLE}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_target_options(
        parser,
        endpoint_help="a sandbox running there, e.g. a room's (default: COGNITO_TUTORIAL_ENDPOINT, "
        "else this user's own sandbox)",
    )
    parser.add_argument("--room", help="only the pools provisioned for this room")
    parser.add_argument("--yes", action="store_true", help="delete without asking")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cognito_tutorial.backend import LOCAL, describe_target
    from cognito_tutorial.instructor.provisioning import check_room_name
    from cognito_tutorial.instructor.tagged_pools import delete_pools, find_tagged_pools

    if args.room:
        check_room_name(args.room)
    cognito = connect_to(args.backend, args.region, args.endpoint)
    target = describe_target(cognito)
    where = target.sandbox_description() if target.backend == LOCAL else f"the {target}"
    pools = find_tagged_pools(cognito, room=args.room)
    scope = f" for room {args.room!r}" if args.room else ""
    if not pools:
        print(f"Nothing to clean up: no tutorial pools{scope} at {where}.")
        return 0
    print(f"{len(pools)} tutorial pool(s){scope} at {where}:")
    for pool in pools:
        created = f"created {pool.created:%Y-%m-%d %H:%M}" if pool.created else ""
        room = f"room {pool.room}" if pool.room else "a learner's own"
        print(f"  {pool.pool_id}  {pool.name}  ({room}{', ' if created else ''}{created})")
    if not confirm(
        f"Delete these {len(pools)} pool(s) with their app clients and users?", args.yes
    ):
        return 0
    result = delete_pools(cognito, pools, progress=progress_printer("Deleting"))
    print(f"Deleted {len(result.deleted)} pool(s).", end="")
    if result.already_gone:
        print(f" {len(result.already_gone)} were already gone.", end="")
    print()
    for pool, message in result.failed:
        print(f"error: could not delete {pool.name} ({pool.pool_id}): {message}")
    if result.failed:
        print("Fix what the errors say, then run this again: it picks up where it stopped.")
        return 1
    return 0
