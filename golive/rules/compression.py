"""``http.compression``: text answers compressed when the client accepts it; compressed formats not
compressed twice (pure).

Judged on answers fetched with ``Accept-Encoding: gzip, br``: a text type (HTML, CSS, JavaScript,
JSON, XML, SVG) of at least ``min_size`` bytes must carry ``Content-Encoding``; an image, font,
archive or video must not (it only costs CPU). Smaller bodies are not judged: servers rightly skip
them (nginx ``gzip_min_length``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from golive.verdict import Verdict, fail, not_applicable, ok

ENCODINGS = ("gzip", "br", "zstd", "deflate")
_TEXT = ("text/", "application/javascript", "application/x-javascript", "application/json", "application/xml",
         "application/ld+json", "application/manifest+json", "image/svg+xml", "application/xhtml+xml")
_COMPRESSED = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "video/", "audio/",
               "font/woff", "font/woff2", "application/font-woff", "application/zip", "application/gzip",
               "application/x-gzip", "application/pdf", "application/x-bzip2", "application/zstd")


@dataclass(frozen=True)
class Encoded:
    """One answer as compression sees it: path, status, media type, Content-Encoding, decoded size."""

    path: str
    status: int
    content_type: str
    encoding: str | None
    size: int


def is_text(content_type: str) -> bool:
    return content_type.startswith(_TEXT) or content_type.endswith(("+json", "+xml"))


def is_compressed_format(content_type: str) -> bool:
    return content_type.startswith(_COMPRESSED)


def compression(answers: Sequence[Encoded], min_size: int) -> Verdict:
    """Text ≥ ``min_size`` encoded with gzip/br/zstd/deflate; already-compressed formats not encoded."""
    expected = f"Content-Encoding gzip or br on text answers of {min_size} bytes or more; none on images/fonts"
    problems: list[str] = []
    judged: list[str] = []
    for a in answers:
        encoding = (a.encoding or "").strip().lower() or None
        if not 200 <= a.status < 300:
            continue
        if is_text(a.content_type) and a.size >= min_size:
            judged.append(f"{a.path} {encoding or 'identity'}")
            if encoding is None or encoding == "identity":
                problems.append(f"{a.path} ({a.content_type}, {a.size} bytes) is sent uncompressed")
            elif encoding not in ENCODINGS:
                problems.append(f"{a.path} uses an unknown Content-Encoding {encoding!r}")
        elif is_compressed_format(a.content_type):
            judged.append(f"{a.path} {encoding or 'identity'}")
            if encoding not in (None, "identity"):
                problems.append(f"{a.path} ({a.content_type}) is compressed again with {encoding}")
    observed = "; ".join(judged) or "(nothing judged)"
    if problems:
        return fail("compression-missing" if "uncompressed" in problems[0] else "compression-double",
                    "compression: " + "; ".join(problems), observed, expected, score=0)
    if not judged:
        sizes = ", ".join(f"{a.path} {a.status} {a.content_type or 'no type'} {a.size}B" for a in answers)
        return not_applicable("compression-nothing-to-judge",
                              f"no 2xx text answer of {min_size} bytes or more to judge ({sizes or 'no answers'}); "
                              "name larger responses in checks.http.compress_paths", observed)
    return ok("compression-ok", f"{len(judged)} answer(s) compressed as they should be", observed, expected)
