#!/usr/bin/env bash
# Engine tests over TLS and SASL, on the single-node cluster's secure listeners
# (tests/cluster: SSL, MTLS, SASL_SSL, SASL_PLAINTEXT, BADHOST, REAUTH).
#   secure.sh CASE PATH/TO/kr_drive
# Data cases: 1,000,000 keyed records (300-byte values with ids), acks=all, idempotent, LZ4,
# over one kind of listener, read back over the same kind by the Java reader
# (tests/cluster/count-secure.sh: exact count, ids 0..N-1 once each); ssl also checks that
# the producing thread calls no allocator in the steady state (kr_drive --alloc-window):
#   ssl mtls sasl_ssl_plain sasl_ssl_scram256 sasl_ssl_scram512 sasl_ssl_oauth
#   sasl_plaintext_scram512 reauth (a 40 s run on the listener with
#   connections.max.reauth.ms=10000: every connection re-authenticates, nothing is lost)
# Error cases, each must end non-zero within 20 s with its reason on stderr:
#   err_password err_mechanism err_untrusted err_hostname err_no_client_cert err_tls_to_plaintext
#   err_plaintext_to_tls
# Skips (77) without the single cluster's secure listeners.
set -euo pipefail
case_name=${1:?case}
drive=${2:?path to kr_drive}
. "$(dirname "$0")/lib.sh"
eng_need
[ -n "${KR_TEST_SASL_SSL_BOOTSTRAP:-}" ] ||
  skip "no secure listeners (the single cluster of tests/cluster has them)"

N=${KR_ENG_SECURE_N:-1000000}
K=10000
tls=(-X ssl.ca.location="$KR_TEST_CA")
data=(-X acks=all -X enable.idempotence=true -X compression.type=lz4)

sasl() { # sasl PROTOCOL MECHANISM
  local user pass
  case $2 in
    PLAIN) user=$KR_TEST_PLAIN_USER pass=$KR_TEST_PLAIN_PASSWORD ;;
    SCRAM-SHA-256) user=$KR_TEST_SCRAM256_USER pass=$KR_TEST_SCRAM256_PASSWORD ;;
    SCRAM-SHA-512) user=$KR_TEST_SCRAM512_USER pass=$KR_TEST_SCRAM512_PASSWORD ;;
  esac
  echo "-X security.protocol=$1 -X sasl.mechanism=$2"
  [ "$2" = OAUTHBEARER ] && echo "--oauth-token-file $work/token" ||
    echo "-X sasl.username=$user -X sasl.password=$pass"
}

# An unsecured JWT (alg none) for the OAUTHBEARER principal, valid for an hour.
python3 - "$KR_TEST_OAUTH_PRINCIPAL" >"$work/token" <<'PY'
import base64, json, sys, time
enc = lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=").decode()
now = int(time.time())
print(enc({"alg": "none"}) + "." + enc({"sub": sys.argv[1], "iat": now, "exp": now + 3600}) + ".")
PY

# data KIND BOOTSTRAP KR_DRIVE_ARGS...: produce N records over BOOTSTRAP, read back as KIND.
data() {
  local kind=$1 boot=$2; shift 2
  local topic
  topic=$(eng_topic "$case_name")
  eng_create "$topic" 6 1
  eng_drive 900 -b "$boot" -t "$topic" -n "$N" -k "$K" -s 300 --progress-ms 5000 \
    "${data[@]}" "$@"
  grep "kr_drive: transport" "$work/drive.err" || fail "kr_drive did not name its transport"
  log "count-secure.sh $kind $topic $N"
  set +e
  timeout -k 10 600 "$KR_TEST_COUNT_SECURE" "$kind" "$topic" "$N" >"$work/verify.out" 2>&1
  verify_rc=$?
  set -e
  tail -n 5 "$work/verify.out"
  eng_judge 0
}

# refused WHAT BOOTSTRAP KR_DRIVE_ARGS...: must fail within 20 s, stderr naming WHAT.
refused() {
  local what=$1 boot=$2; shift 2
  local topic
  topic=$(eng_topic "$case_name")
  eng_create "$topic" 1 1
  eng_drive 60 -b "$boot" -t "$topic" -n 1000 "$@"
  ((drive_secs <= 20)) || fail "took ${drive_secs}s to fail (over 20 s)"
  grep -qE -- "$what" "$work/drive.err" || fail "stderr does not say '$what'"
  ! grep -q -- "not-the-password" "$work/drive.err" "$work/drive.out" ||
    fail "a password appears in the producer's output"
  eng_judge 0
}

