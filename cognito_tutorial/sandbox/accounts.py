"""Self-service accounts: sign-up and its confirmation code, forgotten passwords, attribute
verification, and deleting one's own account.

moto signs users up and confirms them without a code (any code confirms); these operations are
the sandbox's own, so that every code is real, expires, and reaches the outbox
(`messages.py`). Sources, in docs/sandbox.md ("Codes and the outbox"):

  [API]    Cognito API reference: SignUp, ConfirmSignUp, ResendConfirmationCode,
           ForgotPassword, ConfirmForgotPassword, AdminResetUserPassword, UpdateUserAttributes,
           GetUserAttributeVerificationCode, VerifyUserAttribute, DeleteUser
  [GUIDE]  Developer guide: signing up and confirming user accounts; recovering accounts;
           managing error responses (PreventUserExistenceErrors)
  [SEEN]   messages quoted in SDK issues (named at each use)
"""

from __future__ import annotations

from typing import Any

from . import directory
from .auth import AuthLayer, check_secret_hash
from .directory import Client, Pool, User
from .errors import CognitoError, invalid_parameter, not_authorized
from .messages import (
    CODE_MISMATCH,
    FORGOT_PASSWORD,
    FORGOT_PASSWORD_CODE_SECONDS,
    SIGN_UP,
    SIGN_UP_CODE_SECONDS,
    VERIFY,
    VERIFY_ATTRIBUTE_CODE_SECONDS,
    delivery_details,
)

# [SEEN] the answer for a user the client's pool does not hold, when existence errors are not
# prevented: the message Amplify apps test for after ForgotPassword and ResendConfirmationCode.
NO_SUCH_USER = "Username/client id combination not found."
VERIFIABLE = ("email", "phone_number")


