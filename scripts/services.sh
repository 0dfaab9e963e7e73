#!/usr/bin/env bash
# Private PostgreSQL + Redis on loopback for tests/CI, installed from Debian apt.
#
#   scripts/services.sh start  DIR   install if needed, start (or reuse), print URLs
#   scripts/services.sh stop   DIR   stop both; fine if they are not running
#   scripts/services.sh status DIR   report each; exit 0 only if both are up
#
# Env: PG_PORT (default 54329), REDIS_PORT (default 63799).
# `start` prints DATABASE_URL=... and REDIS_URL=... as its last stdout lines;
# everything else goes to stderr so callers can parse stdout.
set -euo pipefail

PROG=services.sh
PG_PORT=${PG_PORT:-54329}
REDIS_PORT=${REDIS_PORT:-63799}
WAIT_SECS=30
PG_USER=postgres
DB_NAME=opendojo

# Keep the real stdout on fd 3 for the URL lines; all other output -> stderr.
exec 3>&1 1>&2

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }
trap 'rc=$?; printf "%s: error: command failed (exit %s) at line %s: %s\n" "$PROG" "$rc" "$LINENO" "$BASH_COMMAND" >&2' ERR

usage() { die "usage: $PROG start|stop|status DIR"; }

[[ $# -eq 2 ]] || usage
CMD=$1
[[ -n $2 ]] || usage
DIR=$(realpath -m -- "$2")
[[ $PG_PORT =~ ^[0-9]+$ ]] || die "PG_PORT must be a number, got '$PG_PORT'"
[[ $REDIS_PORT =~ ^[0-9]+$ ]] || die "REDIS_PORT must be a number, got '$REDIS_PORT'"

REDIS_DIR=$DIR/redis
REDIS_PIDFILE=$REDIS_DIR/redis.pid
REDIS_PORTFILE=$REDIS_DIR/port

# Run a command as the postgres user from / (its cwd may be unreadable to it).
as_pg() { (cd / && runuser -u "$PG_USER" -- "$@"); }

# Exec a daemon-launching command with only fds 0-2 open: a daemon would
# otherwise inherit fd 3 (caller's stdout), fd 8 (our lock) and any fds of the
# caller, holding pipes open (callers hang waiting for EOF) and the lock forever.
exec_clean() {
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    if [[ $fd -gt 2 ]]; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
  exec "$@"
}

# True if PID exists and is not a zombie (kill -0 succeeds on zombies, which
# linger in containers whose PID 1 does not reap orphans).
alive() {
  local st
  st=$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $st && $st != Z && $st != X ]]
}

# True if something accepts TCP connections on 127.0.0.1:$1.
port_busy() { (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pkg_installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) == "install ok installed" ]]
}

ensure_packages() {
  local pkgs=(postgresql redis-server) missing=() p
  for p in "${pkgs[@]}"; do pkg_installed "$p" || missing+=("$p"); done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ $EUID -eq 0 ]] || die "packages missing (${missing[*]}) and not root: cannot apt-get install"

  # Keep postinst from starting the distro's system services (standard Debian
  # mechanism); only add our own policy-rc.d if none exists, and remove it after.
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if [[ ! -e $policy ]]; then
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && added_policy=1
  fi
  local apt=(apt-get -y -q --no-install-recommends -o DPkg::Lock::Timeout=300)
  local rc=0 start=$SECONDS
  log "installing ${missing[*]} via apt-get"
  export DEBIAN_FRONTEND=noninteractive
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    log "apt package lists empty; running apt-get update"
    apt-get -q -o DPkg::Lock::Timeout=300 update >&2 3>&- || rc=$?
  fi
  if [[ $rc -eq 0 ]] && ! "${apt[@]}" install "${missing[@]}" >&2 3>&-; then
    log "apt-get install failed; running apt-get update and retrying"
    if apt-get -q -o DPkg::Lock::Timeout=300 update >&2 3>&-; then
      "${apt[@]}" install "${missing[@]}" >&2 3>&- || rc=$?
    else
      rc=$?
    fi
  fi
  if [[ $added_policy -eq 1 ]]; then rm -f "$policy"; trap - EXIT; fi
  [[ $rc -eq 0 ]] || die "apt-get failed to install: ${missing[*]}"
  log "apt install took $((SECONDS - start))s"
  for p in "${missing[@]}"; do pkg_installed "$p" || die "package $p still not installed after apt-get"; done
}

