"""Helpers for the cognito-tutorial notebooks.

The lesson's boto3 calls stay in the notebooks; this package does everything around them.
Importing it is cheap: boto3, the sandbox (moto) and the Jupyter widgets load only when used.
"""

from cognito_tutorial.backend import connect

__version__ = "0.1.0"
__all__ = ["connect"]