# shellcheck disable=SC2046 # the settings are words
case $case_name in
  ssl) # No per-record allocation with TLS on (records 300k..900k): OpenSSL 3.0 allocates
    # and frees one 40-byte block per TLS record it writes (a record holds 16 KiB, about a
    # hundred Kafka records with LZ4), so the budget is one per 50 records, each freed.
    data ssl "$KR_TEST_SSL_BOOTSTRAP" -X security.protocol=SSL "${tls[@]}" \
      --alloc-window $((N * 3 / 10)):$((N * 9 / 10)) --alloc-per 50 ;;
  mtls) data mtls "$KR_TEST_MTLS_BOOTSTRAP" -X security.protocol=SSL "${tls[@]}" \
      -X ssl.certificate.location="$KR_TEST_CLIENT_CERT" \
      -X ssl.key.location="$KR_TEST_CLIENT_KEY_ENC" \
      -X ssl.key.password="$KR_TEST_CLIENT_KEY_PASSWORD" ;;
  sasl_ssl_plain) data sasl_ssl-plain "$KR_TEST_SASL_SSL_BOOTSTRAP" "${tls[@]}" \
      $(sasl SASL_SSL PLAIN) ;;
  sasl_ssl_scram256) data sasl_ssl-scram-sha-256 "$KR_TEST_SASL_SSL_BOOTSTRAP" "${tls[@]}" \
      $(sasl SASL_SSL SCRAM-SHA-256) ;;
  sasl_ssl_scram512) data sasl_ssl-scram-sha-512 "$KR_TEST_SASL_SSL_BOOTSTRAP" "${tls[@]}" \
      $(sasl SASL_SSL SCRAM-SHA-512) ;;
  sasl_ssl_oauth) data sasl_ssl-oauthbearer "$KR_TEST_SASL_SSL_BOOTSTRAP" "${tls[@]}" \
      $(sasl SASL_SSL OAUTHBEARER) ;;
  sasl_plaintext_scram512) data sasl_plaintext-scram-sha-512 \
      "$KR_TEST_SASL_PLAINTEXT_BOOTSTRAP" $(sasl SASL_PLAINTEXT SCRAM-SHA-512) ;;
  reauth)
    # 40 s at a steady rate across four re-authentications (every 10 s) of each connection.
    N=${KR_ENG_REAUTH_N:-400000}
    data reauth-scram-sha-512 "$KR_TEST_REAUTH_BOOTSTRAP" "${tls[@]}" \
      $(sasl SASL_SSL SCRAM-SHA-512) --rate $((N / 40)) -X debug=all
    n=$(grep -c "re-authenticating" "$work/drive.err" || true)
    log "re-authentications: $n"
    ((n >= 3)) || fail "expected at least 3 re-authentications in 40 s, saw $n" ;;
  err_password) refused "SASL_AUTHENTICATION_FAILED" "$KR_TEST_SASL_SSL_BOOTSTRAP" \
      --expect-all-fail KR_EAUTH "${tls[@]}" -X security.protocol=SASL_SSL \
      -X sasl.mechanism=SCRAM-SHA-512 -X sasl.username="$KR_TEST_SCRAM512_USER" \
      -X sasl.password=not-the-password ;;
  err_mechanism) refused "SCRAM-SHA-256 is not enabled on the broker.*offers: PLAIN" \
      "$KR_TEST_REAUTH_BOOTSTRAP" --expect-all-fail KR_EAUTH "${tls[@]}" \
      $(sasl SASL_SSL SCRAM-SHA-256) ;;
  err_untrusted) refused "certificate verify failed" "$KR_TEST_SSL_BOOTSTRAP" \
      --expect-all-fail KR_ETLS -X security.protocol=SSL \
      -X ssl.ca.location="$KR_TEST_UNTRUSTED_CA" ;;
  err_hostname) refused "IP address mismatch" "$KR_TEST_BADHOST_BOOTSTRAP" \
      --expect-all-fail KR_ETLS -X security.protocol=SSL "${tls[@]}" ;;
  err_no_client_cert) refused "client certificate" "$KR_TEST_MTLS_BOOTSTRAP" \
      --expect-all-fail KR_ETLS -X security.protocol=SSL "${tls[@]}" ;;
  err_tls_to_plaintext) refused "handshake failed" "$KR_TEST_BOOTSTRAP" \
      --expect-all-fail KR_ETLS -X security.protocol=SSL "${tls[@]}" ;;
  err_plaintext_to_tls) refused "answered with TLS" "$KR_TEST_SSL_BOOTSTRAP" \
      --expect-all-fail KR_ETLS ;;
  *) fail "unknown case $case_name" ;;
esac
