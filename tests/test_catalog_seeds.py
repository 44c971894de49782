"""The catalog is derived from the five seed guides; docs/seed-coverage.md is the evidence, generated
from data (docs/seed-items/*.yaml, one entry per checklist item of a seed) by scripts/seed_coverage.py.

These tests keep data, catalog, document and README in agreement: the document and the README totals
are what the generator makes of the data today; every id a row cites exists; every catalog item's
``seeds`` are exactly the seeds whose rows cite it (so no row cites an item that does not name that
seed); and a seed's critical-path (⚠️) item never maps only to non-critical manual or planned items.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from golive.catalog import SEED_FILES, load_catalog

REPO = Path(__file__).resolve().parent.parent
CATALOG_DIR = REPO / "golive" / "catalog"
GENERATOR = REPO / "scripts" / "seed_coverage.py"
_spec = importlib.util.spec_from_file_location("seed_coverage", GENERATOR)
assert _spec is not None and _spec.loader is not None
seed_coverage = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("seed_coverage", seed_coverage)  # dataclasses look their module up there
_spec.loader.exec_module(seed_coverage)
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
    """(seed, checklist item text, cited ids) for every entry of docs/seed-items/*.yaml."""
    return [(row.seed, row.item, list(row.ids)) for row in seed_coverage.load_rows()]


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
    """Every item (automated, manual, planned) names exactly the seeds whose rows cite it: a row
    citing an id from a seed the item does not claim is a row claiming more than the item judges."""
    cited = cited_seeds()
    for item in load_catalog().values():
        if not item.seeds:
            continue
        assert item.id in cited, f"{item.id} is cited by no entry of docs/seed-items"
        assert set(item.seeds) == cited[item.id], (
            f"{item.id}: seeds {list(item.seeds)} but docs/seed-items cites it from {sorted(cited[item.id])}")


def test_coverage_document_and_readme_totals_are_generated_from_the_data() -> None:
    rows = seed_coverage.load_rows()
    assert seed_coverage.DOCUMENT.read_text(encoding="utf-8") == seed_coverage.render(rows), (
        "docs/seed-coverage.md is out of date: run .venv/bin/python scripts/seed_coverage.py")
    readme = seed_coverage.README.read_text(encoding="utf-8")
    assert readme == seed_coverage.readme_with_totals(readme, rows), (
        "README.md seed-coverage totals are out of date: run .venv/bin/python scripts/seed_coverage.py")


def test_a_row_class_follows_from_the_catalog_modes() -> None:
    """Planned ids judge nothing: a row resting on one is never 'automated'; 'partial' names what is
    missing; 'not covered' says why."""
    modes = {i: item.mode for i, item in load_catalog().items()}
    for row in seed_coverage.load_rows():
        automated = [i for i in row.ids if modes[i] == "automated"]
        if row.cls == "automated":
            assert automated and not row.missing and not row.planned, row
        elif row.cls == "partial":
            assert automated and row.missing, row
        elif row.cls == "manual":
            assert not automated and row.judging, row
        else:
            assert not row.judging and row.reason, row


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


# Issue 19 ends with no planned id: each was implemented, made a manual attestation or removed. The
# ones still planned belong to work in progress elsewhere; this list only ever shrinks.
STILL_PLANNED_ELSEWHERE = frozenset({"prereq.migrations_applied", "prereq.postgres_indexes", "prereq.postgres_rls"})


def test_no_planned_id_is_left_outside_work_in_progress() -> None:
    planned = {item.id for item in load_catalog().values() if item.mode == "planned"}
    assert planned <= STILL_PLANNED_ELSEWHERE, f"planned ids left: {sorted(planned - STILL_PLANNED_ELSEWHERE)}"
