"""Pure judgements of a PostgreSQL database's schema state: ``golive.prereq.pg_state`` observations and
the release's expectations in, ``Verdict`` out (named after the database by the check)."""

from __future__ import annotations

from golive.durations import format_duration
from golive.prereq.migrations import Expected, version_key
from golive.prereq.pg_state import MigrationObs, PgState
from golive.settings import postgres as s
from golive.sizes import format_size
from golive.verdict import Verdict, advisory, fail, ok


def _list(items: list[str], limit: int = 8) -> str:
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")


def migrations(obs: MigrationObs, wanted: s.Migrations, expected: Expected | None) -> Verdict:
    """prereq.migrations_applied: the tool's table says the release's migrations ran, no more, no less,
    none failed or unfinished."""
    head = wanted.head
    want_text = f"head {head}" if head else (f"heads {_list(sorted(expected.heads))}" if expected and expected.heads
                                             else f"{len(expected.applied) if expected else 0} migrations applied")
    if not obs.exists:
        return fail("migrations-table-missing", f"no {obs.table} table: {obs.tool} never ran here",
                    "no migration table", want_text)
    problems: list[str] = []
    if obs.failed:
        problems.append(f"failed migrations recorded: {_list(list(obs.failed))}")
    if obs.unfinished:
        problems.append(f"unfinished migrations (started, neither finished nor rolled back): "
                        f"{_list(list(obs.unfinished))}")
    applied = list(obs.applied)
    if obs.tool in ("alembic", "flyway"):
        current = sorted(set(applied)) if obs.tool == "alembic" else (
            [max(applied, key=version_key)] if applied else [])
        targets = sorted({head}) if head else sorted(expected.heads if expected else ())
        if current != targets:
            problems.append(f"applied head {_list(current) or 'none'}, release expects {_list(targets) or 'none'}")
        observed = f"head {_list(current) or 'none'}"
    else:
        have = set(applied)
        want = set(expected.applied) if expected else set()
        if head:
            want.add(head)
        missing = sorted(want - have)
        unknown = sorted(have - want) if expected else []
        if missing:
            problems.append(f"{len(missing)} not applied: {_list(missing)}")
        if unknown:
            problems.append(f"{len(unknown)} applied but not in the release's migrations: {_list(unknown)}")
        observed = f"{len(have)} applied" + (f", newest {max(have)}" if have else "")
    if problems:
        return fail("migrations-differ", f"{obs.tool} ({obs.table}): " + "; ".join(problems), observed, want_text)
    return ok("migrations-applied", f"{obs.tool} ({obs.table}): {observed}, as the release expects", observed,
              want_text)


def _columns_match(have: tuple[str, ...], want: list[str]) -> bool:
    return [c.strip('"').lower() for c in have] == [c.strip('"').lower() for c in want]


def indexes(state: PgState, required: list[s.RequiredIndex], fk_policy: str) -> Verdict:
    """prereq.postgres_indexes: no INVALID or not-ready index, every required index present with its
    definition, foreign keys with a supporting index (advisory by default)."""
    expected = "valid indexes; required ones with their definition"
    problems: list[str] = []
    for index in state.indexes:
        if not index.valid or not index.ready:
            what = "INVALID" if not index.valid else "not ready"
            problems.append(f"index {index.name} on {index.table} is {what} (a failed CREATE INDEX CONCURRENTLY: "
                            "drop and recreate it)")
    by_name = {i.name: i for i in state.indexes} | {f"{i.schema}.{i.name}": i for i in state.indexes}
    for want in required:
        have = by_name.get(want.name)
        if have is None:
            problems.append(f"required index {want.name} missing")
            continue
        if want.table and want.table.split(".")[-1] != have.table:
            problems.append(f"index {want.name} is on {have.table}, expected on {want.table}")
        if want.columns and not _columns_match(have.columns, want.columns):
            problems.append(f"index {want.name} covers ({', '.join(have.columns)}), expected "
                            f"({', '.join(want.columns)})")
        if want.method and want.method.lower() != have.method:
            problems.append(f"index {want.name} uses {have.method}, expected {want.method}")
        if want.unique is not None and want.unique != have.unique:
            problems.append(f"index {want.name} is {'' if have.unique else 'not '}unique")
    summary = f"{len(state.indexes)} indexes valid" + (f", {len(required)} required present" if required else "")
    if problems:
        return fail("indexes-wrong", "; ".join(problems), f"{len(problems)} problem(s)", expected)
    unsupported = [f"{fk.table}({', '.join(fk.columns)})" for fk in state.foreign_keys if not fk.indexed]
    if unsupported and fk_policy != "off":
        reason = (f"foreign keys without a supporting index (slow deletes/joins, lock escalation): "
                  f"{_list(unsupported)}")
        if fk_policy == "required":
            return fail("fk-without-index", reason, f"{len(unsupported)} unindexed foreign key(s)", expected)
        return advisory("fk-without-index", f"{summary}; {reason}", f"{len(unsupported)} unindexed foreign key(s)",
                        "every foreign key backed by an index")
    return ok("indexes-ok", f"{summary}, {len(state.foreign_keys)} foreign keys indexed", summary, expected)


