"""Unit tests of the redirect and exposure rules (no network)."""

from __future__ import annotations

import pytest

from golive.rules.http import Hop, Probe, exposure, https_redirect, kind_for, next_hop

HOST = "www.golive.test"


def test_redirect_sound_301_and_308() -> None:
    assert https_redirect([Hop(f"http://{HOST}/", 301, f"https://{HOST}/")], HOST).passed
    assert https_redirect([Hop(f"http://{HOST}:8080/", 308, f"https://{HOST}:8443/")], HOST).passed


def test_redirect_chain_via_same_host_http() -> None:
    first = Hop(f"http://{HOST}/", 301, "/start")
    assert next_hop(first, 3, 1) == f"http://{HOST}/start"
    chain = [first, Hop(f"http://{HOST}/start", 301, f"https://{HOST}/start")]
    v = https_redirect(chain, HOST)
    assert v.passed and "chain" in v.details


@pytest.mark.parametrize(
    ("hops", "name", "words"),
    [
        ([Hop(f"http://{HOST}/", 200)], "redirection-missing", ["answers 200", "expected: 301 or 308"]),
        ([Hop(f"http://{HOST}/", 302, f"https://{HOST}/")], "redirection-temporary", ["temporary 302"]),
        (
            [Hop(f"http://{HOST}/", 301, f"http://{HOST}/x"), Hop(f"http://{HOST}/x", 200)],
            "redirection-missing",
            ["answers 200"],
        ),
        ([Hop(f"http://{HOST}/", 302, f"http://{HOST}/")], "redirection-not-to-https", ["plain http"]),
        (
            [Hop(f"http://{HOST}/", 301, "https://evil.example/")],
            "redirection-off-host-from-http",
            ["another host evil.example", HOST],
        ),
        ([Hop(f"http://{HOST}/", 301)], "redirection-invalid", ["without a Location"]),
        ([], "redirection-missing", ["no response"]),
        ([Hop(f"http://{HOST}/", 301, "ftp://x/")], "redirection-not-to-https", ["non-https"]),
    ],
)
def test_redirect_failures(hops: list[Hop], name: str, words: list[str]) -> None:
    v = https_redirect(hops, HOST)
    assert not v.passed and v.name == name
    for word in words:
        assert word in v.message, v.message


def test_next_hop_stops_at_limit_and_off_host() -> None:
    assert next_hop(Hop(f"http://{HOST}/", 301, f"http://{HOST}/a"), 3, 3) is None
    assert next_hop(Hop(f"http://{HOST}/", 301, "http://other/a"), 3, 1) is None
    assert next_hop(Hop(f"http://{HOST}/", 302, f"http://{HOST}/a"), 3, 1) is None


HOME = Probe("/golive-x", 200, "text/html", b"<html><title>Shop</title>welcome, see our .env docs</html>")


def p(path: str, body: bytes, status: int = 200, ctype: str = "text/plain") -> Probe:
    return Probe(path, status, ctype, body)


@pytest.mark.parametrize(
    ("probe", "kind", "word"),
    [
        (
            p("/.git/config", b"[core]\n\trepositoryformatversion = 0\n\tbare = false\n"),
            "git_config",
            "git config",
        ),
        (p("/.git/HEAD", b"ref: refs/heads/main\n"), "git_head", "git HEAD"),
        (p("/.env", b"DB_PASSWORD=hunter2\nSECRET_KEY=abc\n"), "dotenv", "DB_PASSWORD"),
        (p("/backup.sql", b"-- PostgreSQL database dump\nCREATE TABLE t (id int);\n"), "backup", "SQL dump"),
        (p("/backup.zip", b"PK\x03\x04rest"), "backup", "zip"),
        (
            p("/uploads/", b"<html><head><title>Index of /uploads/</title>", ctype="text/html"),
            "listing",
            "directory listing",
        ),
        (p("/err", b"Traceback (most recent call last):\n  File x", 500), "backup", "Python traceback"),
        (
            p("/err", b"java.lang.NullPointerException\n\tat com.acme.Foo.bar(Foo.java:42)\n", 500),
            "backup",
            "Java stack trace",
        ),
    ],
)
def test_exposure_recognises_real_content(probe: Probe, kind: str, word: str) -> None:
    v = exposure([(probe, kind)], Probe("/golive-x", 404, "text/html", b"not found"))
    assert not v.passed and probe.path in v.message and word in v.message
    assert "hunter2" not in v.message


def test_exposure_soft_404_site_passes() -> None:
    probes = [
        (Probe(path, 200, "text/html", HOME.body), kind_for(path))
        for path in ("/.git/config", "/.env", "/backup.sql", "/uploads/")
    ]
    v = exposure(probes, HOME)
    assert v.passed and "judged by content" in v.message


def test_exposure_404s_pass_and_html_env_is_not_env() -> None:
    assert exposure([(p("/.env", b"nope", 404), "dotenv")], p("/x", b"nope", 404)).passed
    html = p("/.env", b"<html>FOO=bar</html>", ctype="text/html")
    assert exposure([(html, "dotenv")], p("/x", b"nope", 404)).passed


def test_exposure_stack_trace_on_random_path_baseline() -> None:
    v = exposure([], p("/golive-x", b"Traceback (most recent call last):\n", 500))
    assert not v.passed and "random path" in v.message


def test_kind_for_extra_paths() -> None:
    assert kind_for("/static/") == "listing"
    assert kind_for("/.env.local") == "dotenv"
    assert kind_for("/site.tar.gz") == "backup"
    assert kind_for("/.git/config") == "git_config"
