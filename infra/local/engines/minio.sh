# MinIO (S3-compatible), built with `go install` at a pinned pseudo-version: the module
# proxy serves MinIO's commits, not its RELEASE.* tags, which are not semantic versions.
minio_home=$MF_CACHE/minio-$MF_MINIO_VERSION
minio_bin=$minio_home/bin/minio
minio_pid=$MF_RUN/minio.pid
minio_log=$MF_LOGS/minio.log

minio_install() {
  [ -x "$minio_bin" ] && return 0
  GOBIN=$minio_home/bin mf_quiet mf_go install "github.com/minio/minio@$MF_MINIO_VERSION"
}

minio_running() { curl -fs -o /dev/null "http://$MF_HOST:$MF_S3_PORT/minio/health/live"; }

# Bucket creation is a signed S3 PUT; curl signs it (SigV4) itself.
minio_bucket() {
  local code
  code=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" \
    --user "$MF_S3_ACCESS_KEY:$MF_S3_SECRET_KEY" "http://$MF_HOST:$MF_S3_PORT/$1")
  case $code in 200 | 409) ;; *) mf_die "creating bucket $1 answered HTTP $code" ;; esac
}

minio_start() {
  if ! minio_running; then
    mf_owned_dir "$MF_USER" "$MF_DATA/minio"
    touch "$minio_log"; mf_is_root && chown "$MF_USER:" "$minio_log"
    MINIO_ROOT_USER=$MF_S3_ACCESS_KEY MINIO_ROOT_PASSWORD=$MF_S3_SECRET_KEY \
      MINIO_BROWSER=off MINIO_UPDATE=off MINIO_CI_CD=1 \
      mf_spawn "$MF_USER" "$minio_pid" "$minio_log" "$minio_bin" server --quiet \
      --address "$MF_HOST:$MF_S3_PORT" --console-address "$MF_HOST:$MF_S3_CONSOLE_PORT" "$MF_DATA/minio"
    mf_wait minio 60 "$minio_log" minio_running
  fi
  for bucket in "${MF_S3_BUCKETS[@]}"; do minio_bucket "$bucket"; done
}

minio_stop() { mf_stop_pid "$minio_pid"; }

minio_status() {
  local version=- state=down
  [ -x "$minio_bin" ] && version=$MF_MINIO_VERSION
  minio_running && state=up
  mf_status_line minio "$version" "$MF_S3_PORT" "$state"
  [ $state = up ]
}
