"""Benchmark: what the fail-safe layers cost, against the bare operations they wrap, in one run.

- **Redaction** (``golive.redact.Redactor.text``, 10 profile secrets): on a short check message, a
  37 KB text (the README) and a 77 KB HTML page dense with key=value pairs, against the bare floor
  (``str.replace`` of the ten plain secrets: no encodings, no key rules).
- **Profile loading** (``golive.profile_load.load_profile``: bounded YAML with positions and duplicate
  keys, every load-time check, all problems at once) of a 2000-target profile, against the bare
  floor (``yaml.safe_load`` with libyaml + ``Profile.model_validate``), and the refusal of a
  ~100 000-node alias bomb (golive's limit) against what ``yaml.safe_load`` would spend expanding it.

Medians of five interleaved rounds (the machine is shared). Run: ``.venv/bin/python bench/failsafe_bench.py``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
ROUNDS = 5

SECRETS = [f"s3cret-{i:02d}-Xy7+/q=Token" for i in range(10)]


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(repeat):
            fn()
        times.append((time.perf_counter() - started) / repeat)
    return statistics.median(times)


def bare_replace(text: str) -> str:
    for secret in SECRETS:
        text = text.replace(secret, "***")
    return text


def redaction() -> None:
    from golive.redact import Redactor

    redactor = Redactor(SECRETS)
    texts = {
        "check message": "web: Strict-Transport-Security max-age=63072000 (observed: max-age=63072000; "
                         "includeSubDomains; expected: max-age>=31536000)",
        "README (37 KB)": (REPO / "README.md").read_text()[:37000],
        "dense HTML (77 KB)": "<div data-token-count=3>password_encryption: scram ... auth-service: ok key=v</div>\n"
                              * 700,
    }
    print("redaction (10 secrets)            golive       bare replace   ratio")
    for name, text in texts.items():
        repeat = 2000 if len(text) < 1000 else 20
        ours = median_seconds(lambda t=text: redactor.text(t), repeat)
        bare = median_seconds(lambda t=text: bare_replace(t), repeat)
        print(f"  {name:30} {ours * 1e6:9.1f} µs {bare * 1e6:11.1f} µs {ours / bare:8.1f}x")


def profile_text(targets: int) -> str:
    lines = ["name: big", "environment: staging", "timeout: 5s", "targets:"]
    for i in range(targets):
        lines += [f"  - name: t{i}", f"    url: https://app{i}.example.test", f"    http_url: http://app{i}.example.test",
                  "    resolve: 127.0.0.1", "    roles: [web, api]"]
    lines += ["checks:", "  smoke:", "    endpoints:", "      - {name: items, path: /api/items}"]
    return "\n".join(lines) + "\n"


def loading() -> None:
    import yaml

    from golive.profile import Profile, ProfileError
    from golive.profile_load import load_profile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        path.write_text(profile_text(2000))
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

        def bare() -> None:
            Profile.model_validate(yaml.load(path.read_text(), Loader=loader))

        load_profile(path, env={})  # imports
        ours = median_seconds(lambda: load_profile(path, env={}), 1)
        floor = median_seconds(bare, 1)
        print("\nprofile loading                   golive       bare (safe_load + validate)   ratio")
        print(f"  2000 targets ({path.stat().st_size // 1024} KB) {ours * 1e3:14.0f} ms {floor * 1e3:14.0f} ms "
              f"{ours / floor:21.1f}x")

        bomb = Path(tmp) / "bomb.yaml"
        bomb.write_text("name: bomb\nl0: &l0 [" + ", ".join(["x"] * 10) + "]\n"
                        + "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]\n" for i in range(1, 6)))

        def refuse() -> None:
            try:
                load_profile(bomb, env={})
            except ProfileError:
                return
            raise AssertionError("the bomb loaded")

        refused = median_seconds(refuse, 1)
        started = time.perf_counter()
        expanded = [0]

        def count(node: object) -> None:  # what any walk over the expanded data costs (interpolation did)
            stack = [node]
            while stack:
                value = stack.pop()
                expanded[0] += 1
                if isinstance(value, dict):
                    stack.extend(value.values())
                elif isinstance(value, list):
                    stack.extend(value)

        count(yaml.load(bomb.read_text(), Loader=loader))
        walked = time.perf_counter() - started
        print(f"  alias bomb ({bomb.stat().st_size} bytes, {expanded[0]} nodes expanded): refused in "
              f"{refused * 1e3:.0f} ms; one walk over it unbounded {walked * 1e3:.0f} ms (a level more: x10)")


if __name__ == "__main__":
    redaction()
    loading()
