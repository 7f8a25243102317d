"""A local Amazon Cognito user pool sandbox: moto's directory behind our authentication layer.

Nothing here imports the notebook-side helpers; they reach the sandbox over HTTP or through
`cognito_tutorial.sandbox.server`'s start/find/stop functions.
"""
