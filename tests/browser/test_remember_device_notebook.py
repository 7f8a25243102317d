"""Notebook 07 in JupyterLab, run by a learner with no phone: one code, then none.

The notebook is copied from notebooks/ with its outputs cleared, opened with its default
parameters (``interactive = True``) and run with Run All. The one code form (section 3) is
answered with its demo authenticator; every cell after it must run without another code: the
remembered device signs in through DEVICE_SRP_AUTH. Screenshots: artifacts/screenshots/
tutorial-07-*.png.
"""

from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import expect
from test_code_widgets import LIGHT, open_notebook, run_all
from test_tutorial_notebooks import TUTORIAL, answer_with_demo, settle_and_check

pytestmark = pytest.mark.browser

DEVICES = "07_remember_this_device.ipynb"


@pytest.fixture(scope="module")
def devices_lab(jupyter_lab):
    """The JupyterLab of conftest, with notebook 07 as a learner downloads it."""
    notebook = json.loads((TUTORIAL / DEVICES).read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    (jupyter_lab.root / DEVICES).write_text(json.dumps(notebook, indent=1))
    return jupyter_lab


def test_a_learner_remembers_this_device_and_signs_in_without_a_code(
    page, devices_lab, screenshots
):
    started = time.monotonic()
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    open_notebook(page, devices_lab, DEVICES, LIGHT)
    run_all(page)

    forms = page.locator(".ct-code-entry")
    form = forms.first
    form.wait_for(timeout=90_000)
    form.scroll_into_view_if_needed()
    answer_with_demo(form, screenshots, "tutorial-07-sign-in")

    settle_and_check(page, DEVICES)
    expect(forms).to_have_count(1)  # the remembered device needed no second code
    outputs = page.locator(".jp-OutputArea-output")
    for shown in (
        "NewDeviceMetadata",  # the first sign-in's new device key
        "UserConfirmationNecessary",  # ConfirmDevice
        "The device password is in the request: False",
        "DEVICE_SRP_AUTH",  # the sign-in that names the remembered device
        "DEVICE_PASSWORD_VERIFIER",
        "Remembered devices left: 0",
        "Cognito does not know this device (any more)",  # the forgotten device's key
    ):
        expect(outputs.filter(has_text=shown).first).to_be_visible()
    page.screenshot(path=screenshots / "tutorial-07-done.png", full_page=False)
    assert not page_errors, page_errors
    print(f"\n07 ran in {time.monotonic() - started:.0f} s")
