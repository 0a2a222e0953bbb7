#!/usr/bin/env bash
# Makes sure the PostgreSQL and Redis the test suites use are listening on
# 127.0.0.1, starting them (and, on a Debian machine without them,
# installing them with apt) when they are not. The suites then fail loudly
# if a server still cannot be reached; none is skipped.
#
# Set TOLLGATE_TEST_PG_DSN / TOLLGATE_TEST_REDIS_ADDR to use servers
# elsewhere; this script then leaves them alone.
set -euo pipefail

listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_for() { # name host port
	for _ in $(seq 1 60); do
		listening "$2" "$3" && return 0
		sleep 0.5
	done
	echo "services: $1 is not listening on $2:$3 after 30s" >&2
	return 1
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
	command -v apt-get >/dev/null || { echo "services: $1 is not installed and there is no apt-get; install it yourself" >&2; return 1; }
	as_root apt-get update -qq
	DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

postgres() {
	if [ -n "${TOLLGATE_TEST_PG_DSN:-}" ] || listening 127.0.0.1 5432; then return 0; fi
	local fresh=no
	if [ ! -d /etc/postgresql ] || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
		echo "services: installing PostgreSQL"
		apt_install postgresql postgresql-client
		fresh=yes
	fi
	local version
	version=$(ls /etc/postgresql | sort -V | tail -n 1)
	if [ "$fresh" = yes ]; then
		# The suites connect as postgres over TCP without a password.
		echo "host all all 127.0.0.1/32 trust" | as_root tee -a "/etc/postgresql/$version/main/pg_hba.conf" >/dev/null
	fi
	echo "services: starting PostgreSQL $version"
	as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
	wait_for PostgreSQL 127.0.0.1 5432
	if [ "$fresh" = yes ]; then
		as_root su postgres -c "psql -qc 'CREATE DATABASE test'" || true
	fi
}

redis() {
	if [ -n "${TOLLGATE_TEST_REDIS_ADDR:-}" ] || listening 127.0.0.1 6379; then return 0; fi
	if ! command -v redis-server >/dev/null; then
		echo "services: installing Redis"
		apt_install redis-server
	fi
	echo "services: starting Redis"
	redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no >/dev/null
	wait_for Redis 127.0.0.1 6379
}

postgres
redis
