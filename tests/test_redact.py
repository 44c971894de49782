"""Redaction: the one layer that keeps secrets out of reports, logs and messages."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from golive.redact import MASK, Redactor, mask_set_cookie


def test_profile_secrets_are_masked_longest_first() -> None:
    r = Redactor(["abcd1234", "abcd1234-extended"])
    assert r.text("x abcd1234-extended y abcd1234") == f"x {MASK} y {MASK}"


def test_short_values_are_not_treated_as_secrets() -> None:
    assert Redactor(["ok"]).text("status ok") == "status ok"


def test_dsn_and_url_passwords() -> None:
    r = Redactor()
    assert r.text("postgresql://app:pa55word@db:5432/main") == f"postgresql://app:{MASK}@db:5432/main"
    assert r.text("host=db password=pa55word dbname=x") == f"host=db password={MASK} dbname=x"
    assert r.text("redis://:pa55word@127.0.0.1:6379") == f"redis://:{MASK}@127.0.0.1:6379"


def test_headers_tokens_and_cookies() -> None:
    r = Redactor()
    pairs = r.headers([("Authorization", "Bearer abc.def.ghi"), ("Set-Cookie", "sid=s3cr3t; Secure; HttpOnly"),
                       ("X-Api-Key", "k-123456"), ("Content-Type", "text/html")])
    assert pairs == [("Authorization", MASK), ("Set-Cookie", f"sid={MASK}; Secure; HttpOnly"),
                     ("X-Api-Key", MASK), ("Content-Type", "text/html")]
    assert r.text("curl -H 'Authorization: Bearer abcdefgh123'") .count("abcdefgh123") == 0
    assert mask_set_cookie("a=b") == f"a={MASK}"


def test_structured_data_masks_secret_keys() -> None:
    r = Redactor()
    data = r.data({"password": "pw-1234", "api_key": "k", "nested": [{"token": "t-99999"}], "name": "web",
                   "dsn": "postgresql://u:pw12345@h/d"})
    assert data == {"password": MASK, "api_key": MASK, "nested": [{"token": MASK}], "name": "web",
                    "dsn": f"postgresql://u:{MASK}@h/d"}


@given(st.text(min_size=8, max_size=40).filter(lambda s: s.strip() == s and s), st.text(max_size=100),
       st.text(max_size=100))
def test_a_known_secret_never_survives(secret: str, before: str, after: str) -> None:
    assert secret not in Redactor([secret]).text(before + secret + after) or secret in (before + after).replace(
        secret, "")


def test_subject_names_with_auth_are_not_masked() -> None:
    r = Redactor()
    assert r.text("auth-service: GET /api/private answered 200") == "auth-service: GET /api/private answered 200"
    assert r.text("auth_token=abc123456") == f"auth_token={MASK}"
