"""One module per `python -m cognito_tutorial` command, each with `register(commands)`."""
