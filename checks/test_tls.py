"""TLS checks (``-m tls``, part of ``-m security``): one shared sslyze scan per https target and
per ``tls_endpoints`` entry (PostgreSQL, Redis over TLS, SMTP...), judged by pure rules in
``golive.rules.tls``. Only tls.http2 is about HTTP and runs on https targets alone."""

from __future__ import annotations

import pytest

from golive.fixtures.tls import tls_observation
from golive.registry import check
from golive.rules import tls as rules
from golive.verdict import Verdict


def observe(tls_scan, target, evidence):
    """The target's scan observation, with its summary attached to this check's evidence: every
    tls.* result carries the scan it was judged on (one scan per target, attached to each check)."""
    obs = tls_observation(tls_scan, target)
    evidence.json("TLS scan summary", obs.summary())
    return obs


def judge(verdict: Verdict, subject: str, evidence) -> None:
    """Conclude on a verdict about ``subject``; an undecidable one skips with its reason."""
    verdict = verdict.about(subject)
    if rules.is_undecidable(verdict):
        pytest.skip(verdict.message)
    evidence.judge(verdict)


@check("tls.cert_trusted", over="tls_targets")
def test_cert_trusted(target, tls_scan, evidence):
    obs = observe(tls_scan, target, evidence)
    evidence.metric("scan_s", obs.scan_seconds)
    judge(rules.cert_trusted(obs), target.name, evidence)


@check("tls.cert_validity", over="tls_targets")
def test_cert_validity(target, tls_scan, evidence):
    judge(rules.cert_validity(observe(tls_scan, target, evidence)), target.name, evidence)


@check("tls.cert_expiry_window", over="tls_targets")
def test_cert_expiry_window(target, tls_scan, settings, evidence):
    obs = observe(tls_scan, target, evidence)
    if obs.leaf is not None:
        evidence.expiry(
            f"certificate {obs.leaf.subject_cn} of {target.name}",
            obs.leaf.not_after.date(),
            f"issued by {obs.leaf.issuer_cn}",
        )
        evidence.metric("days_remaining", rules.days_remaining(obs.leaf))
    judge(rules.cert_expiry_window(obs, settings.tls.min_days_remaining), target.name, evidence)


@check("tls.cert_hostname", over="tls_targets")
def test_cert_hostname(target, tls_scan, evidence):
    judge(rules.cert_hostname(observe(tls_scan, target, evidence), target.hostname), target.name, evidence)


@check("tls.cert_chain_complete", over="tls_targets")
def test_cert_chain_complete(target, tls_scan, evidence):
    judge(rules.cert_chain_complete(observe(tls_scan, target, evidence)), target.name, evidence)


@check("tls.cert_key_strength", over="tls_targets")
def test_cert_key_strength(target, tls_scan, settings, evidence):
    obs = observe(tls_scan, target, evidence)
    if obs.leaf is not None:
        evidence.metric("key", f"{obs.leaf.key_type} {obs.leaf.key_size}")
    judge(rules.cert_key_strength(obs, settings.tls.min_rsa_bits, settings.tls.min_ec_bits), target.name, evidence)


@check("tls.protocols", over="tls_targets")
def test_protocols(target, tls_scan, settings, evidence):
    obs = observe(tls_scan, target, evidence)
    evidence.metric("protocols", [p for p, yes in obs.protocols.items() if yes])
    judge(rules.protocols(obs, settings.tls.wants_tls13, settings.tls.wants_tls12), target.name, evidence)


@check("tls.ciphers", over="tls_targets")
def test_ciphers(target, tls_scan, settings, evidence):
    obs = observe(tls_scan, target, evidence)
    evidence.metric("accepted_suites", len({s.name for s in obs.suites}))
    judge(rules.ciphers(obs, settings.tls.allow_cbc), target.name, evidence)


@check("tls.vulnerabilities", over="tls_targets")
def test_vulnerabilities(target, tls_scan, evidence):
    judge(rules.vulnerabilities(observe(tls_scan, target, evidence)), target.name, evidence)


@check("tls.http2", over="https_targets")
def test_http2(target, tls_scan, evidence):
    judge(rules.http2(observe(tls_scan, target, evidence)), target.name, evidence)


@check("tls.mozilla_compliance", over="tls_targets")
def test_mozilla_compliance(target, tls_scan, evidence):
    obs = observe(tls_scan, target, evidence)
    if obs.mozilla_issues:
        evidence.json(f"Mozilla {obs.mozilla_policy} issues", obs.mozilla_issues)
    judge(rules.mozilla_compliance(obs), target.name, evidence)


@check("tls.ocsp_stapling", over="tls_targets")
def test_ocsp_stapling(target, tls_scan, settings, evidence):
    obs = observe(tls_scan, target, evidence)
    judge(rules.ocsp_stapling(obs, settings.tls.require_ocsp_stapling), target.name, evidence)


@check("tls.key_exchange", over="tls_targets")
def test_key_exchange(target, tls_scan, settings, evidence):
    obs = observe(tls_scan, target, evidence)
    judge(rules.key_exchange(obs, settings.tls.min_dh_bits, settings.tls.min_ecdh_bits), target.name, evidence)


@check("tls.early_data", over="tls_targets")
def test_early_data(target, tls_scan, settings, evidence):
    judge(rules.early_data(observe(tls_scan, target, evidence), settings.tls.early_data), target.name, evidence)


@check("tls.certificate_transparency", over="tls_targets")
def test_certificate_transparency(target, tls_scan, evidence):
    judge(rules.certificate_transparency(observe(tls_scan, target, evidence)), target.name, evidence)
