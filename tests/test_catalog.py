"""The catalog and the checks stay in step, and `golive checklist` prints it."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import checks
from golive.catalog import KNOWN_MARKERS, load_catalog
from golive.registry import spec_of

REPO = Path(__file__).resolve().parent.parent


def implemented_ids() -> dict[str, str]:
    """Every checklist id that has a @check function in checks/, → its test function."""
    found: dict[str, str] = {}
    for module_info in pkgutil.iter_modules(checks.__path__):
        module = importlib.import_module(f"checks.{module_info.name}")
        for name, value in vars(module).items():
            spec = spec_of(value)
            if spec is not None:
                found[spec.id] = f"{module_info.name}.{name}"
    return found


def test_every_check_is_in_the_catalog_and_every_automated_item_has_a_check() -> None:
    catalog = load_catalog()
    implemented = implemented_ids()
    assert implemented, "no checks found in checks/"
    missing_from_catalog = sorted(set(implemented) - set(catalog))
    assert not missing_from_catalog, f"checks without a catalog item: {missing_from_catalog}"
    automated = {i.id for i in catalog.values() if i.mode == "automated"}
    without_check = sorted(automated - set(implemented))
    assert not without_check, f"catalog items marked automated without a check: {without_check}"
    not_automated = sorted(i for i in implemented if catalog[i].mode != "automated")
    assert not not_automated, f"checks whose catalog item is not marked automated: {not_automated}"


def test_catalog_items_are_well_formed() -> None:
    catalog = load_catalog()
    assert len(catalog) >= 60
    for item in catalog.values():
        assert item.title and item.id.count(".") == 1, item
        assert set(item.markers) <= KNOWN_MARKERS
        if item.mode != "manual":
            assert item.markers, f"{item.id} has no markers"


def test_design_ids_are_present() -> None:
    design_ids = [
        "tls.cert_trusted", "tls.cert_validity", "tls.cert_expiry_window", "tls.cert_hostname",
        "tls.cert_chain_complete", "tls.cert_key_strength", "tls.protocols", "tls.ciphers", "tls.vulnerabilities",
        "tls.http2", "headers.hsts", "headers.csp", "headers.content_type_options", "headers.frame_options",
        "headers.referrer_policy", "headers.server_disclosure", "headers.cors", "headers.cookies",
        "http.https_redirect", "http.exposure", "smoke.health", "smoke.latency", "backup.fresh",
        "backup.integrity", "backup.restore", "backup.verify", "load.thresholds",
    ]
    missing = [i for i in design_ids if i not in load_catalog()]
    assert not missing, missing


def test_checklist_command_prints_table_and_json() -> None:
    table = subprocess.run([sys.executable, "-m", "golive.cli", "checklist"], capture_output=True, text=True,
                           check=False)
    assert table.returncode == 0, table.stderr
    assert "headers.hsts" in table.stdout and "automated" in table.stdout
    as_json = subprocess.run([sys.executable, "-m", "golive.cli", "checklist", "--json"], capture_output=True,
                             text=True, check=False)
    rows = json.loads(as_json.stdout)
    assert {r["id"] for r in rows} == set(load_catalog())
    hsts = next(r for r in rows if r["id"] == "headers.hsts")
    assert "critical" in hsts["markers"] and "security" in hsts["markers"]
