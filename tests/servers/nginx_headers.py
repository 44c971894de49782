"""nginx variants for the headers.* / http.* self-tests: ONE nginx process, one port per variant.

The sound variant sends the headers a hardened deployment sends (HSTS with preload, a strict CSP,
nosniff, DENY, a private Referrer-Policy, Permissions-Policy, ``server_tokens off``, a Secure
HttpOnly SameSite cookie, CORS only for an allow-listed origin) and answers 404 to unknown paths.
Every other variant differs from it by exactly one defect, so one golive run over all of them
proves each check both ways: the flawed target fails its own check and passes the others.
Plain-HTTP variants (``http_*``) exist for ``http.https_redirect``.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.pki import HOSTNAME, _ca, _ec, key_pem, leaf, pem
from tests.servers.base import ServerProcess, free_ports
from tests.servers.nginx import start_nginx

ALLOWED_ORIGIN = "https://app.golive.test"
TRACEBACK = (
    'Traceback (most recent call last):\\n  File \\"/srv/app/main.py\\", line 42, in handler\\n'
    "    total / count\\nZeroDivisionError: division by zero\\n"
)

SOUND_HEADERS: dict[str, str] = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
    "Content-Security-Policy": "default-src 'self'; object-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), geolocation=(), microphone=()",
    "Set-Cookie": "sid=s3ss10n-v4lue-1234; Path=/; Secure; HttpOnly; SameSite=Lax",
    "Access-Control-Allow-Origin": "$golive_cors_origin",
    "Access-Control-Allow-Credentials": "$golive_cors_credentials",
    "Access-Control-Allow-Methods": "$golive_cors_methods",
    "Access-Control-Allow-Headers": "$golive_cors_headers",
    "Access-Control-Max-Age": "$golive_cors_max_age",
}
CORS_GRANT = "".join(
    f'            add_header {name} "{value}" always;\n'
    for name, value in SOUND_HEADERS.items()
    if name.startswith("Access-Control-")
)
ADMIN = (
    "        location /admin/ {{\n"
    '            add_header X-Robots-Tag "noindex" always;\n'
    '            return 200 "admin\\n";\n'
    "        }}\n"
)
"""The admin area: it sets its own headers, so it inherits no CORS grant (nginx add_header rule)."""


META_HOME = (
    'return 200 "<html><head><meta http-equiv=\\"Content-Security-Policy\\" content=\\"default-src '
    "'self'; object-src 'none'; frame-ancestors 'none'\\\"></head><body>welcome</body></html>\\n\";"
)
"""A home page whose CSP comes in a <meta> element (nginx string: quotes escaped)."""
TOKEN_HOME = (
    'return 200 "<html><head><title>Shop</title></head><body><form method=\\"post\\">'
    '<input type=\\"hidden\\" name=\\"csrf_token\\" value=\\"$TOKEN\\"></form>'
    + "welcome " * 40
    + '</body></html>\\n";'
)
"""A page carrying a CSRF token (``$TOKEN``), long enough for nginx to compress it."""
GZIP = "        gzip on;\n        gzip_min_length 0;\n"


@dataclass(frozen=True)
class Variant:
    """One server block: header overrides (None removes a header) and extra locations."""

    headers: dict[str, str | None] = field(default_factory=dict)
    server_tokens: bool = False
    locations: str = ""
    fallback: str = 'return 404 "not found\\n";'
    home: str = 'return 200 "<html><title>Home</title>welcome</html>\\n";'
    https: bool = True
    redirect: str | None = None
    extra: str = ""


VARIANTS: dict[str, Variant] = {
    "sound": Variant(),
    "soft_404": Variant(fallback='return 200 "<html><title>Home</title>welcome</html>\\n";'),
    # "/" redirects (without any security header) to /app/: the headers are judged on the page
    "page_redirect": Variant(home='add_header X-Redirect "1"; return 301 /app/;'),
    "hsts_missing": Variant({"Strict-Transport-Security": None}),
    "hsts_short": Variant({"Strict-Transport-Security": "max-age=300; includeSubDomains"}),
    "csp_unsafe_inline": Variant(
        {
            "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; "
            "object-src 'none'; frame-ancestors 'none'"
        }
    ),
    "csp_missing": Variant({"Content-Security-Policy": None}),
    "no_nosniff": Variant({"X-Content-Type-Options": None}),
    "no_frame_options": Variant(
        {"X-Frame-Options": None, "Content-Security-Policy": "default-src 'self'; object-src 'none'"}
    ),
    "referrer_unsafe": Variant({"Referrer-Policy": "unsafe-url"}),
    "no_permissions_policy": Variant({"Permissions-Policy": None}),
    "server_tokens": Variant(server_tokens=True),
    "powered_by": Variant({"X-Powered-By": "PHP/8.2.7"}),
    "cors_reflect": Variant(
        {"Access-Control-Allow-Origin": "$http_origin", "Access-Control-Allow-Credentials": "true"}
    ),
    "cors_wildcard_credentials": Variant(
        {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": "true"}
    ),
    "cors_public": Variant({"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": None}),
    "cors_broad": Variant(
        {
            "Access-Control-Allow-Methods": "$golive_cors_broad",
            "Access-Control-Allow-Headers": "$golive_cors_broad",
            "Access-Control-Max-Age": "$golive_cors_year",
        }
    ),
    "cors_admin": Variant(
        locations="        location /admin/ {{\n" + CORS_GRANT + '            return 200 "admin\\n";\n        }}\n'
    ),
    "xss_filter": Variant({"X-XSS-Protection": "1"}),
    "xss_legacy": Variant({"X-XSS-Protection": "1; mode=block"}),
    "cookie_long": Variant(
        {"Set-Cookie": "sid=s3ss10n-v4lue-1234; Path=/; Max-Age=31536000; Secure; HttpOnly; SameSite=Lax"}
    ),
    "cookie_insecure": Variant({"Set-Cookie": "sid=s3ss10n-v4lue-1234; Path=/"}),
    "cookie_on_health": Variant(
        locations=(
            "        location = /api/health {{\n"
            '            add_header Set-Cookie "tracking=tr4ck-v4lue-9876; Path=/" always;\n'
            "            default_type application/json;\n"
            '            return 200 \'{{"status":"ok"}}\';\n'
            "        }}\n"
        )
    ),
    "exposure_git": Variant(locations="        location /.git/ {{ alias {site}/.git/; }}\n"),
    "exposure_env": Variant(
        locations="        location = /.env {{ alias {site}/.env; default_type text/plain; }}\n"
    ),
    "exposure_listing": Variant(
        locations="        location /uploads/ {{ alias {site}/uploads/; autoindex on; }}\n"
    ),
    "stack_trace": Variant(fallback=f'return 500 "{TRACEBACK}";'),
    # CSP Level 3 (issue 16): one offending source or token each; the message must name it
    "csp_insecure_scheme": Variant(
        {"Content-Security-Policy": "default-src 'self'; script-src 'self' ftp://cdn.golive.test; "
         "object-src 'none'; frame-ancestors 'none'"}
    ),
    "csp_wildcard_host": Variant(
        {"Content-Security-Policy": "default-src 'self'; script-src https://*; object-src 'none'; "
         "frame-ancestors 'none'"}
    ),
    "csp_bare_scheme": Variant(
        {"Content-Security-Policy": "default-src 'self'; script-src 'self' https:; object-src 'none'; "
         "frame-ancestors 'none'"}
    ),
    "csp_glued_nonce": Variant(
        {"Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline' 'nonce-abc''strict-dynamic'; "
         "object-src 'none'; frame-ancestors 'none'"}
    ),
    "csp_script_none": Variant({"Content-Security-Policy": "script-src 'none'; frame-ancestors 'none'"}),
    # a policy delivered only in <meta>: enforced for scripts, but its frame-ancestors is ignored
    "csp_meta_only": Variant({"Content-Security-Policy": None}, home=META_HOME),
    "meta_frame_ancestors": Variant(
        {"Content-Security-Policy": None, "X-Frame-Options": None}, home=META_HOME
    ),
    "referrer_origin": Variant({"Referrer-Policy": "origin"}),
    "breach_token": Variant(extra=GZIP, home=TOKEN_HOME.replace("$TOKEN", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA")),
    "breach_masked": Variant(extra=GZIP, home=TOKEN_HOME.replace("$TOKEN", "$request_id")),
    "http_sound": Variant(https=False, redirect="return 301 https://{hostname}:{sound_port}$request_uri;"),
    "http_302": Variant(https=False, redirect="return 302 https://{hostname}:{sound_port}$request_uri;"),
    "http_no_redirect": Variant(https=False, redirect='return 200 "plain http page\\n";'),
    "http_to_http": Variant(https=False, redirect="return 301 http://{hostname}:{own_port}/elsewhere;"),
    "http_off_host": Variant(https=False, redirect="return 301 https://evil.golive.test$request_uri;"),
    "http_307": Variant(https=False, redirect="return 307 https://{hostname}:{sound_port}$request_uri;"),
}

HEALTH = '        location = /api/health { default_type application/json; return 200 \'{"status":"ok"}\'; }\n'

CORS_MAP = f"""\
    map $http_origin $golive_cors_origin {{
        default "";
        "{ALLOWED_ORIGIN}" $http_origin;
    }}
    map $http_origin $golive_cors_credentials {{
        default "";
        "{ALLOWED_ORIGIN}" "true";
    }}
    map $http_origin $golive_cors_methods {{
        default "";
        "{ALLOWED_ORIGIN}" "GET, POST, PUT";
    }}
    map $http_origin $golive_cors_headers {{
        default "";
        "{ALLOWED_ORIGIN}" "authorization, content-type";
    }}
    map $http_origin $golive_cors_max_age {{
        default "";
        "{ALLOWED_ORIGIN}" "600";
    }}
    map $http_origin $golive_cors_broad {{
        default "";
        "{ALLOWED_ORIGIN}" "*";
    }}
    map $http_origin $golive_cors_year {{
        default "";
        "{ALLOWED_ORIGIN}" "31536000";
    }}
