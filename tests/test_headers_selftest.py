"""headers.* and http.* proven both ways against a real nginx (one process, one port per variant).

ONE golive run serves every assertion: the profile holds the sound variant as ``web`` and one
target per flawed variant, each with exactly one defect and named after it. Each flawed target
must fail its own check with a message naming the target, the header, the observed and the
expected value, and pass every other header/http check (a flaw is caught by its own check, not by
accident). The sound target passes everything and grades A+.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.harness import GoliveRun, run_golive
from tests.pki import HOSTNAME
from tests.servers.base import free_port
from tests.servers.nginx import require_nginx
from tests.servers.nginx_headers import ALLOWED_ORIGIN, HeadersLab, headers_lab
from tests.servers.nginx_tls import silent_listener

pytestmark = pytest.mark.xdist_group("headers_selftest")  # its module fixtures start once, on one worker

IDS = (
    "headers.hsts",
    "headers.csp",
    "headers.content_type_options",
    "headers.frame_options",
    "headers.referrer_policy",
    "headers.permissions_policy",
    "headers.server_disclosure",
    "headers.cors",
    "headers.cookies",
    "headers.grade",
    "headers.xss_protection",
    "http.https_redirect",
    "http.exposure",
    "http.breach",
)

FLAW_FAILS: dict[str, dict[str, list[str]]] = {
    "hsts_missing": {
        "headers.hsts": ["Strict-Transport-Security", "missing", "(absent)", "max-age>=31536000"]
    },
    "hsts_short": {"headers.hsts": ["Strict-Transport-Security", "max-age=300", "below 31536000"]},
    "csp_unsafe_inline": {
        "headers.csp": [
            "Content-Security-Policy",
            "script-src allows 'unsafe-inline'",
            "expected: script-src",
        ]
    },
    "csp_missing": {"headers.csp": ["Content-Security-Policy header missing", "(absent)"]},
    "no_nosniff": {"headers.content_type_options": ["X-Content-Type-Options", "(absent)", "nosniff"]},
    "no_frame_options": {"headers.frame_options": ["X-Frame-Options", "frame-ancestors", "(absent)"]},
    "referrer_unsafe": {"headers.referrer_policy": ["Referrer-Policy", "unsafe-url", "strict-origin"]},
    "no_permissions_policy": {"headers.permissions_policy": ["Permissions-Policy", "missing", "camera=()"]},
    "server_tokens": {"headers.server_disclosure": ["Server: nginx/", "expected: Server without a version"]},
    "powered_by": {"headers.server_disclosure": ["X-Powered-By: PHP/8.2.7"]},
    "cors_reflect": {
        "headers.cors": [
            "Access-Control-Allow-Origin",
            "https://golive-probe.invalid",
            "reflected",
            "with credentials",
            "expected: no Access-Control-Allow-Origin",
        ],
        "headers.grade": ["grade C (score 50) below the minimum B", "headers.cors -50"],
    },
    "cors_wildcard_credentials": {
        "headers.cors": ["Access-Control-Allow-Origin * with credentials"],
        "headers.grade": ["below the minimum B"],
    },
    "cookie_insecure": {
        "headers.cookies": [
            "cookie sid",
            "lacks Secure, HttpOnly, SameSite",
            "Path=/",
            "expected: Secure; HttpOnly",
        ]
    },
    "cookie_on_health": {"headers.cookies": ["cookie tracking", "Set-Cookie on /api/health", "lacks Secure"]},
    "cors_broad": {
        "headers.cors": [
            "Access-Control-Allow-Methods grants *",
            "Access-Control-Allow-Headers grants *",
            "Access-Control-Max-Age 31536000s above 86400s",
            f"from {ALLOWED_ORIGIN}",
        ]
    },
    "cors_admin": {
        "headers.cors": ["admin GET /admin/", "an admin path sends a CORS grant", ALLOWED_ORIGIN,
                         "expected: no Access-Control-Allow-* headers on admin paths"]
    },
    "xss_filter": {"headers.xss_protection": ["X-XSS-Protection: 1 is neither 0 nor 1; mode=block",
                                              "expected: absent, or 0"]},
    "cookie_long": {
        "headers.cookies": ["session cookie sid (Set-Cookie on /) lives 365 days, above 7 days",
                            "Max-Age=31536000", "expected: Max-Age/Expires <= 604800s"]
    },
    "exposure_git": {"http.exposure": ["/.git/config (200) serves git config", "/.git/HEAD"]},
    "exposure_env": {"http.exposure": ["/.env (200) serves environment file", "DATABASE_URL"]},
    "exposure_listing": {"http.exposure": ["/uploads/ (200) serves directory listing"]},
    "stack_trace": {"http.exposure": ["500", "Python traceback", "random path"]},
    "http_302": {"http.https_redirect": ["temporary 302", "expected: 301 or 308 to https://www.golive.test"]},
    "http_307": {"http.https_redirect": ["temporary 307", "checks.headers.allow_temporary_redirect"]},
    "csp_insecure_scheme": {"headers.csp": ["script-src allows ftp://cdn.golive.test", "insecure scheme"]},
    "csp_wildcard_host": {"headers.csp": ["script-src allows https://*", "wildcard host"]},
    "csp_bare_scheme": {"headers.csp": ["script-src allows https: (bare scheme"]},
    "csp_glued_nonce": {
        "headers.csp": ["script-src allows 'unsafe-inline'", "'nonce-abc''strict-dynamic'", "glued"]
    },
    "csp_script_none": {
        "headers.csp": ["object-src not set", "script-src 'none' does not govern them", "csp_require_object_src"]
    },
    "meta_frame_ancestors": {
        "headers.frame_options": ["X-Frame-Options header missing", "frame-ancestors in a <meta> policy is ignored"]
    },
    "http_no_redirect": {"http.https_redirect": ["answers 200 without redirecting to https"]},
    "http_to_http": {"http.https_redirect": ["answers 200", "chain"]},
    "http_off_host": {"http.https_redirect": ["another host evil.golive.test", "instead of www.golive.test"]},
}
FLAW_ADVISES: dict[str, dict[str, list[str]]] = {
    "referrer_origin": {
        "headers.referrer_policy": ["Referrer-Policy origin sends the origin", "never the path or query"]
    },
    "breach_token": {"http.breach": ["compressed (gzip)", "input 'csrf_token'", "stays the same", "BREACH"]},
}
"""Findings below the item's blocking level: the sign-off says ``advisory``, never ``passed``."""
PASSING_VARIANTS = ("soft_404", "cors_public", "page_redirect", "csp_meta_only", "breach_masked")
"""Variants that look suspicious but are fine: a site answering 200 to everything; public CORS; a home
page that redirects (same origin) to the real page, whose headers are the ones judged; a CSP delivered
in <meta> (enforced for scripts); a compressed page whose CSRF token changes on every response."""

