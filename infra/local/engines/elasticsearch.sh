# Elasticsearch from Maven Central's integ-test zip (no bundled JDK, no analysis-common module),
# run by Debian's JDK 17 as $MF_USER: single node, loopback only, no security.
# The token filters our analyzers need beyond core (asciifolding, snowball) come from our own
# plugin, infra/local/elasticsearch-analysis, built with Maven and installed into the distribution.
es_java_home=/usr/lib/jvm/java-17-openjdk-amd64
es_cache=$MF_CACHE/elasticsearch-$MF_ES_VERSION
es_home=$es_cache/elasticsearch-$MF_ES_VERSION
es_zip_url=https://repo1.maven.org/maven2/org/elasticsearch/distribution/integ-test-zip/elasticsearch/$MF_ES_VERSION/elasticsearch-$MF_ES_VERSION.zip
es_plugin=mindflow-analysis
es_plugin_src=$MF_ROOT/infra/local/elasticsearch-analysis
es_dir=$MF_DATA/elasticsearch
es_conf=$es_dir/config
es_transport_port=$((MF_ES_PORT + 100))
es_pid=$MF_RUN/elasticsearch.pid
es_log=$MF_LOGS/elasticsearch.log
es_url=http://$MF_HOST:$MF_ES_PORT

elasticsearch_install() {
  mf_apt_install openjdk-17-jdk-headless maven curl unzip
  es_fetch_distribution
  es_install_plugin
}

# The distribution, downloaded once per version, checked against Maven Central's sha1.
es_fetch_distribution() {
  [ -x "$es_home/bin/elasticsearch" ] && return 0
  mkdir -p "$es_cache"
  rm -rf "$es_cache"/.download.*
  local tmp sha
  tmp=$(mktemp -d "$es_cache/.download.XXXXXX")
  mf_quiet curl -fsSL --retry 3 -o "$tmp/es.zip" "$es_zip_url"
  mf_quiet curl -fsSL --retry 3 -o "$tmp/es.zip.sha1" "$es_zip_url.sha1"
  sha=$(head -c 40 "$tmp/es.zip.sha1")
  echo "$sha  $tmp/es.zip" | sha1sum -c --status || mf_die "sha1 mismatch for $es_zip_url"
  mf_quiet unzip -q "$tmp/es.zip" -d "$tmp"
  mv "$tmp/elasticsearch-$MF_ES_VERSION" "$es_home"
  rm -rf "$tmp"
}

# Key of the built plugin: a hash of its sources (the cache dir is already per ES version).
es_plugin_hash() {
  (cd "$es_plugin_src" && find pom.xml src -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16
}

# Build the plugin zip (once per source hash) and install it into the distribution if it is not there yet.
es_install_plugin() {
  local hash zip stamp=$es_cache/$es_plugin.installed
  hash=$(es_plugin_hash)
  zip=$es_cache/$es_plugin-$hash.zip
  [ -f "$zip" ] || es_build_plugin "$zip"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$hash" ] || [ ! -d "$es_home/plugins/$es_plugin" ]; then
    rm -rf "${es_home:?}/plugins/$es_plugin"
    mf_quiet env ES_JAVA_HOME="$es_java_home" "$es_home/bin/elasticsearch-plugin" install --batch "file://$zip"
    echo "$hash" >"$stamp"
  fi
}

# Maven build in a scratch copy (keeps target/ out of the repo), against the exact Elasticsearch
# version and the Lucene version the distribution ships. Offline first; online only to resolve.
es_build_plugin() {
  local out=$1 build lucene
  lucene=$(basename "$es_home"/lib/lucene-core-*.jar .jar)
  lucene=${lucene#lucene-core-}
  build=$(mktemp -d)
  cp -r "$es_plugin_src/pom.xml" "$es_plugin_src/src" "$build/"
  local mvn=(env JAVA_HOME="$es_java_home" mvn -B -q -f "$build/pom.xml" -Dmaven.repo.local="$MF_CACHE/maven"
    -Delasticsearch.version="$MF_ES_VERSION" -Dlucene.version="$lucene" package)
  "${mvn[@]}" -o >/dev/null 2>&1 || mf_quiet "${mvn[@]}"
  rm -f "$es_cache/$es_plugin"-*.zip
  mv "$build/target/$es_plugin"-*.zip "$out"
  rm -rf "$build"
}

elasticsearch_running() {
  curl -fsS --max-time 5 "$es_url/_cluster/health" 2>/dev/null | grep -Eq '"status":"(green|yellow)"'
}

# For mf_wait: true once the node answers, or as soon as it has exited (no point waiting then).
es_up_or_exited() { elasticsearch_running || ! mf_pid_alive "$es_pid"; }

elasticsearch_start() {
  elasticsearch_running && return 0
  mf_owned_dir "$MF_USER" "$es_dir" "$es_dir/data" "$es_dir/tmp" "$es_conf" "$MF_LOGS/elasticsearch"
  # A writable config dir (ES_PATH_CONF): the distribution's defaults, then our settings. Rewritten
  # on every start; the keystore Elasticsearch creates there is kept.
  cp -r "$es_home/config/." "$es_conf/"
  cat >"$es_conf/elasticsearch.yml" <<YML
# Written by infra/local/engines/elasticsearch.sh on every start.
cluster.name: mindflow
node.name: mindflow-local
path.data: $es_dir/data
path.logs: $MF_LOGS/elasticsearch
network.host: $MF_HOST
http.port: $MF_ES_PORT
transport.port: $es_transport_port
discovery.type: single-node
xpack.security.enabled: false
# Test data must not be blocked read-only because the disk is fuller than the watermarks.
cluster.routing.allocation.disk.threshold_enabled: false
# Tests clean up with wildcards (DELETE /mindflow-test-*).
action.destructive_requires_name: false
YML
  mf_is_root && chown -R "$MF_USER:" "$es_conf"
  touch "$es_log"; mf_is_root && chown "$MF_USER:" "$es_log"
  # A node still starting up (pid alive, not answering yet) is waited for, not started twice.
  mf_pid_alive "$es_pid" ||
    mf_spawn "$MF_USER" "$es_pid" "$es_log" env ES_JAVA_HOME="$es_java_home" ES_PATH_CONF="$es_conf" \
      ES_TMPDIR="$es_dir/tmp" ES_JAVA_OPTS="-Xms512m -Xmx512m" "$es_home/bin/elasticsearch"
  mf_wait elasticsearch 120 "$es_log" es_up_or_exited
  if ! elasticsearch_running; then
    tail -n 40 "$es_log" >&2
    mf_die "elasticsearch exited during startup (log: $es_log)"
  fi
}

elasticsearch_stop() { mf_stop_pid "$es_pid"; }

elasticsearch_status() {
  local version=- state=down
  [ -x "$es_home/bin/elasticsearch" ] && version=$MF_ES_VERSION
  elasticsearch_running && state=up
  mf_status_line elasticsearch "$version" "$MF_ES_PORT" "$state"
  [ $state = up ]
}
