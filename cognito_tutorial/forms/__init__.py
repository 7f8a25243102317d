"""The moment a learner types a code: the forms, and the plain logic they show.

``await forms.ask_for_code(...)`` and ``await forms.enrol_authenticator(...)`` show a form and
wait until it is answered; headless (papermill, nbval) they answer with pyotp instead and never
load ipywidgets (``asking``). ``answers`` holds the plain logic (no ipywidgets), ``views`` the
ipywidgets forms that show it; views import the logic, never the other way.
"""

from cognito_tutorial.forms.answers import signed_in_user
from cognito_tutorial.forms.asking import ask_for_code, demo_authenticator, enrol_authenticator

__all__ = ["ask_for_code", "demo_authenticator", "enrol_authenticator", "signed_in_user"]
