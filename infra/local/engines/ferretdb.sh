# FerretDB (MongoDB wire protocol) on the PostgreSQL backend, built from the Go module proxy.
# `go install …@v1.24.2` builds a binary that panics at start: the module zip lacks the
# generated build/version/version.txt. So the module source is copied, that file written,
# and the command built from the copy.
ferretdb_home=$MF_CACHE/ferretdb-$MF_FERRETDB_VERSION
ferretdb_bin=$ferretdb_home/bin/ferretdb
ferretdb_pid=$MF_RUN/ferretdb.pid
ferretdb_log=$MF_LOGS/ferretdb.log

ferretdb_install() {
  [ -x "$ferretdb_bin" ] && return 0
  local dir
  dir=$(mf_go mod download -json "github.com/FerretDB/FerretDB@$MF_FERRETDB_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || mf_die "could not download FerretDB $MF_FERRETDB_VERSION from the Go module proxy"
  rm -rf "$ferretdb_home/src" && mkdir -p "$ferretdb_home/bin"
  cp -r "$dir" "$ferretdb_home/src" && chmod -R u+w "$ferretdb_home/src"
  echo "$MF_FERRETDB_VERSION" >"$ferretdb_home/src/build/version/version.txt"
  (cd "$ferretdb_home/src" && mf_quiet mf_go build -o "$ferretdb_bin.tmp" ./cmd/ferretdb)
  mv "$ferretdb_bin.tmp" "$ferretdb_bin"
}

ferretdb_running() { mf_pid_alive "$ferretdb_pid" && mf_port_open "$MF_MONGO_PORT"; }

ferretdb_start() {
  ferretdb_running && return 0
  postgres_running || mf_die "ferretdb needs postgres: run infra/local/up postgres first"
  mf_owned_dir "$MF_USER" "$MF_DATA/ferretdb"
  touch "$ferretdb_log"; mf_is_root && chown "$MF_USER:" "$ferretdb_log"
  mf_spawn "$MF_USER" "$ferretdb_pid" "$ferretdb_log" "$ferretdb_bin" \
    --listen-addr="$MF_HOST:$MF_MONGO_PORT" --handler=postgresql \
    --postgresql-url="postgres://mindflow:$MF_PG_PASSWORD@$MF_HOST:$MF_PG_PORT/ferretdb" \
    --state-dir="$MF_DATA/ferretdb" --telemetry=disable --log-level=warn --debug-addr=-
  mf_wait ferretdb 60 "$ferretdb_log" ferretdb_running
}

ferretdb_stop() { mf_stop_pid "$ferretdb_pid"; }

ferretdb_status() {
  local version=- state=down
  [ -x "$ferretdb_bin" ] && version=$MF_FERRETDB_VERSION
  ferretdb_running && state=up
  mf_status_line ferretdb "$version" "$MF_MONGO_PORT" "$state"
  [ $state = up ]
}
