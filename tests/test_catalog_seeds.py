"""The catalog is derived from the five seed guides, and docs/seed-coverage.md is the evidence.

These tests keep the manual and planned items (golive/catalog/manual.yaml, planned.yaml) honest:
each names the seeds it comes from, those seeds are exactly the ones whose coverage rows cite it,
and a seed's critical-path (⚠️) item never maps only to non-critical manual or planned items.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from golive.catalog import SEED_FILES, load_catalog

REPO = Path(__file__).resolve().parent.parent
CATALOG_DIR = REPO / "golive" / "catalog"
COVERAGE = REPO / "docs" / "seed-coverage.md"
OWN_FILES = ("manual.yaml", "planned.yaml")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
WARNING_SIGN = "⚠️"

# Automated ids other categories implement (DESIGN.md and issue 2): the coverage table may cite them
# before their category file lands; once it does, they are checked against the catalog like the rest.
EXPECTED_AUTOMATED = frozenset({
    "tls.cert_trusted", "tls.cert_validity", "tls.cert_expiry_window", "tls.cert_hostname",
    "tls.cert_chain_complete", "tls.cert_key_strength", "tls.protocols", "tls.ciphers",
    "tls.vulnerabilities", "tls.http2", "tls.mozilla_compliance", "tls.ocsp_stapling", "headers.hsts",
    "headers.csp", "headers.content_type_options", "headers.frame_options", "headers.referrer_policy",
    "headers.permissions_policy", "headers.server_disclosure", "headers.cors", "headers.cookies",
    "headers.grade", "http.https_redirect", "http.exposure", "smoke.health", "smoke.health_deep",
    "smoke.endpoints", "smoke.auth_required", "smoke.latency", "smoke.version",
    "monitoring.prometheus_targets", "monitoring.alert_rules", "monitoring.alertmanager",
    "monitoring.grafana", "monitoring.metrics_endpoint", "monitoring.error_rate", "load.thresholds",
    "backup.fresh", "backup.integrity", "backup.restore", "backup.verify", "backup.retention",
    "backup.pre_deploy", "prereq.cpu", "prereq.memory", "prereq.disk", "prereq.os", "prereq.commands",
    "prereq.limits", "prereq.sysctl", "prereq.paths", "prereq.secrets", "prereq.certificates",
    "prereq.env_file", "prereq.services", "prereq.ports", "prereq.dns", "prereq.cron", "prereq.logrotate",
    "prereq.docker_daemon", "prereq.firewall", "prereq.redis", "prereq.postgres",
})


def own_entries() -> list[dict]:
    """The raw entries of the manual and planned files (raw, so duplicates are still visible)."""
    entries: list[dict] = []
    for name in OWN_FILES:
        entries.extend(yaml.safe_load((CATALOG_DIR / name).read_text(encoding="utf-8")) or [])
    return entries


def coverage_rows() -> list[tuple[str, str, list[str]]]:
    """(seed, checklist item text, cited ids) for every row of the coverage table.

    A row cites ids in backticks, or says `—` and why the line is no go-live gate.
    """
    rows = []
    for line in COVERAGE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] not in SEED_FILES:
            continue
        ids = re.findall(r"`([^`]+)`", cells[3])
        assert ids or (cells[3].startswith("—") and len(cells[3]) > 5), f"row without id or reason: {line}"
        rows.append((cells[0], cells[2], ids))
    return rows


def cited_seeds() -> dict[str, set[str]]:
    seeds: dict[str, set[str]] = defaultdict(set)
    for seed, _, ids in coverage_rows():
        for check_id in ids:
            seeds[check_id].add(seed)
    return seeds


def test_manual_and_planned_items_have_known_seeds_and_the_right_mode() -> None:
    for name in OWN_FILES:
        mode = name.removesuffix(".yaml")
        for entry in yaml.safe_load((CATALOG_DIR / name).read_text(encoding="utf-8")):
            assert entry["mode"] == mode, f"{name}: {entry['id']} has mode {entry['mode']}"
            seeds = entry.get("seeds") or []
            assert seeds, f"{entry['id']} has no seeds"
            assert set(seeds) <= set(SEED_FILES), f"{entry['id']}: unknown seeds {seeds}"
            assert seeds == sorted(set(seeds)), f"{entry['id']}: seeds not sorted/unique {seeds}"
            for key in ("title", "severity", "subjects", "description"):
                assert entry.get(key), f"{entry['id']} lacks {key}"
            if mode == "manual":
                assert entry["markers"] == [], f"{entry['id']}: manual items carry no markers"
            else:
                assert entry["markers"], f"{entry['id']}: a planned item needs the markers it will carry"


@pytest.mark.parametrize("seed", sorted(SEED_FILES))
def test_every_seed_is_cited_by_at_least_three_items(seed: str) -> None:
    citing = [e["id"] for e in own_entries() if seed in e["seeds"]]
    assert len(citing) >= 3, f"seed {seed} is cited by only {citing}"


def test_ids_are_unique_and_well_formed() -> None:
    raw_ids: list[str] = []
    for path in sorted(CATALOG_DIR.glob("*.yaml")):
        raw_ids.extend(str(e["id"]) for e in yaml.safe_load(path.read_text(encoding="utf-8")) or [])
    duplicates = sorted(i for i, n in Counter(raw_ids).items() if n > 1)
    assert not duplicates, f"duplicate ids across catalog files: {duplicates}"
    malformed = sorted(i for i in raw_ids if not ID_PATTERN.match(i))
    assert not malformed, f"ids must be lowercase category.item: {malformed}"
    assert set(load_catalog()) >= set(raw_ids)


def test_manual_and_planned_ids_do_not_take_automated_ids() -> None:
    taken = sorted({e["id"] for e in own_entries()} & EXPECTED_AUTOMATED)
    assert not taken, f"ids reserved for automated checks: {taken}"


def test_seeds_match_the_coverage_table() -> None:
    cited = cited_seeds()
    for entry in own_entries():
        assert entry["id"] in cited, f"{entry['id']} is cited by no row of docs/seed-coverage.md"
        assert set(entry["seeds"]) == cited[entry["id"]], (
            f"{entry['id']}: seeds {entry['seeds']} but the coverage table cites it from "
            f"{sorted(cited[entry['id']])}")


def test_coverage_table_cites_only_known_ids_and_covers_every_seed() -> None:
    rows = coverage_rows()
    known = set(load_catalog()) | EXPECTED_AUTOMATED
    unknown = sorted({i for _, _, ids in rows for i in ids} - known)
    assert not unknown, f"coverage table cites unknown ids: {unknown}"
    per_seed = Counter(seed for seed, _, _ in rows)
    assert all(per_seed[s] >= 20 for s in SEED_FILES), per_seed
    mapped = [r for r in rows if r[2]]
    assert len(mapped) >= 0.9 * len(rows), "most rows must map to an id, not to '—'"


# Manual/planned ids that a ⚠️ row cites for a secondary aspect only, with the reason.
NOT_CRITICAL_ON_WARNED_ROWS = {
    # 003's critical-path header list includes X-XSS-Protection, a header browsers ignore today;
    # the row's critical weight sits on headers.hsts / headers.csp.
    "headers.xss_protection": "legacy header, ignored by current browsers",
}


def test_critical_path_items_map_to_critical_manual_or_planned_items() -> None:
    """Every manual/planned id a seed's ⚠️ row cites is critical (DESIGN.md: critical for ⚠️ items)."""
    own = {e["id"]: e for e in own_entries()}
    warned = [(seed, item, ids) for seed, item, ids in coverage_rows() if WARNING_SIGN in item]
    assert len(warned) >= 20, "the seeds' ⚠️ items must appear in the coverage table"
    for seed, item, ids in warned:
        for check_id in ids:
            if check_id in own and check_id not in NOT_CRITICAL_ON_WARNED_ROWS:
                assert own[check_id]["severity"] == "critical", (
                    f"{seed} ⚠️ {item!r} maps to {check_id}, severity {own[check_id]['severity']}")


def test_rollback_tested_is_a_critical_manual_item_from_every_seed() -> None:
    item = load_catalog()["signoff.rollback_tested"]
    assert item.mode == "manual" and item.severity == "critical"
    assert set(item.seeds) == set(SEED_FILES)
    assert "manual" in item.all_markers and "critical" in item.all_markers
