"""Redaction: the one layer that keeps secrets out of reports, logs and messages."""

from __future__ import annotations

import pytest
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


# --------------------------------------------------------------------------- the corpus (issue 14)

ORDINARY = [
    # words and field names that contain a secret-looking stem but are not secrets: they must survive
    "passed", "passive", "passport", "compass", "bypass", "authors", "keyboard", "keyring", "secretary",
    "secretariat", "tokenizer", "monkey", "cookies", "session_count", "basic authentication",
    "bearer token required", "Verdict(passed=True, name='hsts', reason='HSTS max-age=63072000')",
    "Verdict(passed=False, name='csp-missing')", "password_encryption: 'scram-sha-256'",
    "password_encryption = scram-sha-256", "token_count=5", "token_count: 5", "max_tokens: 128",
    "pass_rate: 99.5%", "password_min_length: 12", "ssl_passphrase_command: ''", "key: headers.hsts",
    "sort_key=name", "keyboard_layout: us", "secret_name: app-secrets", "token_url: https://idp.test/token",
    "auth-service: GET /api/private answered 200", "authentication: required", "sessions: 3 active",
    "3 cookies without Secure: sid, theme, lang", "Set-Cookie without HttpOnly", "passwords: 2 weak",
    "x-token-count: 7", "the token expired", "compass_heading=270", "password_hash_algorithm=argon2id",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_words_and_field_names_survive(text: str) -> None:
    r = Redactor(["s3cr3t-Planted-Value-42"])
    assert r.text(text) == text
    assert r.data({"line": text}) == {"line": text}


@pytest.mark.parametrize("key", ["passed", "password_encryption", "token_count", "authors", "keyboard",
                                 "secretary", "passive", "max_tokens", "key", "sort_key", "session_count"])
def test_ordinary_keys_keep_their_values_in_structured_data(key: str) -> None:
    assert Redactor().data({key: "visible-value"}) == {key: "visible-value"}


@pytest.mark.parametrize("key", ["password", "db_password", "PGPASSWORD", "dbPassword", "auth_token",
                                 "access_token", "api_key", "apiKey", "X-Api-Key", "client_secret",
                                 "aws_secret_access_key", "private_key", "csrftoken", "session_id", "sid",
                                 "requirepass", "passwd", "credentials"])
def test_secret_keys_are_masked_in_data_and_text(key: str) -> None:
    r = Redactor()
    assert r.data({key: "visible-value"}) == {key: MASK}
    assert "visible-value" not in r.text(f"{key}=visible-value and more")
    assert "visible-value" not in r.text(f'{{"{key}": "visible-value"}}')


TOKEN = "gl-Tok3n/xYz+9981_secret=="


def _planted() -> list[str]:
    import base64
    import json
    from urllib.parse import quote

    basic = base64.b64encode(f"deploy:{TOKEN}".encode()).decode()
    return [
        "postgresql://app:pa55-W0rd-db@127.0.0.1:5432/main",
        "host=127.0.0.1 password=pa55-W0rd-db dbname=main",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
        "curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig'",
        "Cookie: sid=c00kie-Value-123",
        "Set-Cookie: sid=c00kie-Value-123; Secure; HttpOnly",
        "sent cookie sid=c00kie-Value-123",
        f"GET /api/items?access={TOKEN} answered 500",
        f"GET /api/items?access={quote(TOKEN, safe='')} answered 500",
        f"Authorization: Basic {basic}",
        f"header value {basic}",
        f"x-b64: {base64.b64encode(TOKEN.encode()).decode()}",
        f"x-b64url: {base64.urlsafe_b64encode(TOKEN.encode()).decode()}",
        f'{{"expected": {json.dumps(TOKEN)}}}',
        f"expected body {json.dumps({'token': TOKEN, 'q': 'a'})[:60]}…",
        f"observed: '{TOKEN[:20]}…'",
        f"path /download/{TOKEN}/file",
        f"test_protected[web-api-{TOKEN.replace('/', '-').replace('+', '-')}]",
    ]


@pytest.mark.parametrize("text", _planted())
def test_planted_secrets_do_not_survive(text: str) -> None:
    import base64
    import json
    from urllib.parse import quote

    r = Redactor([TOKEN, "pa55-W0rd-db", "c00kie-Value-123"])
    out = r.text(text)
    assert MASK in out
    for secret in (TOKEN, "pa55-W0rd-db", "c00kie-Value-123", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"):
        for form in (secret, quote(secret, safe=""), json.dumps(secret)[1:-1],
                     base64.b64encode(secret.encode()).decode().rstrip("="), secret[:12]):
            assert form not in out, (form, out)


def test_redact_first_then_shorten() -> None:
    r = Redactor([TOKEN])
    text = f"expected the body to hold the order, got {{'token': '{TOKEN}'}}"
    short = r.shorten(text, 60)
    assert len(short) <= 60 and TOKEN[:8] not in short
    cut_before = text[:59] + "…"  # a rule that shortened before redaction: the prefix is still caught
    assert TOKEN[:8] not in r.text(cut_before)


def test_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    restore = Redactor([TOKEN]).install_logging()
    try:
        with caplog.at_level(logging.DEBUG):
            logging.getLogger("httpx").debug("GET %s", f"https://127.0.0.1/x?access={TOKEN}")
    finally:
        restore()
    assert TOKEN not in caplog.text and MASK in caplog.text


def test_files_are_redacted_in_place(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "stats.csv").write_text(f"GET,/x?access={TOKEN},10\n")
    (tmp_path / "b.bin").write_bytes(b"\xff\xfe\x00binary")
    changed = Redactor([TOKEN]).tree(tmp_path)
    assert changed == [tmp_path / "a" / "stats.csv"]
    assert TOKEN not in (tmp_path / "a" / "stats.csv").read_text()
