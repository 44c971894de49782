#!/usr/bin/env bash
# Debian packages golive's own tests use as real targets (nginx, PostgreSQL, Prometheus, ...).
# Installs only what is missing; needs root (CI is root). Services are NOT started by apt
# (policy-rc.d), the tests start their own instances on loopback and stop them by PID.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "$1" ]; }
have nginx || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
have prometheus || need+=(prometheus)
have prometheus-alertmanager || need+=(prometheus-alertmanager)
have prometheus-blackbox-exporter || need+=(prometheus-blackbox-exporter)
have redis-server || need+=(redis-server)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
have ssh || need+=(openssh-client)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
ls /usr/lib/postgresql/*/lib/pg_trgm.so >/dev/null 2>&1 || need+=(postgresql-contrib)
have chromium || need+=(chromium)
# backup kinds: pgBackRest drill, age/gpg encrypted backups, real tar --zstd and zip archives
have pgbackrest || need+=(pgbackrest)
have age || need+=(age)
have gpg || need+=(gnupg)
have zstd || need+=(zstd)
have zip || need+=(zip)
have redis-check-rdb || need+=(redis-tools)
have git || need+=(git)
have ip || [ -x /usr/sbin/ip ] || need+=(iproute2)   # network namespaces for the distributed-load self-tests
# prereq self-tests: a real firewall in a network namespace, logrotate -d validates the rotation
# configs golive parses, sqlite3 reads live SQLite files (prereq.data_integrity), prlimit sets limits
have iptables || [ -x /usr/sbin/iptables ] || need+=(iptables)
have logrotate || [ -x /usr/sbin/logrotate ] || need+=(logrotate)
have sqlite3 || need+=(sqlite3)
have prlimit || need+=(util-linux)

if [ ${#need[@]} -eq 0 ]; then
  echo "system deps: all present"
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "system deps missing (${need[*]}); run as root or install them: apt-get install ${need[*]}" >&2
  echo "tests that need them are skipped locally" >&2
  exit 0
fi
echo "system deps: installing ${need[*]}"
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
[ "$created_policy" = 1 ] && rm -f "$policy"
echo "system deps: done"