# Highest installed PostgreSQL server version, or the cluster's own version.
pg_bin_dir() {
  local ver=""
  if [[ -f $PGDATA/PG_VERSION ]]; then
    ver=$(<"$PGDATA/PG_VERSION")
  else
    ver=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null \
      | awk -F/ '{print $5}' | sort -V | tail -n1)
  fi
  [[ -n $ver && -x /usr/lib/postgresql/$ver/bin/postgres ]] \
    || die "no PostgreSQL server binaries found under /usr/lib/postgresql${ver:+/$ver} (package postgresql-$ver installed?)"
  echo "/usr/lib/postgresql/$ver/bin"
}

# Where the PG files live. Normally DIR/pg. postgres (non-root) must be able to
# traverse every parent of DIR, and a unix socket path must fit in 107 bytes;
# if either fails (e.g. DIR under /root, or a very long DIR), keep the files in
# /tmp/opendojo-pg-<hash of DIR> and leave a DIR/pg symlink to it, so stop/status
# (run as root) find it. We never chmod pre-existing parents of DIR.
resolve_pg_root() {
  if [[ -L $DIR/pg ]]; then
    PGROOT=$(readlink -f -- "$DIR/pg")
  else
    PGROOT=$DIR/pg
  fi
  PGDATA=$PGROOT/data
  PGSOCK=$PGROOT/run
  PGLOG=$PGROOT/postgres.log
}

