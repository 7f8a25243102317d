"""One module per `python -m cognito_tutorial` command, each with `register(commands)`.

``target`` (where a command points) and ``terminal`` (questions and progress bars) are shared by
the commands; nothing outside ``cli.py`` and this package knows a flag's name.
"""
