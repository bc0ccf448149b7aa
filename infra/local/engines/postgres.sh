# PostgreSQL 15 from Debian's packages, our own cluster under $MF_DATA/postgres.
pg_bin=/usr/lib/postgresql/$MF_PG_MAJOR/bin
pg_dir=$MF_DATA/postgres
pg_log=$MF_LOGS/postgres.log
pg_databases=(mindflow_write mindflow_read mindflow_analytics ferretdb)

pg_psql() { mf_as postgres "$pg_bin/psql" -h "$MF_RUN" -p "$MF_PG_PORT" -U postgres -qAtX -v ON_ERROR_STOP=1 "$@"; }

postgres_install() {
  mf_apt_install "postgresql-$MF_PG_MAJOR" "postgresql-contrib"
}

postgres_running() { mf_as postgres "$pg_bin/pg_isready" -q -h "$MF_HOST" -p "$MF_PG_PORT"; }

postgres_start() {
  if [ ! -s "$pg_dir/PG_VERSION" ]; then
    mf_owned_dir postgres "$pg_dir"
    chmod 700 "$pg_dir"
    local pwfile; pwfile=$(mktemp); echo "$MF_PG_PASSWORD" >"$pwfile"; chmod 644 "$pwfile"
    mf_quiet mf_as postgres "$pg_bin/initdb" -D "$pg_dir" -U postgres --pwfile="$pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8
    rm -f "$pwfile"
  fi
  mf_owned_dir postgres "$MF_RUN"
  touch "$pg_log"; mf_is_root && chown postgres: "$pg_log"
  if ! postgres_running; then
    mf_quiet mf_as postgres "$pg_bin/pg_ctl" -D "$pg_dir" -l "$pg_log" -w -t 60 start \
      -o "-c listen_addresses=$MF_HOST -p $MF_PG_PORT -k $MF_RUN -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  mf_wait postgres 60 "$pg_log" postgres_running
  pg_psql -d postgres -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mindflow') THEN
        CREATE ROLE mindflow LOGIN SUPERUSER PASSWORD '$MF_PG_PASSWORD';
      END IF; END \$\$;"
  for db in "${pg_databases[@]}"; do
    [ "$(pg_psql -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" = 1 ] ||
      pg_psql -d postgres -c "CREATE DATABASE $db OWNER mindflow"
  done
}

postgres_stop() {
  [ -s "$pg_dir/PG_VERSION" ] || return 0
  mf_as postgres "$pg_bin/pg_ctl" -D "$pg_dir" status >/dev/null 2>&1 || return 0
  mf_quiet mf_as postgres "$pg_bin/pg_ctl" -D "$pg_dir" -m fast -w stop
}

postgres_status() {
  local version=- state=down
  [ -x "$pg_bin/postgres" ] && version=$("$pg_bin/postgres" --version | awk '{print $3}')
  postgres_running && state=up
  mf_status_line postgres "$version" "$MF_PG_PORT" "$state"
  [ $state = up ]
}