class AccountFlows:
    """Answers the self-service account operations; keeps codes in the auth state's outbox."""

    OPERATIONS = (
        "SignUp",
        "ConfirmSignUp",
        "ResendConfirmationCode",
        "ForgotPassword",
        "ConfirmForgotPassword",
        "AdminResetUserPassword",
        "UpdateUserAttributes",
        "GetUserAttributeVerificationCode",
        "VerifyUserAttribute",
        "DeleteUser",
        "DeleteUserAttributes",
    )

    def __init__(self, auth: AuthLayer) -> None:
        self.auth = auth  # its state holds the outbox; its clock dates the codes

    @property
    def outbox(self) -> Any:
        return self.auth.state.outbox

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = {
            "SignUp": self.sign_up,
            "ConfirmSignUp": self.confirm_sign_up,
            "ResendConfirmationCode": self.resend_confirmation_code,
            "ForgotPassword": self.forgot_password,
            "ConfirmForgotPassword": self.confirm_forgot_password,
            "AdminResetUserPassword": self.admin_reset_user_password,
            "UpdateUserAttributes": self.update_user_attributes,
            "GetUserAttributeVerificationCode": self.get_user_attribute_verification_code,
            "VerifyUserAttribute": self.verify_user_attribute,
            "DeleteUser": self.delete_user,
            "DeleteUserAttributes": self.delete_user_attributes,
        }[operation]
        return handler(params)

    # --- sign-up -----------------------------------------------------------------------------

    def sign_up(self, params: dict[str, Any]) -> dict[str, Any]:
        """[API] A new UNCONFIRMED user; [GUIDE] a code to the attribute the pool verifies
        automatically (the phone number when it verifies both), and none if it verifies none
        (an administrator confirms the user)."""
        pool, client = directory.find_client(params["ClientId"])
        username = params["Username"]
        check_secret_hash(client, params.get("SecretHash"), username)
        directory.check_password_policy(pool, params["Password"])
        user = directory.sign_up(
            pool, client, username, params["Password"], params.get("UserAttributes") or []
        )
        response: dict[str, Any] = {"UserConfirmed": False, "UserSub": user.id}
        attribute = self._sign_up_attribute(pool, user)
        if attribute:
            response["CodeDeliveryDetails"] = self._send(pool, user, SIGN_UP, attribute)
        return response

    def confirm_sign_up(self, params: dict[str, Any]) -> dict[str, Any]:
        pool, client, user = self._client_and_user(params, mismatch_if_unknown=True)
        if directory.user_status(user) != "UNCONFIRMED":
            # [SEEN] furaiev/amazon-cognito-identity-dart-2#80 quotes it.
            raise not_authorized(
                f"User cannot be confirmed. Current status is {directory.user_status(user)}"
            )
        attribute = self._check(pool, user, SIGN_UP, params["ConfirmationCode"])
        directory.confirm_user(user)
        # [GUIDE] confirming with the code proves the user owns that address.
        directory.mark_verified(user, attribute)
        return {}

    def resend_confirmation_code(self, params: dict[str, Any]) -> dict[str, Any]:
        pool, client = directory.find_client(params["ClientId"])
        check_secret_hash(client, params.get("SecretHash"), params["Username"])
        user = directory.find_user(pool, params["Username"])
        if user is None:
            return self._unknown_user_delivery(pool, client, params["Username"])
        if directory.user_status(user) != "UNCONFIRMED":
            # [SEEN] apps' error handling for ResendConfirmationCode tests for this message.
            raise invalid_parameter("User is already confirmed.")
        attribute = self._sign_up_attribute(pool, user)
        if not attribute:
            # *Inferred*: the service's wording for a pool that verifies no attribute.
            raise invalid_parameter(
                "The user pool verifies no attribute automatically (AutoVerifiedAttributes), "
                "so there is no confirmation code to send."
            )
        return {"CodeDeliveryDetails": self._send(pool, user, SIGN_UP, attribute)}

    # --- forgotten passwords -----------------------------------------------------------------

    def forgot_password(self, params: dict[str, Any]) -> dict[str, Any]:
        pool, client = directory.find_client(params["ClientId"])
        check_secret_hash(client, params.get("SecretHash"), params["Username"])
        user = directory.find_user(pool, params["Username"])
        if user is None:
            return self._unknown_user_delivery(pool, client, params["Username"])
        if not user.enabled:
            raise not_authorized("User is disabled.")
        attribute = self._recovery_attribute(pool, user)
        return {"CodeDeliveryDetails": self._send(pool, user, FORGOT_PASSWORD, attribute)}

    def confirm_forgot_password(self, params: dict[str, Any]) -> dict[str, Any]:
        pool, client, user = self._client_and_user(params, mismatch_if_unknown=True)
        # *Inferred* order: a password the policy refuses leaves the code usable for a retry.
        directory.check_password_policy(pool, params["Password"])
        self._check(pool, user, FORGOT_PASSWORD, params["ConfirmationCode"])
        directory.set_new_password(user, params["Password"])
        return {}

    def admin_reset_user_password(self, params: dict[str, Any]) -> dict[str, Any]:
        """[API] The user must reset their password (RESET_REQUIRED) and is sent a code, as by
        ForgotPassword; they finish with ConfirmForgotPassword."""
        pool = directory.find_pool(params["UserPoolId"])
        user = directory.find_user(pool, params["Username"])
        if user is None:
            raise CognitoError("UserNotFoundException", "User does not exist.")
        attribute = self._recovery_attribute(pool, user)
        directory.reset_password(pool, user)
        self._send(pool, user, FORGOT_PASSWORD, attribute)
        return {}

    # --- attributes ----------------------------------------------------------------------------

    def update_user_attributes(self, params: dict[str, Any]) -> dict[str, Any]:
        """[API] A new e-mail address or phone number that the pool verifies automatically is
        unverified until the code sent to it is confirmed (VerifyUserAttribute)."""
        pool, user = directory.access_token_user(params["AccessToken"], self.auth.clock.now())
        before = directory.user_attributes(user)
        directory.update_attributes(pool, user, params["UserAttributes"])
        after = directory.user_attributes(user)
        deliveries = []
        for attribute in VERIFIABLE:
            changed = after.get(attribute) and after.get(attribute) != before.get(attribute)
            if changed and attribute in directory.auto_verified_attributes(pool):
                user.update_attributes([{"Name": f"{attribute}_verified", "Value": "false"}])
                deliveries.append(self._send(pool, user, VERIFY + ":" + attribute, attribute))
        return {"CodeDeliveryDetailsList": deliveries} if deliveries else {}

    def get_user_attribute_verification_code(self, params: dict[str, Any]) -> dict[str, Any]:
        pool, user = directory.access_token_user(params["AccessToken"], self.auth.clock.now())
        attribute = params["AttributeName"]
        if attribute not in VERIFIABLE or not directory.user_attributes(user).get(attribute):
            # *Inferred* wording: only an e-mail address or phone number the user has.
            raise invalid_parameter(f"The user has no {attribute} to verify.")
        return {"CodeDeliveryDetails": self._send(pool, user, VERIFY + ":" + attribute, attribute)}

    def verify_user_attribute(self, params: dict[str, Any]) -> dict[str, Any]:
        pool, user = directory.access_token_user(params["AccessToken"], self.auth.clock.now())
        attribute = params["AttributeName"]
        self._check(pool, user, VERIFY + ":" + attribute, params["Code"])
        directory.mark_verified(user, attribute)
        return {}

    def delete_user(self, params: dict[str, Any]) -> dict[str, Any]:
        """[API] A signed-in user deletes their own account; its tokens stop working."""
        pool, user = directory.access_token_user(params["AccessToken"], self.auth.clock.now())
        pool.sign_out(user.username)
        directory.delete_user(pool, user)
        return {}

    def delete_user_attributes(self, params: dict[str, Any]) -> dict[str, Any]:
        """[API] A signed-in user removes some of their own attributes (moto's checks: each
        must exist)."""
        pool, user = directory.access_token_user(params["AccessToken"], self.auth.clock.now())
        directory.delete_attributes(user, params["UserAttributeNames"])
        return {}

    # --- shared steps ------------------------------------------------------------------------

    def _client_and_user(
        self, params: dict[str, Any], *, mismatch_if_unknown: bool
    ) -> tuple[Pool, Client, User]:
        pool, client = directory.find_client(params["ClientId"])
        check_secret_hash(client, params.get("SecretHash"), params["Username"])
        user = directory.find_user(pool, params["Username"])
        if user is None:
            if mismatch_if_unknown and directory.prevents_user_existence_errors(client):
                # [GUIDE] with existence errors prevented a code for nobody is just wrong.
                raise CognitoError("CodeMismatchException", CODE_MISMATCH)
            raise CognitoError("UserNotFoundException", NO_SUCH_USER)
        return pool, client, user

    def _sign_up_attribute(self, pool: Pool, user: User) -> str | None:
        attributes = directory.user_attributes(user)
        verified = directory.auto_verified_attributes(pool)
        for attribute in ("phone_number", "email"):
            if attribute in verified and attributes.get(attribute):
                return attribute
        return None

    def _recovery_attribute(self, pool: Pool, user: User) -> str:
        """[GUIDE] The first of the pool's recovery mechanisms the user can receive: a
        verified phone number or e-mail address."""
        attributes = directory.user_attributes(user)
        for mechanism in directory.account_recovery(pool):
            if mechanism == "admin_only":
                # moto's message; the service's wording is *inferred*.
                raise not_authorized("Contact administrator to reset password.")
            attribute = mechanism.removeprefix("verified_")
            if attributes.get(attribute) and attributes.get(f"{attribute}_verified") == "true":
                return attribute
        # [API] ForgotPassword: "If neither a verified phone number nor a verified email
        # exists, Amazon Cognito responds with an InvalidParameterException".
        raise invalid_parameter(
            "Cannot reset password for the user as there is no registered/verified email or "
            "phone_number"
        )

    def _unknown_user_delivery(self, pool: Pool, client: Client, username: str) -> dict[str, Any]:
        """[GUIDE] With existence errors prevented, a code "sent" to nobody: the same answer as
        for a user, so that it reveals nothing (the masked address is *inferred*)."""
        if not directory.prevents_user_existence_errors(client):
            raise CognitoError("UserNotFoundException", NO_SUCH_USER)
        looks_like_email = "@" in username
        attribute = "email" if looks_like_email else "phone_number"
        to = username if looks_like_email else "+10000000000"
        return {"CodeDeliveryDetails": delivery_details(attribute, to)}

    def _send(self, pool: Pool, user: User, purpose: str, attribute: str) -> dict[str, str]:
        lifetime = {
            SIGN_UP: SIGN_UP_CODE_SECONDS,
            FORGOT_PASSWORD: FORGOT_PASSWORD_CODE_SECONDS,
        }.get(purpose, VERIFY_ATTRIBUTE_CODE_SECONDS)
        return self.outbox.send_code(
            pool_id=pool.id,
            sub=user.id,
            username=user.username,
            purpose=purpose,
            attribute=attribute,
            to=directory.user_attributes(user)[attribute],
            template=directory.verification_template(pool),
            now=self.auth.clock.now(),
            lifetime=lifetime,
        )

    def _check(self, pool: Pool, user: User, purpose: str, code: str) -> str:
        return self.outbox.check_code(
            pool_id=pool.id, sub=user.id, purpose=purpose, code=code, now=self.auth.clock.now()
        )