"""


def _headers(variant: Variant) -> str:
    merged = {**SOUND_HEADERS, **variant.headers}
    return "".join(
        f'        add_header {name} "{value}" always;\n'
        for name, value in merged.items()
        if value is not None
    )


def _block(
    name: str, variant: Variant, port: int, ports: dict[str, int], tls: tuple[Path, Path], site: Path
) -> str:
    tokens = "on" if variant.server_tokens else "off"
    if not variant.https:
        redirect = (variant.redirect or "").format(
            hostname=HOSTNAME, sound_port=ports["sound"], own_port=port
        )
        return (
            f"    server {{  # {name}\n        listen 127.0.0.1:{port};\n        server_name {HOSTNAME};\n"
            f"        server_tokens {tokens};\n"
            f'        location = /elsewhere {{ return 200 "still plain http\\n"; }}\n'
            f"        location / {{ {redirect} }}\n    }}\n"
        )
    locations = variant.locations.format(site=site)
    return (
        f"    server {{  # {name}\n        listen 127.0.0.1:{port} ssl;\n        server_name {HOSTNAME};\n"
        f"        ssl_certificate {tls[0]};\n        ssl_certificate_key {tls[1]};\n"
        f"        server_tokens {tokens};\n        default_type text/html;\n{variant.extra}{_headers(variant)}"
        f"        location = / {{ {variant.home} }}\n"
        f'        location = /app/ {{ return 200 "<html><title>App</title>welcome</html>\\n"; }}\n'
        f"{'' if 'location = /api/health' in locations else HEALTH}"
        f"{'' if 'location /admin/' in locations else ADMIN.format()}{locations}"
        f"        location / {{ {variant.fallback} }}\n    }}\n"
    )


def _site(site: Path) -> Path:
    """Files the exposure variants serve by mistake: a real git config, an .env, an upload dir.

    nginx workers started by root run as ``nobody``, who cannot enter pytest's private temp dirs;
    so the site lives in its own world-readable temp dir (removed on exit).
    """
    site.chmod(0o755)
    (site / ".git").mkdir(parents=True, exist_ok=True)
    (site / ".git" / "config").write_text(
        "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n"
        '[remote "origin"]\n\turl = git@example.com:acme/shop.git\n'
    )
    (site / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (site / ".env").write_text(
        "DATABASE_URL=postgres://app:pw-not-for-logs@db/app\nSECRET_KEY=k3y-not-for-logs\n"
    )
    (site / "uploads").mkdir(exist_ok=True)
    (site / "uploads" / "invoice-2026.pdf").write_bytes(b"%PDF-1.4\n")
    return site


def _tls(root: Path) -> tuple[Path, Path, Path]:
    ca = _ca("golive headers test CA", _ec(), None)
    server = leaf(ca)
    (root / "ca.pem").write_bytes(pem(ca.cert))
    (root / "server.crt").write_bytes(pem(server.cert))
    (root / "server.key").write_bytes(key_pem(server.key))
    return root / "server.crt", root / "server.key", root / "ca.pem"


@dataclass
class HeadersLab:
    """The running nginx: ``ports[variant]``, the CA bundle, and profile targets for variants."""

    ports: dict[str, int]
    ca_bundle: Path
    process: ServerProcess

    def target(self, name: str, variant: str | None = None, http_variant: str | None = None) -> dict:
        """A profile target for ``variant`` (default: the one named ``name``), HTTP listener optional."""
        port = self.ports[variant or name]
        found: dict = {
            "name": name,
            "url": f"https://{HOSTNAME}:{port}",
            "resolve": "127.0.0.1",
            "ca_bundle": str(self.ca_bundle),
        }
        if http_variant:
            found["http_url"] = f"http://{HOSTNAME}:{self.ports[http_variant]}"
        return found


@contextlib.contextmanager
def headers_lab(root: Path, variants: dict[str, Variant] | None = None) -> Iterator[HeadersLab]:
    """Start one nginx serving every variant; stopped by PID on exit."""
    chosen = variants or VARIANTS
    root.mkdir(parents=True, exist_ok=True)
    cert, key, ca = _tls(root)
    site = _site(Path(tempfile.mkdtemp(prefix="golive-headers-site-")))
    ports = free_ports(chosen)
    blocks = CORS_MAP + "".join(_block(n, v, ports[n], ports, (cert, key), site) for n, v in chosen.items())
    try:
        process = start_nginx(root / "nginx", blocks, list(ports.values()))
    except BaseException:
        shutil.rmtree(site, ignore_errors=True)
        raise
    try:
        yield HeadersLab(ports, ca, process)
    finally:
        process.stop()
        shutil.rmtree(site, ignore_errors=True)