setup_pg_root() {
  [[ -e $DIR/pg ]] && { resolve_pg_root; return 0; }
  local sock="$DIR/pg/run/.s.PGSQL.$PG_PORT"
  if as_pg test -x "$DIR" && [[ ${#sock} -le 100 ]]; then
    mkdir -m 700 "$DIR/pg"
    chown "$PG_USER:" "$DIR/pg"
  else
    local alt
    alt=/tmp/opendojo-pg-$(printf '%s' "$DIR" | sha256sum | cut -c1-16)
    log "postgres user cannot use $DIR/pg (untraversable parent or socket path too long); using $alt"
    if [[ ! -e $alt ]]; then
      mkdir -m 700 "$alt"
      chown "$PG_USER:" "$alt"
    fi
    # /tmp is shared: refuse a pre-existing dir we did not make for postgres.
    [[ ! -L $alt && -d $alt && $(stat -c %U "$alt") == "$PG_USER" ]] \
      || die "$alt exists but is not a directory owned by $PG_USER; remove it"
    ln -s "$alt" "$DIR/pg"
  fi
  resolve_pg_root
}

pg_running() {
  [[ -f $PGDATA/postmaster.pid ]] || return 1
  alive "$(head -n1 "$PGDATA/postmaster.pid")" || return 1
  local bin
  bin=$(pg_bin_dir)
  as_pg "$bin/pg_ctl" status -D "$PGDATA" >/dev/null 2>&1
}

# postgres treats a zombie postmaster as alive and refuses to start; drop its
# postmaster.pid, but only if no live process still runs inside PGDATA
# (orphaned backends chdir there and must not share the data dir).
clear_stale_pg_pid() {
  local pidfile=$PGDATA/postmaster.pid p
  [[ -f $pidfile ]] || return 0
  alive "$(head -n1 "$pidfile")" && return 0
  for p in /proc/[0-9]*; do
    if [[ $(readlink "$p/cwd" 2>/dev/null) == "$PGDATA" ]] && alive "${p#/proc/}"; then
      die "stale $pidfile but process ${p#/proc/} still runs in $PGDATA; stop it first"
    fi
  done
  log "removing stale $pidfile (postmaster $(head -n1 "$pidfile") is gone)"
  rm -f "$pidfile"
}

# Port of the running cluster (line 4 of postmaster.pid).
pg_running_port() { sed -n 4p "$PGDATA/postmaster.pid"; }

start_pg() {
  setup_pg_root
  as_pg test -w "$PGROOT" || die "postgres user cannot write $PGROOT"
  local bin
  bin=$(pg_bin_dir)

  if [[ ! -f $PGDATA/PG_VERSION ]]; then
    log "initdb $PGDATA ($bin)"
    as_pg "$bin/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --no-locale >&2 \
      || die "initdb failed for $PGDATA"
    as_pg mkdir -p -m 700 "$PGSOCK"
    cat >>"$PGDATA/postgresql.conf" <<EOF

# --- scripts/services.sh ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PGSOCK'
fsync = on
EOF
  fi
  as_pg mkdir -p -m 700 "$PGSOCK"

  local port
  if pg_running; then
    port=$(pg_running_port)
    log "postgres already running in $PGDATA on port $port; reusing"
    [[ $port == "$PG_PORT" ]] || log "warning: requested PG_PORT=$PG_PORT but running cluster uses $port"
  else
    port=$PG_PORT
    clear_stale_pg_pid
    port_busy "$port" && die "port 127.0.0.1:$port is in use by another process; set PG_PORT to a free port"
    log "starting postgres on 127.0.0.1:$port"
    # -p on the command line so a different PG_PORT applies on the next start.
    (cd / && exec_clean runuser -u "$PG_USER" -- \
      "$bin/pg_ctl" start -D "$PGDATA" -l "$PGLOG" -w -t "$WAIT_SECS" -o "-p $port" </dev/null) \
      || { tail -n 20 "$PGLOG" >&2 || true; die "postgres failed to start (log: $PGLOG)"; }
  fi

  local t=0
  until "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -U postgres; do
    (( t++ >= WAIT_SECS * 5 )) && { tail -n 20 "$PGLOG" >&2 || true; die "postgres not accepting connections on 127.0.0.1:$port after ${WAIT_SECS}s (log: $PGLOG)"; }
    sleep 0.2
  done

  local psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres)
  if [[ -z $("${psql[@]}" -tAc "select 1 from pg_database where datname = '$DB_NAME'") ]]; then
    log "creating database $DB_NAME"
    "${psql[@]}" -c "create database $DB_NAME" >&2 || die "could not create database $DB_NAME"
  fi
  PG_URL_PORT=$port
}

stop_pg() {
  resolve_pg_root
  if [[ -d $PGDATA ]] && pg_running; then
    log "stopping postgres ($PGDATA)"
    as_pg "$(pg_bin_dir)/pg_ctl" stop -D "$PGDATA" -m fast -w -t "$WAIT_SECS" >&2 \
      || die "pg_ctl stop failed for $PGDATA"
  else
    log "postgres not running"
  fi
}

# PID from redis pidfile if that process is alive and is redis-server.
redis_pid() {
  [[ -f $REDIS_PIDFILE ]] || return 1
  local pid
  pid=$(<"$REDIS_PIDFILE")
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == redis-server* ]] || return 1
  echo "$pid"
}

redis_ping() { [[ $(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null) == PONG ]]; }