ADVISORY_VARIANTS = {"xss_legacy": ("headers.xss_protection", ["1; mode=block is deprecated", "set 0"])}
"""Variants whose finding is advisory: the check passes in pytest, the sign-off shows the finding."""

SECRETS = ("s3ss10n-v4lue-1234", "tr4ck-v4lue-9876", "pw-not-for-logs", "k3y-not-for-logs")


def _target(lab: HeadersLab, variant: str) -> dict[str, Any]:
    name = variant.replace("_", "-")
    if variant.startswith("http_"):
        return lab.target(name, "sound", http_variant=variant)
    return lab.target(name, variant, http_variant="http_sound")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> GoliveRun:
    require_nginx()
    root = tmp_path_factory.mktemp("headers")
    with headers_lab(root / "lab") as lab:
        targets = [lab.target("web", "sound", http_variant="http_sound")]
        targets += [_target(lab, v) for v in (*FLAW_FAILS, *FLAW_ADVISES, *PASSING_VARIANTS, *ADVISORY_VARIANTS)]
        targets.append({**lab.target("http-refused", "sound"), "http_url": f"http://{HOSTNAME}:{free_port()}"})
        profile = {
            "name": "headers-selftest",
            "environment": "staging",
            "timeout": "3s",
            "targets": targets,
            "checks": {
                "headers": {
                    "permissions_policy_required": True,
                    "min_grade": "B",
                    "cors_allowed_origins": [ALLOWED_ORIGIN],
                    "cors_admin_paths": ["/admin/"],
                }
            },
        }
        with silent_listener() as silent:
            targets.append({**lab.target("http-silent", "sound"), "http_url": f"http://{HOSTNAME}:{silent}"})
            return run_golive(profile, "-m", "headers or http", tmp_path=root / "run")


