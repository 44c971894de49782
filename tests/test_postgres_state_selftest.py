"""PostgreSQL schema state proven both ways on a real PostgreSQL 15 with a real streaming replica
(``pg_basebackup -R``): migrations of all six tools (Alembic, Flyway, Django, Rails, Prisma, Supabase)
against their migrations directories, an INVALID index left by a failed CREATE INDEX CONCURRENTLY,
required index definitions, foreign keys without an index, row level security, role/database
settings with connection headroom, and replication — one golive run, one "database" per case. A port
that accepts and never answers fails within the profile's timeout (issue 15.6).
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import GoliveRun, run_golive
from tests.servers.base import free_port, start_process
from tests.servers.postgres import PG_BIN, PgServer, _as_postgres, _ready, require_postgres, running_postgres

pytestmark = pytest.mark.xdist_group("postgres_state_selftest")  # its module fixtures start once, on one worker

TOOLS = ("alembic", "flyway", "django", "rails", "prisma", "supabase")


def _migrations_dirs(root: Path) -> dict[str, Path]:
    dirs = {tool: root / tool for tool in TOOLS}
    for path in dirs.values():
        path.mkdir(parents=True)
    (dirs["alembic"] / "versions").mkdir()
    (dirs["alembic"] / "versions" / "a1_init.py").write_text('revision = "a1"\ndown_revision = None\n')
    (dirs["alembic"] / "versions" / "b2_add.py").write_text("revision: str = 'b2'\ndown_revision: str | None = 'a1'\n")
    for name in ("V1__init.sql", "V1.1__more.sql", "V2__orders.sql"):
        (dirs["flyway"] / name).write_text("select 1;")
    for app, names in (("shop", ["0001_initial", "0002_orders"]), ("auth", ["0001_initial"])):
        (dirs["django"] / app / "migrations").mkdir(parents=True)
        for name in names:
            (dirs["django"] / app / "migrations" / f"{name}.py").write_text("")
    for name in ("20240101000000_create_users.rb", "20240201000000_add_orders.rb"):
        (dirs["rails"] / name).write_text("")
    for name in ("20240101000000_init", "20240201000000_orders"):
        (dirs["prisma"] / name).mkdir()
        (dirs["prisma"] / name / "migration.sql").write_text("select 1;")
    for name in ("20240101000000_init.sql", "20240201000000_rls.sql"):
        (dirs["supabase"] / name).write_text("select 1;")
    return dirs


MIGRATION_TABLES = """
CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50), success boolean);
CREATE TABLE django_migrations (id serial PRIMARY KEY, app varchar(255), name varchar(255));
CREATE TABLE schema_migrations (version varchar PRIMARY KEY);
CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, migration_name varchar(255), started_at timestamptz
  DEFAULT now(), finished_at timestamptz, rolled_back_at timestamptz);
CREATE SCHEMA supabase_migrations;
CREATE TABLE supabase_migrations.schema_migrations (version text PRIMARY KEY);
"""
SOUND_MIGRATIONS = MIGRATION_TABLES + """
INSERT INTO alembic_version VALUES ('b2');
INSERT INTO flyway_schema_history VALUES (1, '1', true), (2, '1.1', true), (3, '2', true), (4, NULL, true);
INSERT INTO django_migrations (app, name) VALUES ('shop', '0001_initial'), ('shop', '0002_orders'),
  ('auth', '0001_initial');
INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240201000000');
INSERT INTO _prisma_migrations (id, migration_name, finished_at) VALUES ('1', '20240101000000_init', now()),
  ('2', '20240201000000_orders', now());
INSERT INTO supabase_migrations.schema_migrations VALUES ('20240101000000'), ('20240201000000');
"""
BAD_MIGRATIONS = MIGRATION_TABLES + """
INSERT INTO alembic_version VALUES ('a1');
INSERT INTO flyway_schema_history VALUES (1, '1', true), (2, '1.1', true), (3, '2', false);
INSERT INTO django_migrations (app, name) VALUES ('shop', '0001_initial'), ('shop', '0002_orders');
INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240201000000'), ('20250101000000');
INSERT INTO _prisma_migrations (id, migration_name, finished_at) VALUES ('1', '20240101000000_init', now()),
  ('2', '20240201000000_orders', NULL);
INSERT INTO supabase_migrations.schema_migrations VALUES ('20240101000000');
"""
SCHEMA = """
CREATE TABLE conversations (id serial PRIMARY KEY, domain text);
CREATE TABLE messages (id serial PRIMARY KEY, conversation_id int REFERENCES conversations(id), created_at timestamptz,
  body text);
