"""What the sandbox does not emulate, and the one answer it gives for it.

docs/sandbox.md promises that a request for something the sandbox does not do gets a clear
`InvalidParameterException` naming it, rather than a silent success that would teach the wrong
thing (a LambdaConfig accepted and ignored) or moto's "has not been implemented". So
every request passes `refuse_what_is_not_emulated` after validation and before anything runs:

- an operation in NOT_EMULATED_OPERATIONS is refused whatever it carries;
- a parameter or value in NOT_EMULATED_PARAMETERS is refused in the operations it names.

`tests/test_sandbox_not_emulated.py` keeps the table whole: every operation of the API model is
answered by the sandbox (auth layer, account flows or moto) or listed here, never both. When a
feature is emulated, its entries leave this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import invalid_parameter

# Operations nobody answers, by the feature they belong to.
_OPERATIONS_BY_FEATURE = {
    "passkeys (WebAuthn)": [
        "StartWebAuthnRegistration",
        "CompleteWebAuthnRegistration",
        "ListWebAuthnCredentials",
        "DeleteWebAuthnCredential",
    ],
    "choice-based sign-in (USER_AUTH)": ["GetUserAuthFactors", "AdminGetUserAuthFactors"],
    "threat protection": [
        "AdminListUserAuthEvents",
        "AdminUpdateAuthEventFeedback",
        "UpdateAuthEventFeedback",
        "DescribeRiskConfiguration",
        "SetRiskConfiguration",
    ],
    "user session management": [
        "ListUserSessions",
        "AdminListUserSessions",
        "RevokeUserSession",
        "AdminRevokeUserSession",
        "GetUserPoolSessionConfiguration",
        "SetUserPoolSessionConfiguration",
        "GetUserPoolClientSessionConfiguration",
        "SetUserPoolClientSessionConfiguration",
    ],
    "federation with other identity providers": [
        "AdminLinkProviderForUser",
        "AdminDisableProviderForUser",
        "GetIdentityProviderByIdentifier",
        "GetSigningCertificate",
    ],
    "managed login, its branding and terms": [
        "CreateManagedLoginBranding",
        "DeleteManagedLoginBranding",
        "DescribeManagedLoginBranding",
        "DescribeManagedLoginBrandingByClient",
        "UpdateManagedLoginBranding",
        "GetUICustomization",
        "SetUICustomization",
        "CreateTerms",
        "DeleteTerms",
        "DescribeTerms",
        "DescribeTermsByClient",
        "ListTerms",
        "UpdateTerms",
    ],
    "client ID metadata documents": [
        "CreateCIMDPolicy",
        "DeleteCIMDPolicy",
        "DescribeCIMDPolicy",
        "ListCIMDPolicies",
        "UpdateCIMDPolicy",
        "ListClientMetadataURLs",
        "UpdateClientMetadataURLState",
    ],
    "token exchange": ["GetClientToken", "GetDerivedToken"],
    "app client secret rotation": [
        "AddUserPoolClientSecret",
        "DeleteUserPoolClientSecret",
        "ListUserPoolClientSecrets",
    ],
    "user import jobs": [
        "CreateUserImportJob",
        "DescribeUserImportJob",
        "GetCSVHeader",
        "ListUserImportJobs",
        "StartUserImportJob",
        "StopUserImportJob",
    ],
    "replicas and point-in-time recovery": [
        "CreateUserPoolReplica",
        "DeleteUserPoolReplica",
        "ListUserPoolReplicas",
        "UpdateUserPoolReplica",
        "CancelPointInTimeRecovery",
        "DescribePointInTimeRecovery",
        "InitiatePointInTimeRecovery",
        "ListPointInTimeRecoveries",
        "StartPointInTimeRecovery",
    ],
    "logging and provisioned limits": [
        "GetLogDeliveryConfiguration",
        "SetLogDeliveryConfiguration",
        "GetProvisionedLimit",
        "UpdateProvisionedLimit",
    ],
    "resource tags after creation (give UserPoolTags to CreateUserPool)": [
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
    ],
    "changing or deleting resource servers": ["UpdateResourceServer", "DeleteResourceServer"],
    "SMS MFA settings (legacy MFAOptions)": ["SetUserSettings", "AdminSetUserSettings"],
}
NOT_EMULATED_OPERATIONS: dict[str, str] = {
    operation: feature
    for feature, operations in _OPERATIONS_BY_FEATURE.items()
    for operation in operations
}


@dataclass(frozen=True)
class NotEmulatedParameter:
    """A parameter (or some of its values) the sandbox cannot honour in these operations."""

    operations: tuple[str, ...]
    parameter: str
    what: str
    applies: Callable[[Any], bool] = lambda value: value is not None


def _turned_on(settings: Any) -> bool:
    """An MFA settings structure that turns the factor on or makes it preferred."""
    return isinstance(settings, dict) and bool(
        settings.get("Enabled") or settings.get("PreferredMfa")
    )


def _one_of(*values: str) -> Callable[[Any], bool]:
    return lambda value: value in values


NOT_EMULATED_PARAMETERS = (
    NotEmulatedParameter(
        ("CreateUserPool", "UpdateUserPool"),
        "LambdaConfig",
        "Lambda triggers",
        lambda value: bool(value),
    ),
    NotEmulatedParameter(
        ("CreateUserPool", "UpdateUserPool"),
        "UserPoolAddOns",
        "threat protection (AdvancedSecurityMode ENFORCED)",
        lambda value: isinstance(value, dict) and value.get("AdvancedSecurityMode") == "ENFORCED",
    ),
    NotEmulatedParameter(
        ("CreateUserPool", "UpdateUserPool"), "KeyConfiguration", "signing key configuration"
    ),
    NotEmulatedParameter(
        ("CreateUserPool", "UpdateUserPool"), "IssuerConfiguration", "issuer configuration"
    ),
    NotEmulatedParameter(("SetUserPoolMfaConfig",), "SmsMfaConfiguration", "SMS MFA"),
    NotEmulatedParameter(("SetUserPoolMfaConfig",), "EmailMfaConfiguration", "email MFA"),
    NotEmulatedParameter(("SetUserPoolMfaConfig",), "WebAuthnConfiguration", "passkeys"),
    NotEmulatedParameter(
        ("SetUserMFAPreference", "AdminSetUserMFAPreference"),
        "SMSMfaSettings",
        "SMS MFA",
        _turned_on,
    ),
    NotEmulatedParameter(
        ("SetUserMFAPreference", "AdminSetUserMFAPreference"),
        "EmailMfaSettings",
        "email MFA",
        _turned_on,
    ),
    NotEmulatedParameter(
        ("InitiateAuth", "AdminInitiateAuth"),
        "AuthFlow",
        "CUSTOM_AUTH (Lambda triggers)",
        _one_of("CUSTOM_AUTH"),
    ),
    NotEmulatedParameter(
        ("InitiateAuth", "AdminInitiateAuth"),
        "AuthFlow",
        "USER_AUTH (choice-based sign-in)",
        _one_of("USER_AUTH"),
    ),
    NotEmulatedParameter(
        ("RespondToAuthChallenge", "AdminRespondToAuthChallenge"),
        "ChallengeName",
        "this challenge (SMS, email, custom, passkey or choice-based sign-in)",
        _one_of(
            "SMS_MFA",
            "EMAIL_OTP",
            "SELECT_MFA_TYPE",
            "CUSTOM_CHALLENGE",
            "SELECT_CHALLENGE",
            "ADMIN_NO_SRP_AUTH",
            "SMS_OTP",
            "PASSWORD",
            "WEB_AUTHN",
            "PASSWORD_SRP",
        ),
    ),
    NotEmulatedParameter(
        ("SignUp",),
        "Password",
        "signing up without a password (passwordless sign-in)",
        lambda value: value is None,
    ),
    NotEmulatedParameter(
        ("GetTokensFromRefreshToken",), "DeviceKey", "device tracking (DeviceKey)"
    ),
)


def refuse_what_is_not_emulated(operation: str, params: dict[str, Any]) -> None:
    """Raise InvalidParameterException naming what is not emulated, if the request asks for it.

    :param operation: the operation's name, already known to the API model.
    :param params: the request, already valid against the API model.
    """
    if operation in NOT_EMULATED_OPERATIONS:
        raise invalid_parameter(
            f"{operation} is not emulated by the local sandbox "
            f"({NOT_EMULATED_OPERATIONS[operation]}); use it against AWS."
        )
    for rule in NOT_EMULATED_PARAMETERS:
        if operation in rule.operations and rule.applies(params.get(rule.parameter)):
            shown = params.get(rule.parameter)
            value = f" {shown}" if isinstance(shown, str) else ""
            raise invalid_parameter(
                f"{rule.parameter}{value} is not emulated by the local sandbox ({rule.what}); "
                "use it against AWS."
            )