def test_sound_target_passes_every_header_and_http_check(run: GoliveRun) -> None:
    for check_id in IDS:
        assert run.status(check_id, "web") == "passed", (
            check_id,
            run.message(check_id, "web"),
            run.output[-3000:],
        )


def test_sound_target_grades_a_plus_in_the_signoff(run: GoliveRun) -> None:
    result = run.result("headers.grade", "web")
    assert result.get("metrics", {}).get("grade") == "A+", result
    assert result["metrics"]["score"] >= 100


@pytest.mark.parametrize("variant", sorted(FLAW_FAILS))
def test_flawed_target_fails_its_own_check_with_a_clear_message(run: GoliveRun, variant: str) -> None:
    subject = variant.replace("_", "-")
    for check_id, words in FLAW_FAILS[variant].items():
        assert run.status(check_id, subject) == "failed", (check_id, subject, run.output[-3000:])
        message = run.message(check_id, subject)
        assert message.startswith(f"{subject}: "), message
        for word in words:
            assert word in message, (word, message)


@pytest.mark.parametrize("variant", sorted(FLAW_ADVISES))
def test_finding_below_blocking_level_is_advisory_with_a_clear_message(run: GoliveRun, variant: str) -> None:
    subject = variant.replace("_", "-")
    for check_id, words in FLAW_ADVISES[variant].items():
        assert run.status(check_id, subject) == "advisory", (check_id, subject, run.message(check_id, subject))
        message = run.message(check_id, subject)
        assert message.startswith(f"{subject}: "), message
        for word in words:
            assert word in message, (word, message)


@pytest.mark.parametrize("variant", sorted({**FLAW_FAILS, **FLAW_ADVISES}))
def test_flawed_target_passes_the_other_checks(run: GoliveRun, variant: str) -> None:
    subject = variant.replace("_", "-")
    own = {**FLAW_FAILS, **FLAW_ADVISES}[variant]
    for check_id in IDS:
        if check_id in own or check_id == "headers.grade":
            continue
        assert run.status(check_id, subject) == "passed", (check_id, subject, run.message(check_id, subject))


@pytest.mark.parametrize("variant", PASSING_VARIANTS)
def test_soft_404_and_public_cors_are_not_defects(run: GoliveRun, variant: str) -> None:
    subject = variant.replace("_", "-")
    for check_id in IDS:
        assert run.status(check_id, subject) == "passed", (check_id, subject, run.message(check_id, subject))


def test_refused_plain_http_is_not_applicable_and_says_why(run: GoliveRun) -> None:
    """Nothing listens on the http_url: a verdict (not_applicable, with the reason), not a failure."""
    assert run.status("http.https_redirect", "http-refused") == "not_applicable"
    message = run.message("http.https_redirect", "http-refused")
    assert "nothing listens on plain HTTP at http://www.golive.test:" in message, message
    assert "connection refused" in message and "nothing to redirect" in message, message


def test_silent_plain_http_listener_fails(run: GoliveRun) -> None:
    """A listener that accepts and never answers is not "no listener": it errs (target unreachable), distinctly."""
    assert run.status("http.https_redirect", "http-silent") == "error"
    assert run.result("http.https_redirect", "http-silent")["category"] == "target unreachable"
    message = run.message("http.https_redirect", "http-silent")
    assert "no answer within" in message and "nothing listens" not in message, message