CREATE TABLE documents (id serial PRIMARY KEY, owner text, body text);
INSERT INTO conversations (domain) SELECT 'd' || (g % 3) FROM generate_series(1, 30) g;
"""
SOUND_SCHEMA = SCHEMA + """
CREATE INDEX idx_messages_conversation ON messages (conversation_id, created_at DESC);
CREATE INDEX idx_content_search ON documents USING gin (to_tsvector('english', body));
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
CREATE POLICY documents_owner ON documents USING (owner = current_user);
"""
BAD_SCHEMA = SCHEMA + """
CREATE INDEX idx_messages_conversation ON messages (created_at);
CREATE INDEX idx_content_search ON documents USING gin (to_tsvector('english', body));
"""


def _standby(primary: PgServer, root: Path) -> Any:
    """A streaming replica: pg_basebackup -R as postgres, started on its own port."""
    import shutil
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="golive-replica-"))
    shutil.chown(work, "postgres", "postgres") if os.geteuid() == 0 else None
    data, sock = work / "data", work / "sock"
    env = {**os.environ, "PGPASSWORD": primary.password}
    subprocess.run([*_as_postgres(), str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
                    "-U", primary.user, "-D", str(data), "-R", "-X", "stream", "-c", "fast"],
                   check=True, capture_output=True, env=env, timeout=120)
    subprocess.run([*_as_postgres(), "mkdir", str(sock)], check=True)
    port = free_port()
    dsn = f"postgresql://{primary.user}:{primary.password}@127.0.0.1:{port}/postgres"
    process = start_process("replica", [*_as_postgres(), str(PG_BIN / "postgres"), "-D", str(data), "-p", str(port),
                                        "-k", str(sock), "-c", "listen_addresses=127.0.0.1",
                                        "-c", "cluster_name=replica1"],
                            root / "replica.log", lambda: _ready(dsn), timeout=180)
    return process, work


class StallingPort:
    """Accepts TCP connections and never answers: a database port that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[GoliveRun, Path]]:
    require_postgres()
    import shutil

    root = tmp_path_factory.mktemp("pgstate")
    dirs = _migrations_dirs(root / "migrations")
    with running_postgres(root / "pg", settings=("max_wal_senders=4", "wal_level=replica")) as pg:
        for name, sql in (("migr_ok", SOUND_MIGRATIONS), ("migr_bad", BAD_MIGRATIONS), ("app_ok", SOUND_SCHEMA),
                          ("app_bad", BAD_SCHEMA), ("fk_db", SCHEMA)):
            pg.create_database(name)
            with pg.connect(name) as db:
                db.execute(sql)
        # a failed CREATE UNIQUE INDEX CONCURRENTLY leaves an INVALID index behind
        with pg.connect("app_bad") as db, pytest.raises(Exception, match="could not create unique index"):
            db.execute("CREATE UNIQUE INDEX CONCURRENTLY idx_conversations_domain ON conversations (domain)")
        with pg.connect() as admin:
            admin.execute("ALTER DATABASE app_ok SET statement_timeout = '30s'")
            admin.execute("ALTER DATABASE app_ok SET work_mem = '256MB'")
            admin.execute("ALTER DATABASE app_bad SET statement_timeout = 0")
        replica, replica_work = _standby(pg, root)
        stalling = StallingPort()
        try:
            roles: dict[str, Any] = {}
            databases: list[dict[str, Any]] = []
            for tool in TOOLS:
                roles[f"m_{tool}"] = {"postgres": {"migrations": {"tool": tool, "migrations_dir": str(dirs[tool])}}}
                for which in ("ok", "bad"):
                    databases.append({"name": f"{tool}_{which}", "dsn": pg.dsn_for(f"migr_{which}"),
                                      "roles": [f"m_{tool}"]})
            roles["m_head"] = {"postgres": {"migrations": {"tool": "alembic", "head": "b2"}}}
            databases.append({"name": "alembic_head", "dsn": pg.dsn_for("migr_ok"), "roles": ["m_head"]})
            schema = {"required_indexes": [
                {"name": "idx_messages_conversation", "table": "messages",
                 "columns": ["conversation_id", "created_at DESC"], "method": "btree"},
                {"name": "idx_content_search", "table": "documents", "method": "gin"}],
                "rls": {"tables": ["documents"], "force": True},
                "settings": {"max_statement_timeout": "30s", "min_work_mem": "64MB", "min_max_connections": 50,
                             "min_headroom": 50, "password_encryption": "scram-sha-256"}}
            roles["schema"] = {"postgres": schema}
            roles["primary"] = {"postgres": {"replication": {"min_replicas": 1, "max_lag": "30s"}}}
            roles["two_replicas"] = {"postgres": {"replication": {"min_replicas": 2}}}
            roles["fk_required"] = {"postgres": {"fk_indexes": "required"}}
            databases += [
                {"name": "app_ok", "dsn": pg.dsn_for("app_ok"), "roles": ["schema", "primary"]},
                {"name": "app_bad", "dsn": pg.dsn_for("app_bad"), "roles": ["schema", "two_replicas"]},
                {"name": "fk_strict", "dsn": pg.dsn_for("fk_db"), "roles": ["fk_required"]},
                {"name": "fk_default", "dsn": pg.dsn_for("fk_db"), "roles": ["m_head"]},
                {"name": "stalled", "dsn": f"postgresql://u:p@127.0.0.1:{stalling.port}/x",
                 "roles": ["schema"]},
            ]
            profile = {"name": "pgstate", "environment": "staging", "timeout": "3s", "databases": databases,
                       "checks": {"prerequisites": {"roles": roles}}}
            run = run_golive(profile, "-m", "prereq", tmp_path=root / "run", timeout=900)
        finally:
            stalling.close()
            replica.stop()
            shutil.rmtree(replica_work, ignore_errors=True)
        yield run, root / "run" / "reports"


