"""Pre-flight checks: is this machine (and, if asked, this AWS account) ready for the tutorial?

Each check returns :class:`Check` rows: a name, a status and one line of detail that says what
was found and, when something is wrong, how to fix it. ``python -m cognito_tutorial check``
prints them as a table; a notebook can call the same functions.

Nothing here touches AWS unless :func:`check_aws` is called, and that only reads: it asks STS who
the caller is and makes one ``ListUserPools`` call. Cognito has no dry-run mode, so the write
permissions in :data:`IAM_ACTIONS` are listed, not probed.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from cognito_tutorial.workspace import PREFIX, TAG_KEY, TAG_VALUE

OK, INFO, WARN, FAIL, SKIP = "ok", "info", "warn", "fail", "skip"
STATUSES = (OK, INFO, WARN, FAIL, SKIP)

PYTHON_MIN = (3, 11)
KEY_PACKAGES = (
    "boto3",
    "botocore",
    "moto",
    "pyotp",
    "ipykernel",
    "ipywidgets",
    "jupyterlab",
    "jupyterlab_widgets",
    "papermill",
)
WIDGETS_LAB_EXTENSION = "@jupyter-widgets/jupyterlab-manager"
KERNEL_NAME = "python3"  # the kernelspec every notebook names in its metadata

# TOTP codes change every 30 s and Cognito accepts one step either side. A clock this far off
# makes codes computed on this machine (the demo authenticator, headless runs) unreliable...
CLOCK_WARN_S = 10.0
# ...and this far off, wrong: the code for "now" is a whole step away from Cognito's.
CLOCK_FAIL_S = 30.0

# Every IAM action the tutorial's notebooks, `provision` and `cleanup` use, so that docs/aws.md
# can give the minimal policy (a test keeps the two in step). The sign-in calls made with a
# Session or an access token (InitiateAuth, RespondToAuthChallenge, AssociateSoftwareToken,
# VerifySoftwareToken, SetUserMFAPreference, GetUser, GlobalSignOut, RevokeToken) are not
# authorised by IAM at all, so they are not listed.
IAM_ACTIONS = (
    "cognito-idp:ListUserPools",  # first: the one action check_aws probes
    "cognito-idp:CreateUserPool",
    "cognito-idp:DescribeUserPool",
    "cognito-idp:DeleteUserPool",
    "cognito-idp:SetUserPoolMfaConfig",
    "cognito-idp:GetUserPoolMfaConfig",
    "cognito-idp:CreateUserPoolClient",
    "cognito-idp:DescribeUserPoolClient",
    "cognito-idp:ListUserPoolClients",
    "cognito-idp:ListUsers",
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminDeleteUser",
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminSetUserPassword",
    "cognito-idp:AdminSetUserMFAPreference",
    "cognito-idp:AdminInitiateAuth",
    "cognito-idp:AdminRespondToAuthChallenge",
)


@dataclass(frozen=True)
class Check:
    """One row of the pre-flight table.

    :param name: what was checked, e.g. ``"Python"``.
    :param status: one of :data:`STATUSES`; only ``fail`` makes the check command fail.
    :param detail: what was found, and how to fix it when it is not ``ok``.
    """

    name: str
    status: str
    detail: str


# --- this machine --------------------------------------------------------------------------


def check_python(version: tuple[int, ...] = tuple(sys.version_info[:3])) -> Check:
    """Python 3.11 or newer (the version the pins in requirements.txt were made with)."""
    shown = ".".join(str(part) for part in version)
    if tuple(version[:2]) < PYTHON_MIN:
        return Check(
            "Python",
            FAIL,
            f"{shown} at {sys.executable}; the tutorial needs 3.11 or newer. "
            "Install Python 3.11 and run `make lab` again.",
        )
    return Check("Python", OK, f"{shown} at {sys.executable}")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> dict[str, str]:
    """The ``name==version`` pins of a requirements file, keyed by normalised name."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[_normalise(name.split("[", 1)[0])] = version.strip()
    return pins


def default_requirements() -> Path:
    """requirements.txt of the checkout this package runs from (absent in a plain install)."""
    return Path(__file__).resolve().parents[2] / "requirements.txt"


def check_packages(requirements: Path | None = None) -> Check:
    """The key packages are installed; every pin in requirements.txt matches what is installed.

    :param requirements: the pinned requirements file; default: the checkout's own.
    """
    requirements = requirements or default_requirements()
    installed = {
        _normalise(dist.metadata["Name"]): dist.version
        for dist in metadata.distributions()
        if dist.metadata["Name"]
    }
    missing = [name for name in KEY_PACKAGES if _normalise(name) not in installed]
    if missing:
        return Check(
            "Packages",
            FAIL,
            f"missing: {', '.join(missing)}. Run `make lab` (or `pip install -r requirements.txt` "
            "and `pip install -e .`) in the tutorial's folder.",
        )
    versions = ", ".join(f"{name} {installed[_normalise(name)]}" for name in KEY_PACKAGES)
    if not requirements.exists():
        return Check("Packages", OK, f"{versions} (no requirements.txt here to compare with)")
    pins = read_pins(requirements)
    differ = [
        f"{name} {installed.get(name, 'missing')} (pinned {pinned})"
        for name, pinned in sorted(pins.items())
        if installed.get(name) != pinned
    ]
    if differ:
        shown = "; ".join(differ[:5]) + (f"; and {len(differ) - 5} more" if len(differ) > 5 else "")
        return Check(
            "Packages",
            WARN,
            f"{len(differ)} of {len(pins)} differ from requirements.txt: {shown}. "
            "Run `pip install -r requirements.txt` to get what the tutorial was tested with.",
        )
    return Check("Packages", OK, f"{versions}; all {len(pins)} pins in requirements.txt match")


def check_kernel() -> Check:
    """The ``python3`` kernel exists and its interpreter can import this package and ipykernel.

    The notebooks name the ``python3`` kernel; a learner whose JupyterLab runs from another
    environment gets a kernel that cannot import ``cognito_tutorial``. Like jupyter_client, a
    kernelspec whose command is plain ``python`` runs the interpreter JupyterLab itself runs on;
    here that is taken to be this interpreter.
    """
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    except ImportError:
        return Check("Kernel", FAIL, "jupyter_client is not installed. Run `make lab`.")
    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        return Check(
            "Kernel",
            FAIL,
            f"no '{KERNEL_NAME}' kernel. Run `python -m ipykernel install --sys-prefix` "
            "with the tutorial's environment active.",
        )
    python = spec.argv[0]
    if python in ("python", "python3", f"python3.{sys.version_info[1]}"):
        python = sys.executable
    try:
        done = subprocess.run(
            [python, "-c", "import cognito_tutorial, ipykernel"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return Check("Kernel", FAIL, f"the '{KERNEL_NAME}' kernel's {python} did not run: {error}")
    if done.returncode != 0:
        return Check(
            "Kernel",
            FAIL,
            f"the '{KERNEL_NAME}' kernel runs {python}, which cannot import cognito_tutorial. "
            "Start JupyterLab from the tutorial's environment (`make lab`).",
        )
    return Check("Kernel", OK, f"'{KERNEL_NAME}' runs {python} and imports cognito_tutorial")


def check_widgets() -> Check:
    """ipywidgets 8 and its JupyterLab extension (``jupyterlab_widgets``), found and enabled.

    Reads the page configuration JupyterLab itself builds at start-up (the lab extensions it
    finds and the ones disabled), which is what decides whether the widgets show in a browser.
    """
    try:
        widgets = metadata.version("ipywidgets")
        extension = metadata.version("jupyterlab_widgets")
        from jupyter_core.paths import jupyter_path
        from jupyterlab_server.config import get_page_config
    except (metadata.PackageNotFoundError, ImportError) as error:
        return Check(
            "Widgets",
            FAIL,
            f"{error}: the sign-in widgets need ipywidgets 8 and jupyterlab_widgets. "
            "Run `pip install -r requirements.txt`.",
        )
    if not widgets.startswith("8."):
        return Check(
            "Widgets", FAIL, f"ipywidgets {widgets}; the tutorial needs 8.x. Run `make lab`."
        )
    config = get_page_config(jupyter_path("labextensions"))
    found = {extension["name"] for extension in config.get("federated_extensions", [])}
    disabled = config.get("disabledExtensions") or {}
    if isinstance(disabled, list):
        disabled = {name: True for name in disabled}
    if WIDGETS_LAB_EXTENSION not in found:
        return Check(
            "Widgets",
            FAIL,
            f"jupyterlab_widgets {extension} is installed but JupyterLab does not find "
            f"{WIDGETS_LAB_EXTENSION}. Reinstall it: `pip install --force-reinstall "
            f"jupyterlab_widgets=={extension}`.",
        )
    if disabled.get(WIDGETS_LAB_EXTENSION):
        return Check(
            "Widgets",
            FAIL,
            f"{WIDGETS_LAB_EXTENSION} is disabled. Run "
            f"`jupyter labextension enable {WIDGETS_LAB_EXTENSION}` and reload JupyterLab.",
        )
    return Check(
        "Widgets",
        OK,
        f"ipywidgets {widgets}, jupyterlab_widgets {extension}: {WIDGETS_LAB_EXTENSION} enabled",
    )


def check_local_clock(now: float | None = None) -> Check:
    """Report this machine's clock as it is; offline there is nothing to compare it with.

    The sandbox runs on this machine's clock, so codes made here always agree with it. What can
    still be wrong is the phone's clock, which nothing here can see.
    """
    now = time.time() if now is None else now
    shown = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return Check(
        "Clock",
        INFO,
        f"this machine reads {shown}; not compared with a time source (none is used offline). "
        "The sandbox uses this same clock; check the learner's phone sets its time automatically.",
    )


def clock_skew(date_header: str, sent_at: float, received_at: float) -> float:
    """Seconds the server's clock is ahead of this one (negative: behind).

    The server stamped its ``Date`` header between sending and receiving, so it is compared with
    the midpoint; the header has one-second resolution, so the result is good to about a second.
    """
    server = parsedate_to_datetime(date_header).timestamp()
    return server - (sent_at + received_at) / 2


def check_clock_skew(skew_s: float, source: str) -> Check:
    """Grade a measured skew against what TOTP tolerates."""
    ahead = "ahead of" if skew_s > 0 else "behind"
    text = f"{source}'s clock is {abs(skew_s):.0f} s {ahead} this machine's"
    fix = (
        "Turn on automatic time (Windows: Settings > Time; macOS: Date & Time; "
        "Linux: `timedatectl set-ntp true`)."
    )
    if abs(skew_s) >= CLOCK_FAIL_S:
        return Check("Clock", FAIL, f"{text}: codes computed here will be refused. {fix}")
    if abs(skew_s) >= CLOCK_WARN_S:
        return Check("Clock", WARN, f"{text}: codes computed here may be refused. {fix}")
    return Check("Clock", OK, f"{text} (fine for TOTP)")


def check_environment() -> list[Check]:
    """The checks that need no backend: Python, packages, kernel, widgets."""
    return [check_python(), check_packages(), check_kernel(), check_widgets()]


# --- the local sandbox ---------------------------------------------------------------------


class DrillFailed(RuntimeError):
    """A step of the MFA sign-in drill did not answer as Cognito does; the message names it."""


def mfa_sign_in_drill(cognito: Any, *, now: Callable[[], float] = time.time) -> list[str]:
    """Create a throwaway pool, enrol an authenticator, and sign in with a TOTP code.

    The same calls the lessons teach, in order: InitiateAuth (MFA_SETUP),
    AssociateSoftwareToken, VerifySoftwareToken, RespondToAuthChallenge (MFA_SETUP), then a
    second InitiateAuth answered with a code (SOFTWARE_TOKEN_MFA). The pool carries the
    tutorial's prefix and tag, so `cleanup` finds it if this is interrupted; it is deleted at the
    end either way.

    :param cognito: a cognito-idp client (meant for the local sandbox: this creates a pool).
    :param now: the clock the authenticator codes are computed from.
    :returns: the steps that passed, in order.
    :raises DrillFailed: naming the step that went wrong and what came back.
    """
    import pyotp

    from cognito_tutorial.workspace import new_password

    steps: list[str] = []
    pool_id = cognito.create_user_pool(
        PoolName=f"{PREFIX}check-{uuid.uuid4().hex[:6]}",
        UserPoolTags={TAG_KEY: TAG_VALUE, "purpose": "check"},
    )["UserPool"]["Id"]
    try:
        cognito.set_user_pool_mfa_config(
            UserPoolId=pool_id,
            SoftwareTokenMfaConfiguration={"Enabled": True},
            MfaConfiguration="ON",
        )
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=f"{PREFIX}check",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        username, password = "check", new_password()
        cognito.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
        cognito.admin_set_user_password(
            UserPoolId=pool_id, Username=username, Password=password, Permanent=True
        )
        params = {"USERNAME": username, "PASSWORD": password}

        def sign_in() -> dict[str, Any]:
            return cognito.initiate_auth(
                ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params
            )

        started = sign_in()
        _expect(started.get("ChallengeName") == "MFA_SETUP", "InitiateAuth → MFA_SETUP", started)
        steps.append("InitiateAuth → MFA_SETUP")
        associated = cognito.associate_software_token(Session=started["Session"])
        authenticator = pyotp.TOTP(associated["SecretCode"])
        enrolled_at = now()
        verified = cognito.verify_software_token(
            Session=associated["Session"], UserCode=authenticator.at(enrolled_at)
        )
        _expect(verified.get("Status") == "SUCCESS", "VerifySoftwareToken", verified)
        steps.append("AssociateSoftwareToken, VerifySoftwareToken → SUCCESS")
        done = cognito.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="MFA_SETUP",
            Session=verified["Session"],
            ChallengeResponses={"USERNAME": username},
        )
        _expect("AuthenticationResult" in done, "RespondToAuthChallenge (MFA_SETUP)", done)
        steps.append("RespondToAuthChallenge (MFA_SETUP) → tokens")
        again = sign_in()
        _expect(
            again.get("ChallengeName") == "SOFTWARE_TOKEN_MFA", "InitiateAuth → MFA code", again
        )
        # The enrolment code is spent (Cognito accepts a code once), so answer with the next
        # time step's: Cognito accepts one step of drift either way.
        next_step = (int(enrolled_at) // authenticator.interval + 1) * authenticator.interval
        signed_in = cognito.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=again["Session"],
            ChallengeResponses={
                "USERNAME": username,
                "SOFTWARE_TOKEN_MFA_CODE": authenticator.at(next_step),
            },
        )
        _expect("AuthenticationResult" in signed_in, "SOFTWARE_TOKEN_MFA", signed_in)
        steps.append("InitiateAuth → SOFTWARE_TOKEN_MFA → tokens")
    except cognito.exceptions.ClientError as error:
        raise DrillFailed(f"after {len(steps)} step(s) Cognito answered {error}") from error
    finally:
        with contextlib.suppress(cognito.exceptions.ClientError):  # cleanup finds it by its tag
            cognito.delete_user_pool(UserPoolId=pool_id)
    return steps


def _expect(condition: bool, step: str, response: dict[str, Any]) -> None:
    if not condition:
        keys = sorted(key for key in response if key != "ResponseMetadata")
        raise DrillFailed(f"{step}: unexpected answer with keys {keys}")


def check_sandbox(cognito: Any, *, now: Callable[[], float] = time.time) -> list[Check]:
    """The sandbox answers, and a complete MFA sign-in passes on it.

    :param cognito: a client from ``connect("local")``: the sandbox is already started.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from cognito_tutorial.backend import describe_target

    target = describe_target(cognito)
    rows = [Check("Sandbox", OK, f"answering at {target.endpoint_url}")]
    started = time.monotonic()
    try:
        steps = mfa_sign_in_drill(cognito, now=now)
    except (DrillFailed, BotoCoreError, ClientError) as error:
        rows.append(
            Check(
                "MFA sign-in",
                FAIL,
                f"{error}. Restart the sandbox (`python -m cognito_tutorial sandbox --stop`, "
                "then run the check again); if it persists, see docs/sandbox.md.",
            )
        )
        return rows
    elapsed_ms = (time.monotonic() - started) * 1000
    rows.append(
        Check("MFA sign-in", OK, f"{len(steps)} steps, enrolment to tokens, in {elapsed_ms:.0f} ms")
    )
    return rows


# --- AWS -----------------------------------------------------------------------------------


def check_aws(
    session: Any,
    *,
    make_client: Callable[[str], Any] | None = None,
    now: Callable[[], float] = time.time,
) -> list[Check]:
    """Credentials, account, region, clock and a read-only permission probe on AWS.

    Makes two read-only calls: STS GetCallerIdentity (allowed for every identity) and
    Cognito ListUserPools with MaxResults=1. Creates nothing.

    :param session: a ``boto3.Session`` (its credentials and region are checked).
    :param make_client: builds a client by service name; default ``session.client`` (tests pass
        stubbed clients).
    :param now: this machine's clock, compared with the ``Date`` header AWS sends.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    make_client = make_client or session.client
    try:
        credentials = session.get_credentials()
    except BotoCoreError as error:
        return [Check("AWS credentials", FAIL, f"{error}. Run `aws configure` or `aws sso login`.")]
    if credentials is None:
        return [
            Check(
                "AWS credentials",
                FAIL,
                "none found. Run `aws configure` (or `aws sso login`), or set AWS_PROFILE.",
            )
        ]
    rows = [Check("AWS credentials", OK, f"found ({credentials.method})")]
    region = session.region_name
    if not region:
        rows.append(
            Check(
                "AWS region",
                FAIL,
                "not set. Pass --region eu-west-1 (for example), set AWS_REGION, or run "
                "`aws configure`.",
            )
        )
        return rows
    try:
        sent_at = now()
        identity = make_client("sts").get_caller_identity()
        received_at = now()
    except (ClientError, BotoCoreError) as error:
        rows.append(Check("AWS account", FAIL, f"{error}. {_aws_fix(error)}"))
        return rows
    rows.append(Check("AWS account", OK, f"{identity['Account']} as {identity['Arn']}"))
    rows.append(Check("AWS region", OK, region))
    date = identity.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    if date:
        rows.append(check_clock_skew(clock_skew(date, sent_at, received_at), "AWS"))
    else:
        rows.append(Check("Clock", WARN, "AWS sent no Date header; the clock was not compared"))
    try:
        make_client("cognito-idp").list_user_pools(MaxResults=1)
        rows.append(Check("Cognito access", OK, f"ListUserPools allowed in {region}"))
    except (ClientError, BotoCoreError) as error:
        rows.append(
            Check(
                "Cognito access",
                FAIL,
                f"{error}. {_aws_fix(error, 'Attach the policy in docs/aws.md to this identity.')}",
            )
        )
    rows.append(
        Check(
            "Permissions",
            INFO,
            "not probed, as Cognito has no dry run; the tutorial also needs "
            + ", ".join(action.split(":")[1] for action in IAM_ACTIONS[1:])
            + " (cognito-idp:*). The minimal policy is in docs/aws.md.",
        )
    )
    return rows


def _aws_fix(error: Exception, denied: str = "Refresh your credentials and run this again.") -> str:
    """What to do about an AWS call that failed: the network, or the credentials' rights."""
    from botocore.exceptions import ClientError

    if isinstance(error, ClientError):
        return denied
    return "Check this machine reaches AWS (network, proxy, firewall) and run this again."
