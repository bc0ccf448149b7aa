# Kafka in KRaft mode: one JVM is both broker and controller. Runs from the Maven Central jars
# that infra/local/kafka/pom.xml lists (cached per version), with its data under $MF_DATA/kafka.
kafka_conf=$MF_ROOT/infra/local/kafka
kafka_cache=$MF_CACHE/kafka-$MF_KAFKA_VERSION
kafka_libs=$kafka_cache/libs
kafka_dir=$MF_DATA/kafka
kafka_pid=$MF_RUN/kafka.pid
kafka_log=$MF_LOGS/kafka.log

# The JDK that kafka_install installs, whatever `java` on PATH is.
kafka_jre() {
  local java
  for java in /usr/lib/jvm/java-17-openjdk-*/bin/java; do
    [ -x "$java" ] && { echo "$java"; return; }
  done
  echo java
}

# Run a Kafka CLI class as USER, logging warnings to stderr: kafka_java USER CLASS ARGS...
kafka_java() {
  local user=$1; shift
  mf_as "$user" "$(kafka_jre)" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    -Dlog4j.configuration="file:$kafka_dir/log4j.properties" -Dmf.log.to=stderr \
    -cp "$kafka_libs/*" "$@"
}

kafka_install() {
  mf_apt_install openjdk-17-jdk-headless
  [ -f "$kafka_cache/.complete" ] && return 0
  mf_apt_install maven
  # Resolve into a scratch directory and move it into place, so an interrupted run leaves no
  # half-filled libs behind; the Maven repository stays in the cache, not in ~/.m2.
  rm -rf "$kafka_libs.tmp"
  mf_quiet mvn -B -q -Dstyle.color=never -f "$kafka_conf/pom.xml" \
    -Dmaven.repo.local="$MF_CACHE/maven" -Dkafka.version="$MF_KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$kafka_libs.tmp"
  rm -rf "$kafka_libs"
  mv "$kafka_libs.tmp" "$kafka_libs"
  chmod -R a+rX "$kafka_cache"
  touch "$kafka_cache/.complete"
}

# Ready means the broker answers a Metadata request (v4, no topics) listing a broker, i.e. itself
# unfenced; an open port is not enough. Raw bytes over bash's /dev/tcp, so no JVM: milliseconds.
kafka_running() {
  local reply
  reply=$(
    exec 2>/dev/null 3<>"/dev/tcp/$MF_HOST/$MF_KAFKA_PORT" || exit 1
    # length 17 | api key 3, version 4, correlation id 1, client id "mf" | topics [], no auto-create
    printf '\x00\x00\x00\x11\x00\x03\x00\x04\x00\x00\x00\x01\x00\x02mf\x00\x00\x00\x00\x00' >&3
    # length | correlation id | throttle time | broker count
    timeout 2 head -c 16 <&3 | od -An -tx1
  ) || return 1
  reply=${reply//[[:space:]]/}
  [ ${#reply} -eq 32 ] && [ "${reply:8:8}" = 00000001 ] && [ "${reply:24:8}" != 00000000 ]
}

kafka_started_or_gone() { kafka_running || ! mf_pid_alive "$kafka_pid"; }

kafka_start() {
  kafka_running && return 0
  mf_owned_dir "$MF_USER" "$kafka_dir" "$kafka_dir/data"
  touch "$kafka_log"; mf_is_root && chown "$MF_USER:" "$kafka_log"
  # Rendered on every start, so that changed ports or templates apply.
  sed -e "s|@HOST@|$MF_HOST|g" -e "s|@PORT@|$MF_KAFKA_PORT|g" \
    -e "s|@CONTROLLER_PORT@|$MF_KAFKA_CONTROLLER_PORT|g" -e "s|@DATA_DIR@|$kafka_dir/data|g" \
    "$kafka_conf/server.properties" >"$kafka_dir/server.properties"
  cp "$kafka_conf/log4j.properties" "$kafka_dir/log4j.properties"

  # Format the storage once, with a cluster id generated once and kept next to it.
  if [ ! -f "$kafka_dir/data/meta.properties" ]; then
    if [ ! -s "$kafka_dir/cluster-id" ]; then
      local id
      id=$(kafka_java "$MF_USER" kafka.tools.StorageTool random-uuid)
      echo "$id" >"$kafka_dir/cluster-id"
    fi
    mf_quiet kafka_java "$MF_USER" kafka.tools.StorageTool format \
      -t "$(cat "$kafka_dir/cluster-id")" -c "$kafka_dir/server.properties"
  fi

  # A broker still starting from an earlier run is waited for, not started twice. log4j and the
  # JVM's own output (crashes) both append to kafka.log.
  if ! mf_pid_alive "$kafka_pid"; then
    mf_spawn "$MF_USER" "$kafka_pid" "$kafka_log" "$(kafka_jre)" \
      -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
      -Djava.awt.headless=true -Dkafka.logs.dir="$MF_LOGS" -Dmf.log.to=file \
      -Dlog4j.configuration="file:$kafka_dir/log4j.properties" \
      -cp "$kafka_libs/*" kafka.Kafka "$kafka_dir/server.properties"
  fi
  mf_wait kafka 90 "$kafka_log" kafka_started_or_gone
  kafka_running || { tail -n 40 "$kafka_log" >&2; mf_die "kafka exited while starting (log: $kafka_log)"; }
}

kafka_stop() { mf_stop_pid "$kafka_pid"; }

kafka_status() {
  local version=- state=down
  [ -f "$kafka_cache/.complete" ] && version=$MF_KAFKA_VERSION
  kafka_running && state=up
  mf_status_line kafka "$version" "$MF_KAFKA_PORT" "$state"
  [ $state = up ]
}
