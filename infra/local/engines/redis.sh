# Redis from Debian's packages.
redis_dir=$MF_DATA/redis
redis_pid=$MF_RUN/redis.pid
redis_log=$MF_LOGS/redis.log

redis_install() { mf_apt_install redis-server redis-tools; }

redis_running() { [ "$(redis-cli -h "$MF_HOST" -p "$MF_REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

redis_start() {
  redis_running && return 0
  mf_owned_dir "$MF_USER" "$redis_dir"
  touch "$redis_log"; mf_is_root && chown "$MF_USER:" "$redis_log"
  mf_spawn "$MF_USER" "$redis_pid" "$redis_log" /usr/bin/redis-server \
    --bind "$MF_HOST" --port "$MF_REDIS_PORT" --dir "$redis_dir" --save "" --appendonly yes \
    --protected-mode yes --daemonize no
  mf_wait redis 30 "$redis_log" redis_running
}

redis_stop() { mf_stop_pid "$redis_pid"; }

redis_status() {
  local version=- state=down
  command -v redis-server >/dev/null && version=$(redis-server --version | sed -E 's/.*v=([^ ]+).*/\1/')
  redis_running && state=up
  mf_status_line redis "$version" "$MF_REDIS_PORT" "$state"
  [ $state = up ]
}
