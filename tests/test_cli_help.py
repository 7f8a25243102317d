"""Every command is documented: a one-line help, a description, and an example that runs it."""

from __future__ import annotations

import argparse
import re

import pytest

from cognito_tutorial import cli


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def one_line_helps() -> dict[str, str]:
    parser = cli.build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {choice.dest: choice.help or "" for choice in action._choices_actions}


def test_every_module_in_commands_is_registered():
    assert len(subcommands()) == len(cli.COMMANDS)
    for name in ("sandbox", "check", "provision", "cleanup"):
        assert name in subcommands()


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_command_has_help_description_and_an_example(name):
    sub = subcommands()[name]
    assert len(one_line_helps()[name]) > 20, f"`{name}` needs a one-line help"
    assert sub.description and len(sub.description) > 40, f"`{name}` needs a description"
    epilog = sub.epilog or ""
    assert re.search(r"^examples?:", epilog, re.MULTILINE), f"`{name}` needs an example"
    assert f"python -m cognito_tutorial {name}" in epilog, f"`{name}`'s example must run it"


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_option_is_explained(name):
    for action in subcommands()[name]._actions:
        if action.option_strings and action.dest != "help":
            assert action.help, f"`{name} {action.option_strings[0]}` has no help text"


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_help_prints_the_example_and_exits_zero(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([name, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert f"python -m cognito_tutorial {name}" in out
    assert "example" in out
