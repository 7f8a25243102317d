"""The instructor's tools for a room: pre-flight checks, provisioning, clean-up, headless runs.

Learners' notebooks never import this package; ``python -m cognito_tutorial`` (``cli.py`` and
``commands/``) is its face on the command line.
"""