@pytest.mark.parametrize("variant", sorted(ADVISORY_VARIANTS))
def test_advisory_variant_is_a_finding_not_a_pass(run: GoliveRun, variant: str) -> None:
    subject = variant.replace("_", "-")
    check_id, words = ADVISORY_VARIANTS[variant]
    assert run.status(check_id, subject) == "advisory", run.message(check_id, subject)
    for word in words:
        assert word in run.message(check_id, subject)
    for other in IDS:
        if other not in (check_id, "headers.grade"):
            assert run.status(other, subject) == "passed", (other, run.message(other, subject))


def test_no_cookie_value_or_leaked_secret_in_reports(run: GoliveRun) -> None:
    text = run.report_text()
    assert "headers.cookies" in text
    for secret in SECRETS:
        assert secret not in text, secret


def test_response_headers_attached_as_evidence(run: GoliveRun) -> None:
    attachments = [
        p.read_text(errors="replace") for p in (run.report_dir / "allure-results").glob("*-attachment*")
    ]
    assert any("Strict-Transport-Security: max-age=63072000" in a for a in attachments)
    assert any("Set-Cookie: sid=" in a for a in attachments)


def test_unreachable_target_fails_fast(tmp_path: Path) -> None:
    from tests.servers.base import free_port

    port = free_port()
    profile = {
        "name": "down",
        "environment": "staging",
        "timeout": "2s",
        "targets": [
            {"name": "down", "url": f"https://127.0.0.1:{port}", "http_url": f"http://127.0.0.1:{port}"}
        ],
    }
    run = run_golive(profile, "-m", "headers or http", tmp_path=tmp_path)
    for check_id in IDS:
        if check_id == "http.https_redirect":  # refused on plain HTTP too: nothing to redirect
            assert run.status(check_id, "down") == "not_applicable", run.message(check_id, "down")
            continue
        assert run.status(check_id, "down") in ("failed", "error"), check_id
    assert "unreachable" in run.message("headers.hsts", "down")


def test_documented_policy_differences_are_settings(tmp_path: Path) -> None:
    """The Observatory's choices, opted into by settings: object-src unset with script-src 'none',
    a 302/307 redirect; without permissions_policy_required a missing header is advisory, and a
    grade below A without min_grade is advisory (a finding, never "passed")."""
    require_nginx()
    with headers_lab(tmp_path / "lab") as lab:
        targets = [
            _target(lab, "csp_script_none"),
            _target(lab, "http_302"),
            _target(lab, "http_307"),
            _target(lab, "no_permissions_policy"),
            _target(lab, "csp_missing"),
        ]
        profile = {
            "name": "headers-policy",
            "environment": "staging",
            "timeout": "3s",
            "targets": targets,
            "checks": {"headers": {"csp_require_object_src": False, "allow_temporary_redirect": True}},
        }
        run = run_golive(profile, "-m", "headers or http", tmp_path=tmp_path / "run")
    assert run.status("headers.csp", "csp-script-none") == "passed", run.message("headers.csp", "csp-script-none")
    for subject in ("http-302", "http-307"):
        assert run.status("http.https_redirect", subject) == "passed", run.message("http.https_redirect", subject)
        assert "accepted by checks.headers.allow_temporary_redirect" in run.message("http.https_redirect", subject)
    assert run.status("headers.permissions_policy", "no-permissions-policy") == "advisory"
    assert "permissions_policy_required" in run.message("headers.permissions_policy", "no-permissions-policy")
    assert run.status("headers.grade", "csp-missing") == "advisory", run.message("headers.grade", "csp-missing")
    assert "below A" in run.message("headers.grade", "csp-missing")
    assert run.status("headers.grade", "http-302") == "passed", run.message("headers.grade", "http-302")