@pytest.mark.parametrize("tool", TOOLS)
def test_migrations_of_every_tool_both_ways(state: Any, tool: str) -> None:
    run = state[0]
    assert run.status("prereq.migrations_applied", f"{tool}_ok") == "passed", run.message(
        "prereq.migrations_applied", f"{tool}_ok")
    assert run.status("prereq.migrations_applied", f"{tool}_bad") == "failed"


@pytest.mark.parametrize(("subject", "words"), [
    ("alembic_bad", "applied head a1, release expects b2"),
    ("flyway_bad", "failed migrations recorded: 2"),
    ("django_bad", "1 not applied: auth.0001_initial"),
    ("rails_bad", "1 applied but not in the release's migrations: 20250101000000"),
    ("prisma_bad", "unfinished migrations (started, neither finished nor rolled back): 20240201000000_orders"),
    ("supabase_bad", "1 not applied: 20240201000000"),
])
def test_migration_failures_name_what_differs(state: Any, subject: str, words: str) -> None:
    message = state[0].message("prereq.migrations_applied", subject)
    assert message.startswith(f"{subject}: ") and words in message, message


def test_expected_head_without_a_directory(state: Any) -> None:
    assert state[0].status("prereq.migrations_applied", "alembic_head") == "passed"


def test_sound_schema_passes_indexes_rls_settings_and_replication(state: Any) -> None:
    run = state[0]
    for check_id in ("prereq.postgres_indexes", "prereq.postgres_rls", "prereq.postgres_settings",
                     "prereq.postgres_replication"):
        assert run.status(check_id, "app_ok") == "passed", run.message(check_id, "app_ok")
    assert "statement_timeout 30s" in run.message("prereq.postgres_settings", "app_ok")
    assert "work_mem 256m" in run.message("prereq.postgres_settings", "app_ok")
    assert "1 streaming: replica1" in run.message("prereq.postgres_replication", "app_ok")


def test_broken_schema_fails_each_check_naming_the_defect(state: Any) -> None:
    run = state[0]
    indexes = run.message("prereq.postgres_indexes", "app_bad")
    assert run.status("prereq.postgres_indexes", "app_bad") == "failed"
    assert "index idx_conversations_domain on conversations is INVALID" in indexes, indexes
    assert "index idx_messages_conversation covers (created_at), expected (conversation_id, created_at DESC)" \
        in indexes, indexes
    rls = run.message("prereq.postgres_rls", "app_bad")
    assert "documents: row level security disabled" in rls and "documents: 0 policies" in rls, rls
    settings = run.message("prereq.postgres_settings", "app_bad")
    assert "statement_timeout 0 (unlimited), expected at most 30s" in settings, settings
    assert "work_mem 4m, expected at least 64m" in settings, settings
    replication = run.message("prereq.postgres_replication", "app_bad")
    assert "1 streaming replica(s)" in replication, replication


def test_foreign_key_without_index_is_advisory_by_default_and_fails_when_required(state: Any) -> None:
    run = state[0]
    words = "foreign keys without a supporting index (slow deletes/joins, lock escalation): messages(conversation_id)"
    assert run.status("prereq.postgres_indexes", "fk_default") == "advisory"
    assert words in run.message("prereq.postgres_indexes", "fk_default")
    assert run.status("prereq.postgres_indexes", "fk_strict") == "failed"
    assert words in run.message("prereq.postgres_indexes", "fk_strict")


def test_a_port_that_never_answers_fails_within_the_timeout(state: Any) -> None:
    run, reports = state
    for check_id in ("prereq.postgres_indexes", "prereq.postgres_settings", "prereq.postgres_rls"):
        assert run.status(check_id, "stalled") in ("failed", "error")
        assert "stalled: database unreachable" in run.message(check_id, "stalled"), run.message(check_id, "stalled")
    times = [float(case.get("time", "0")) for case in ET.parse(reports / "junit.xml").iter("testcase")
             if "stalled" in case.get("name", "") and case.get("name", "").startswith("test_postgres_")]
    assert len(times) == 3 and sum(times) <= 3.0 + 1.5, times  # one 3s timeout for the three: the read is shared