start_redis() {
  mkdir -p "$REDIS_DIR"
  local port pid
  if pid=$(redis_pid); then
    port=$(cat "$REDIS_PORTFILE" 2>/dev/null || echo "$REDIS_PORT")
    log "redis already running (pid $pid) on port $port; reusing"
    [[ $port == "$REDIS_PORT" ]] || log "warning: requested REDIS_PORT=$REDIS_PORT but running redis uses $port"
  else
    port=$REDIS_PORT
    rm -f "$REDIS_PIDFILE"
    port_busy "$port" && die "port 127.0.0.1:$port is in use by another process; set REDIS_PORT to a free port"
    log "starting redis on 127.0.0.1:$port"
    # Daemonized redis exits 0 even if startup later fails, so readiness is checked below.
    (exec_clean redis-server --bind 127.0.0.1 --port "$port" --protected-mode yes \
      --daemonize yes --dir "$REDIS_DIR" --pidfile "$REDIS_PIDFILE" \
      --logfile "$REDIS_DIR/redis.log" --save '' --appendonly no </dev/null) \
      || die "redis-server failed to launch (log: $REDIS_DIR/redis.log)"
    echo "$port" >"$REDIS_PORTFILE"
  fi

  local t=0
  until redis_ping "$port"; do
    (( t++ >= WAIT_SECS * 5 )) && { tail -n 20 "$REDIS_DIR/redis.log" >&2 || true; die "redis not answering PING on 127.0.0.1:$port after ${WAIT_SECS}s (log: $REDIS_DIR/redis.log)"; }
    sleep 0.2
  done
  REDIS_URL_PORT=$port
}

stop_redis() {
  local pid port
  if pid=$(redis_pid); then
    port=$(cat "$REDIS_PORTFILE" 2>/dev/null || echo "$REDIS_PORT")
    log "stopping redis (pid $pid)"
    redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
    local t=0
    while alive "$pid"; do
      if (( t++ >= WAIT_SECS * 5 )); then
        log "redis did not exit after shutdown; sending SIGTERM to pid $pid"
        kill "$pid" 2>/dev/null || true
        sleep 1
        alive "$pid" && die "redis (pid $pid) would not stop"
        break
      fi
      sleep 0.2
    done
    rm -f "$REDIS_PIDFILE"
  else
    log "redis not running"
  fi
}

# Serialise start/stop on the same DIR (e.g. parallel test workers).
lock_dir() {
  mkdir -p "$DIR"
  exec 8>"$DIR/.services.lock"
  flock -w 120 8 || die "timed out waiting for lock $DIR/.services.lock"
}

case $CMD in
  start)
    [[ $EUID -eq 0 ]] || die "start must run as root (it runs postgres via runuser -u $PG_USER)"
    ensure_packages
    id -u "$PG_USER" >/dev/null 2>&1 || die "system user '$PG_USER' missing (should be created by the postgresql package)"
    # Make DIR and any parents we create traversable (mode 755) for postgres;
    # DIR is ours, so also o+x it if it pre-existed (e.g. mkdtemp's 0700).
    (umask 022 && mkdir -p "$DIR")
    chmod o+x "$DIR"
    lock_dir
    start_pg
    start_redis
    log "postgres and redis are up"
    printf 'DATABASE_URL=postgres://postgres@127.0.0.1:%s/%s\n' "$PG_URL_PORT" "$DB_NAME" >&3
    printf 'REDIS_URL=redis://127.0.0.1:%s\n' "$REDIS_URL_PORT" >&3
    ;;
  stop)
    if [[ ! -d $DIR ]]; then
      log "$DIR does not exist; nothing to stop"
      exit 0
    fi
    lock_dir
    rc=0
    (stop_pg) || rc=1
    (stop_redis) || rc=1
    exit "$rc"
    ;;
  status)
    up=0
    resolve_pg_root
    if [[ -d $PGDATA ]] && pg_running && port=$(pg_running_port) \
      && "$(pg_bin_dir)/pg_isready" -q -h 127.0.0.1 -p "$port"; then
      echo "postgres: up (postgres://postgres@127.0.0.1:$port/$DB_NAME)" >&3
      up=$((up + 1))
    else
      echo "postgres: down" >&3
    fi
    if redis_pid >/dev/null && port=$(cat "$REDIS_PORTFILE" 2>/dev/null) && redis_ping "$port"; then
      echo "redis: up (redis://127.0.0.1:$port)" >&3
      up=$((up + 1))
    else
      echo "redis: down" >&3
    fi
    if [[ $up -eq 2 ]]; then exit 0; fi
    exit 1
    ;;
  *) usage ;;
esac
