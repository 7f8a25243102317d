"""Client-side TOTP helpers: typed codes, RFC 6238 codes, otpauth URIs, QR codes, enrolment."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest

from cognito_tutorial.errors import CodeFormatError, TutorialError
from cognito_tutorial.totp import (
    EnrolmentCard,
    current_code,
    group_secret,
    normalise_code,
    otpauth_uri,
    qr_svg,
)

# RFC 6238 appendix B uses the ASCII key "12345678901234567890" for SHA-1.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ"  # 160 bits


@pytest.mark.parametrize(
    "typed",
    [
        "123456",
        " 123 456 ",
        "123-456",
        "123\u00a0456",
        "\t123456\n",
        "１２３ ４５６",
        "１２３－４５６",
        "١٢٣٤٥٦",
    ],
)
def test_normalise_code_accepts_what_people_type(typed: str) -> None:
    assert normalise_code(typed) == "123456"


def test_normalise_code_keeps_leading_zeros() -> None:
    assert normalise_code("012 345") == "012345"


@pytest.mark.parametrize(
    ("typed", "expected_words"),
    [
        (None, "empty"),
        ("", "empty"),
        ("   ", "empty"),
        ("12345", "5 digits"),
        ("1234567", "7 digits"),
        ("12a456", "letters"),
        ("12345O", "'O'"),
        ("123.456", "not digits"),
    ],
)
def test_normalise_code_refuses_with_a_plain_message(
    typed: str | None, expected_words: str
) -> None:
    with pytest.raises(CodeFormatError) as caught:
        normalise_code(typed)
    error = caught.value
    assert isinstance(error, ValueError) and isinstance(error, TutorialError)
    assert expected_words in str(error)
    assert "6 digits" in error.todo  # says what to type
    assert error.way_on == "fix_input"


def test_every_letter_typed_is_named() -> None:
    with pytest.raises(CodeFormatError) as caught:
        normalise_code("abcdef")
    assert "('a', 'b', 'c', 'd', 'e', 'f')" in str(caught.value)
    with pytest.raises(CodeFormatError) as caught:
        normalise_code("abcdefgh")
    assert "'f' and 2 more" in str(caught.value)


def test_wrong_length_message_says_what_was_wrong() -> None:
    with pytest.raises(CodeFormatError, match="missing"):
        normalise_code("12345")
    with pytest.raises(CodeFormatError, match="extra digit"):
        normalise_code("1234567")


@pytest.mark.parametrize(
    ("when", "eight_digits"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_current_code_matches_rfc6238_appendix_b(when: int, eight_digits: str) -> None:
    code, seconds_left = current_code(RFC_SECRET, now=when)
    assert code == eight_digits[-6:]
    assert seconds_left == 30 - when % 30


@pytest.mark.parametrize(("when", "left"), [(60.0, 30), (59.5, 1), (45.2, 15), (89.999, 1)])
def test_current_code_seconds_left_rounds_up(when: float, left: int) -> None:
    assert current_code(RFC_SECRET, now=when)[1] == left


def test_current_code_tolerates_a_grouped_lowercase_secret() -> None:
    assert current_code(group_secret(SECRET).lower(), now=1000)[0] == pyotp.TOTP(SECRET).at(1000)


def test_otpauth_uri_has_issuer_in_label_and_parameter() -> None:
    uri = otpauth_uri(SECRET.lower(), "alice@example.com", issuer="Cognito Tutorial")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == "/Cognito Tutorial:alice@example.com"
    query = parse_qs(parts.query)
    assert query["secret"] == [SECRET]
    assert query["issuer"] == ["Cognito Tutorial"]
    assert " " not in uri
    assert uri == (
        "otpauth://totp/Cognito%20Tutorial:alice%40example.com"
        f"?secret={SECRET}&issuer=Cognito%20Tutorial"
    )


def test_otpauth_uri_reads_back_with_pyotp() -> None:
    parsed = pyotp.parse_uri(otpauth_uri(SECRET, "alice@example.com", "Cognito Tutorial"))
    assert (parsed.secret, parsed.name, parsed.issuer) == (
        SECRET,
        "alice@example.com",
        "Cognito Tutorial",
    )
    assert parsed.at(59) == pyotp.TOTP(SECRET).at(59)


def test_otpauth_uri_keeps_a_slash_in_the_account_inside_the_label() -> None:
    uri = otpauth_uri(SECRET, "team/alice")
    assert uri.startswith("otpauth://totp/cognito-tutorial:team%2Falice?")


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("", "secret_not_base32"),
        ("not base32 at all!", "secret_not_base32"),
        ("JBSWY3DPEHPK3PX1JBSWY3DPEHPK3PXP", "secret_not_base32"),  # '1' is not Base32
        ("JBSWY3DPEHPK3PXPA", "secret_not_base32"),  # 17 characters: impossible length
        ("JBSWY3DPEHPK3PXP", "secret_too_short"),  # 80 bits
    ],
)
def test_otpauth_uri_refuses_bad_secrets(secret: str, problem: str) -> None:
    with pytest.raises(TutorialError) as caught:
        otpauth_uri(secret, "alice")
    assert caught.value.problem == problem
    assert caught.value.todo


@pytest.mark.parametrize(("account", "issuer"), [("ali:ce", "x"), ("alice", "my:app"), ("", "x")])
def test_otpauth_uri_refuses_bad_labels(account: str, issuer: str) -> None:
    with pytest.raises(TutorialError):
        otpauth_uri(SECRET, account, issuer)


def test_qr_svg_is_inline_black_on_white_with_a_title() -> None:
    svg = qr_svg(otpauth_uri(SECRET, "alice"))
    assert svg.startswith('<svg role="img" ')
    assert "<title>QR code" in svg
    assert 'fill="#fff"' in svg  # a light background even in dark themes
    assert SECRET not in svg


def test_group_secret_groups_of_four() -> None:
    assert group_secret(SECRET) == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXQ"
    assert group_secret("jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxq") == group_secret(SECRET)


def _windows(secret: str, size: int = 8) -> list[str]:
    return [secret[i : i + size] for i in range(len(secret) - size + 1)]


def test_enrolment_card_hides_the_secret_by_default() -> None:
    secret = pyotp.random_base32()
    card = EnrolmentCard(secret, "alice")
    outputs = [repr(card), str(card), card._repr_html_()]
    for output in outputs:
        assert not any(piece in output for piece in _windows(secret))
        assert not any(piece in output for piece in group_secret(secret).split()[:-1])
    assert "<svg" not in card._repr_html_()
    assert "reveal=True" in repr(card)
    assert "alice" in card._repr_html_()


def test_enrolment_card_reveal_shows_qr_and_grouped_secret() -> None:
    secret = pyotp.random_base32()
    card = EnrolmentCard(secret, "alice", "cognito-tutorial", reveal=True)
    page = card._repr_html_()
    assert "<svg" in page and "<title>" in page
    assert group_secret(secret) in page
    assert group_secret(secret) in repr(card)
    assert 'scope="row"' in page


def test_enrolment_card_checks_the_secret() -> None:
    with pytest.raises(TutorialError):
        EnrolmentCard("too-short", "alice")
