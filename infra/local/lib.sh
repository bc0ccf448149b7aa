# Shared helpers for the local engine scripts. Sourced, never run.
# Everything the engines download or build lives under MINDFLOW_CACHE_DIR, keyed by
# version; everything they write at run time lives under MINDFLOW_INFRA_DIR.
set -euo pipefail

MF_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MF_CACHE=${MINDFLOW_CACHE_DIR:-/var/cache/mindflow}
MF_HOME=${MINDFLOW_INFRA_DIR:-/var/lib/mindflow}
MF_DATA=$MF_HOME/data
MF_LOGS=$MF_HOME/logs
MF_RUN=$MF_HOME/run
MF_HOST=127.0.0.1
# The user that runs engines which refuse to run as root (Elasticsearch, Postgres runs as postgres).
MF_USER=${MINDFLOW_INFRA_USER:-mindflow}

# Versions (keys of the cache) and loopback ports; infra/compose uses the same ports.
MF_PG_MAJOR=15
MF_PG_PORT=${MINDFLOW_PG_PORT:-55432}
MF_REDIS_PORT=${MINDFLOW_REDIS_PORT:-56379}
MF_KAFKA_VERSION=3.9.1
MF_KAFKA_PORT=${MINDFLOW_KAFKA_PORT:-59092}
MF_KAFKA_CONTROLLER_PORT=${MINDFLOW_KAFKA_CONTROLLER_PORT:-59093}
MF_ES_VERSION=8.19.4
MF_ES_PORT=${MINDFLOW_ES_PORT:-59200}
MF_FERRETDB_VERSION=v1.24.2
MF_MONGO_PORT=${MINDFLOW_MONGO_PORT:-57017}
MF_MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
MF_S3_PORT=${MINDFLOW_S3_PORT:-59000}
MF_S3_CONSOLE_PORT=${MINDFLOW_S3_CONSOLE_PORT:-59001}
MF_S3_ACCESS_KEY=mindflow
MF_S3_SECRET_KEY=mindflow-secret
MF_S3_BUCKETS=(mindflow-attachments mindflow-exports)
MF_PG_PASSWORD=mindflow

MF_ENGINES=(postgres redis kafka elasticsearch ferretdb minio)

mf_log() { printf '%s\n' "$*" >&2; }
mf_die() { printf 'infra: %s\n' "$*" >&2; exit 1; }

# Run a command quietly; on failure print its output and the log file given (if any), then die.
mf_quiet() {
  local out
  if ! out=$("$@" 2>&1); then
    printf '%s\n' "$out" >&2
    mf_die "failed: $*"
  fi
}

mf_is_root() { [ "$(id -u)" -eq 0 ]; }

# apt packages, installed only when one of them is missing.
mf_apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  mf_is_root || mf_die "missing packages (${missing[*]}); run as root to install them"
  # Debian's postinst scripts must not start system-wide services on their default ports.
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  export DEBIAN_FRONTEND=noninteractive
  mf_quiet apt-get update -q
  mf_quiet apt-get install -y -q --no-install-recommends "${missing[@]}"
  rm -f /usr/sbin/policy-rc.d
}

# The unprivileged user that owns engine data (root only).
mf_ensure_user() {
  mf_is_root || return 0
  id "$MF_USER" >/dev/null 2>&1 || mf_quiet useradd --system --no-create-home --shell /usr/sbin/nologin "$MF_USER"
}

# Run as USER when we are root, as ourselves otherwise (setpriv execs: no extra process).
mf_as() {
  local user=$1; shift
  if mf_is_root && [ "$user" != root ]; then
    setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups -- "$@"
  else
    "$@"
  fi
}

mf_owned_dir() { # mf_owned_dir USER DIR...
  local user=$1; shift
  mkdir -p "$@"
  mf_is_root && chown "$user:" "$@" || true
}

mf_port_open() { (exec 3<>"/dev/tcp/$MF_HOST/$1") 2>/dev/null; }

# Wait until CHECK (a command) succeeds; die with the tail of LOG otherwise.
mf_wait() { # mf_wait NAME SECONDS LOG CHECK...
  local name=$1 seconds=$2 log=$3; shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      [ -f "$log" ] && tail -n 40 "$log" >&2
      mf_die "$name did not answer within ${seconds}s (log: $log)"
    fi
    sleep 0.5
  done
}

mf_pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Stop the process in PIDFILE: TERM, wait, then KILL.
mf_stop_pid() {
  local pidfile=$1 pid
  mf_pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

# Start a long-running foreground program detached, as USER, logging to LOG. setsid and
# setpriv both exec, so the pid written is the program's own.
mf_spawn() { # mf_spawn USER PIDFILE LOG CMD...
  local user=$1 pidfile=$2 log=$3; shift 3
  local prefix=()
  if mf_is_root && [ "$user" != root ]; then
    prefix=(setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups --)
  fi
  setsid "${prefix[@]}" "$@" >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

# Go builds share one module and build cache under MF_CACHE/go (GOFLAGS keeps it removable).
mf_go() {
  command -v go >/dev/null || mf_apt_install golang-go
  GOPATH=$MF_CACHE/go GOCACHE=$MF_CACHE/go/build-cache GOFLAGS=-modcacherw GOTOOLCHAIN=auto go "$@"
}

mf_status_line() { # NAME VERSION PORT STATE
  printf '%-14s %-34s %-7s %s\n' "$1" "$2" "$3" "$4"
}

mf_prepare_dirs() {
  mf_ensure_user
  mkdir -p "$MF_CACHE" "$MF_DATA" "$MF_LOGS" "$MF_RUN"
  chmod 755 "$MF_HOME" "$MF_DATA" "$MF_LOGS" "$MF_RUN"
}

for engine in "${MF_ENGINES[@]}"; do
  # shellcheck source=/dev/null
  source "$MF_ROOT/infra/local/engines/$engine.sh"
done
