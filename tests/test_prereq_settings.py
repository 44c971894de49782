"""Bad values in the prerequisite settings of issue 19 stop the run at load time (exit 4), naming
the file and the key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.profile import ProfileError
from golive.profile_load import load_profile

P = "name: x\nchecks: {prerequisites: %s}\n"
BAD = [
    ("cron-schedule", P % "{cron: {jobs: [{command: backup, schedule: '0 2 * *'}]}}",
     "checks.prerequisites.cron.jobs[0].schedule", "five cron fields"),
    ("cron-regex", P % "{cron: {jobs: [{command: '(backup'}]}}", "checks.prerequisites.cron.jobs[0].command",
     "not a valid regular expression"),
    ("limits-process", P % "{limits: {process: '['}}", "checks.prerequisites.limits.process", "regular expression"),
    ("limits-negative", P % "{limits: {hard_nofile: -1}}", "checks.prerequisites.limits.hard_nofile", "0"),
    ("path-recursive-file", P % "{paths: [{path: /x, type: file, recursive: true}]}", "checks.prerequisites.paths[0]",
     "need type: directory"),
    ("path-cap", P % "{paths: [{path: /x, recursive: true, max_entries: 0}]}",
     "checks.prerequisites.paths[0].max_entries", "1"),
    ("logrotate-frequency", P % "{logrotate: {paths: [/x], frequency: fortnightly}}",
     "checks.prerequisites.logrotate.frequency", "daily"),
    ("logrotate-mode", P % "{logrotate: {paths: [/x], create_max_mode: '0999'}}",
     "checks.prerequisites.logrotate.create_max_mode", "pattern"),
    ("docker-size", P % "{docker_daemon: {max_log_size: lots}}", "checks.prerequisites.docker_daemon.max_log_size",
     "size like 10m"),
    ("redis-maxmemory", P % "{redis: {url: 'redis://h', maxmemory_max: 2 bananas}}",
     "checks.prerequisites.redis.maxmemory_max", "size like"),
    ("sentinel-urls", P % "{redis: {url: 'redis://h', sentinel: {urls: []}}}",
     "checks.prerequisites.redis.sentinel.urls", "at least 1"),
    ("dependency-port", P % "{connectivity: [{host: db, port: 70000}]}", "checks.prerequisites.connectivity[0].port",
     "65535"),
    ("data-kind", P % "{data_files: [{path: /d/x.db, kind: mysql}]}", "checks.prerequisites.data_files[0].kind",
     "sqlite"),
    ("containers-engine", P % "{containers: {engine: lxc, services: [{name: web}]}}",
     "checks.prerequisites.containers.engine", "docker"),
    ("containers-services", P % "{containers: {engine: docker}}", "checks.prerequisites.containers.services",
     "required"),
    ("containers-no-service", P % "{containers: {services: []}}", "checks.prerequisites.containers.services",
     "at least 1"),
    ("updates-manager", P % "{security_updates: {manager: pacman}}", "checks.prerequisites.security_updates.manager",
     "apt"),
    ("service-user", P % "{service_user: {process: node}}", "checks.prerequisites.service_user.name", "required"),
    ("verify-output", P % "{verify_commands: [{command: 'x', output: '(('}]}",
     "checks.prerequisites.verify_commands[0].output", "regular expression"),
    ("role-override", P % "{roles: {app: {kubernetes: {max_restarts: -2}}}}",
     "checks.prerequisites.roles.app.kubernetes.max_restarts", "0"),
]


@pytest.mark.parametrize(("case", "text", "key", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_prerequisite_values_name_the_key(tmp_path: Path, case: str, text: str, key: str, words: str) -> None:
    path = tmp_path / f"{case}.yaml"
    path.write_text(text)
    with pytest.raises(ProfileError) as error:
        load_profile(path, env={})
    message = str(error.value)
    assert str(path) in message and key in message and words in message, message


def test_the_new_items_load_with_their_defaults(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(P % ("{security_updates: {}, service_user: {name: app}, kubernetes: {},"
                         " cron: {jobs: [{command: backup, schedule: '@daily'}]},"
                         " redis: {url: 'rediss://h:6380', maxmemory_max: 4gb, sentinel: {urls: ['redis://h:26379']}}}"))
    settings = load_profile(path, env={}).checks.prerequisites
    assert settings.security_updates.max_list_age == 7 * 86400 and settings.kubernetes.namespace == "default"
    assert settings.redis.maxmemory_max == 4 * 1024**3 and settings.redis.sentinel.master == "mymaster"
    assert settings.docker_daemon is None and settings.configured("security_updates")