def rls(state: PgState, wanted: s.Rls) -> Verdict:
    """prereq.postgres_rls: the listed tables (and every table of the listed schemas) have row level
    security enabled, forced when asked, and at least ``min_policies`` policies."""
    expected = "row level security enabled" + (" and forced" if wanted.force else "") + \
        f", at least {wanted.min_policies} policy"
    tables = {f"{t.schema}.{t.table}": t for t in state.tables}
    names = [n if "." in n else f"public.{n}" for n in wanted.tables]
    names += [key for key, t in tables.items() if t.schema in wanted.schemas and key not in names]
    problems: list[str] = []
    for name in names:
        table = tables.get(name)
        short = name.removeprefix("public.")
        if table is None:
            problems.append(f"table {short} not found")
            continue
        if not table.enabled:
            problems.append(f"{short}: row level security disabled")
        elif wanted.force and not table.forced:
            problems.append(f"{short}: row level security not forced (the owner bypasses it)")
        if table.policies < wanted.min_policies:
            problems.append(f"{short}: {table.policies} policies")
    if problems:
        return fail("rls-missing", "; ".join(problems), f"{len(problems)} problem(s) in {len(names)} tables", expected)
    return ok("rls-ok", f"row level security on {len(names)} tables" + (" (forced)" if wanted.force else ""),
              f"{len(names)} tables", expected)


def settings(state: PgState, wanted: s.PgSettings) -> Verdict:
    """prereq.postgres_settings: statement_timeout, work_mem, max_connections, free connections,
    password_encryption as the seeds set them."""
    problems: list[str] = []
    seen: list[str] = []
    if wanted.max_statement_timeout is not None:
        have = state.statement_timeout_ms / 1000
        seen.append(f"statement_timeout {format_duration(have) if have else '0 (unlimited)'}")
        if have == 0 or have > wanted.max_statement_timeout:
            problems.append(f"statement_timeout {format_duration(have) if have else '0 (unlimited)'}, expected "
                            f"at most {format_duration(wanted.max_statement_timeout)}")
    if wanted.min_work_mem is not None or wanted.max_work_mem is not None:
        have = format_size(state.work_mem)
        seen.append(f"work_mem {have}")
        if wanted.min_work_mem is not None and state.work_mem < wanted.min_work_mem:
            problems.append(f"work_mem {have}, expected at least {format_size(wanted.min_work_mem)}")
        if wanted.max_work_mem is not None and state.work_mem > wanted.max_work_mem:
            problems.append(f"work_mem {have}, expected at most {format_size(wanted.max_work_mem)}")
    if wanted.min_max_connections is not None:
        seen.append(f"max_connections {state.max_connections}")
        if state.max_connections < wanted.min_max_connections:
            problems.append(f"max_connections {state.max_connections}, expected at least {wanted.min_max_connections}")
    if wanted.min_headroom is not None:
        usable = max(1, state.max_connections - state.reserved_connections)
        free = 100.0 * (usable - state.connections) / usable
        seen.append(f"{state.connections}/{usable} connections in use ({free:.0f}% free)")
        if free < wanted.min_headroom:
            problems.append(f"{state.connections} of {usable} connections in use, {free:.0f}% free; expected at "
                            f"least {wanted.min_headroom:g}% free")
    if wanted.password_encryption is not None:
        seen.append(f"password_encryption {state.password_encryption}")
        if state.password_encryption != wanted.password_encryption:
            problems.append(f"password_encryption {state.password_encryption}, expected {wanted.password_encryption}")
    observed = "; ".join(seen)
    if problems:
        return fail("settings-differ", "; ".join(problems), observed, "the settings of the profile")
    return ok("settings-ok", observed, observed, "the settings of the profile")


def replication(state: PgState, wanted: s.Replication) -> Verdict:
    """prereq.postgres_replication: enough replicas streaming, each replaying within the lag bound."""
    expected = f"{wanted.min_replicas} streaming replica(s), replay lag ≤ {format_duration(wanted.max_lag)}"
    streaming = [r for r in state.replicas if r.state == "streaming"]
    problems: list[str] = []
    others = [f"{r.name or '?'} {r.state}" for r in state.replicas if r.state != "streaming"]
    if len(streaming) < wanted.min_replicas:
        problems.append(f"{len(streaming)} streaming replica(s)" + (f" ({_list(others)})" if others else ""))
    for r in streaming:
        if r.replay_lag is not None and r.replay_lag > wanted.max_lag:
            problems.append(f"{r.name or 'replica'} replays {format_duration(r.replay_lag)} behind")
        if wanted.max_lag_bytes is not None and r.lag_bytes is not None and r.lag_bytes > wanted.max_lag_bytes:
            problems.append(f"{r.name or 'replica'} is {format_size(r.lag_bytes)} of WAL behind")
    lags = ", ".join(f"{r.name or 'replica'} {r.sync_state} lag "
                     f"{format_duration(r.replay_lag) if r.replay_lag is not None else '0s'}" for r in streaming)
    observed = f"{len(streaming)} streaming" + (f": {lags}" if lags else "")
    if problems:
        return fail("replication-behind", "; ".join(problems), observed, expected)
    return ok("replication-ok", observed, observed, expected)
