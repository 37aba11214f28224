#!/usr/bin/env bash
# Proves the single cluster's secure listeners work, with no kring involved: Kafka's own
# Java clients and kcat produce over every listener and SASL mechanism, the Java reader
# (verify-topic.sh) reads the topic back over every listener and finds exactly the records
# sent, and the refusals hold: wrong passwords, a client without certificate (or with one
# from the untrusted CA) on MTLS, an untrusted CA, the mismatching certificate on BADHOST.
# The re-authentication listener is shown to demand KIP-368 re-authentication: a Java
# producer that stays connected longer than connections.max.reauth.ms re-authenticates
# (its successful-reauthentication-total metric is above 0) and loses nothing.
#
# Starts the single cluster if it is not running (and then stops it at the end); honours
# KR_CLUSTER_PORT_OFFSET. Exit 0 when every check holds, 1 otherwise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cl=$here/cluster.sh
t0=$SECONDS
export KR_TOOL_JAVA_OPTS=${KR_TOOL_JAVA_OPTS:--XX:TieredStopAtLevel=1}
failures=0
started=0

ok() { echo "selftest-secure: ok   $*"; }
bad() { echo "selftest-secure: FAIL $*" >&2; failures=$((failures + 1)); }

if ! "$cl" status single >/dev/null 2>&1; then
  "$cl" start single
  started=1
fi
tmp=$(mktemp -d)
reauth_pid=
cleanup() {
  [ -z "$reauth_pid" ] || kill "$reauth_pid" 2>/dev/null || true
  rm -rf "$tmp"
  if ((started)); then "$cl" stop single >/dev/null || true; fi
}
trap cleanup EXIT
eval "$("$cl" env single)"
topic=selftest-secure-$$
reauth_topic=selftest-reauth-$$
"$cl" create-topic single "$topic" 3 1 >/dev/null
"$cl" create-topic single "$reauth_topic" 1 1 >/dev/null

# Re-authentication, in the background: 13 records at 1/s over REAUTH (session lifetime
# 10 s, the Java client re-authenticates at 85-95 % of it).
"$KR_TEST_KAFKA_TOOL" org.apache.kafka.tools.ProducerPerformance --topic "$reauth_topic" \
  --num-records 13 --throughput 1 --record-size 50 --print-metrics \
  --producer.config "$KR_TEST_PROPS_REAUTH_SCRAM_SHA_512" \
  --producer-props bootstrap.servers="$KR_TEST_REAUTH_BOOTSTRAP" acks=all \
  >"$tmp/reauth.out" 2>&1 &
reauth_pid=$!

next_id=0
# Values {"id":N,"via":"KIND"} for the next $2 ids, one per line, prefixed by key and ':'.
records() {
  local i
  for ((i = 0; i < $2; i++)); do
    echo "k$((next_id % 5)):{\"id\":$next_id,\"via\":\"$1\"}"
    next_id=$((next_id + 1))
  done
}

java_produce() {
  local kind=$1 n=$2
  records "$kind" "$n" >"$tmp/in"
  if "$KR_TEST_KAFKA_TOOL" org.apache.kafka.tools.ConsoleProducer \
      --bootstrap-server "$("$cl" bootstrap single "$kind")" --topic "$topic" \
      --producer.config "$("$cl" props single "$kind")" --producer-property acks=all \
      --property parse.key=true --property key.separator=: <"$tmp/in" >"$tmp/err" 2>&1; then
    ok "Java producer over $kind ($n records)"
  else
    bad "Java producer over $kind: $(tail -n 3 "$tmp/err")"
  fi
}

# kcat_produce KIND N [kcat options]
kcat_produce() {
  local kind=$1 n=$2 props=$3
  shift 3
  records "$kind" "$n" >"$tmp/in"
  if timeout 30 kcat -F "$props" -b "$("$cl" bootstrap single "$kind")" "$@" -t "$topic" -P \
      -K: -X message.timeout.ms=10000 <"$tmp/in" 2>"$tmp/err"; then
    ok "kcat producer over $kind ($n records)"
  else
    bad "kcat producer over $kind: $(tail -n 3 "$tmp/err")"
  fi
}

# expect_refused WHAT PATTERN CMD...: CMD must fail and its output must match PATTERN.
expect_refused() {
  local what=$1 pattern=$2
  shift 2
  if timeout 30 "$@" >"$tmp/neg" 2>&1; then
    bad "$what: accepted"
  elif grep -qiE "$pattern" "$tmp/neg"; then
    ok "$what: refused ($(grep -oiE "$pattern" "$tmp/neg" | head -n 1))"
  else
    bad "$what: failed, but not with /$pattern/: $(tail -n 3 "$tmp/neg")"
  fi
}

for k in ssl mtls sasl_plaintext-scram-sha-256 sasl_plaintext-scram-sha-512 \
         sasl_ssl-scram-sha-256 sasl_ssl-scram-sha-512 sasl_ssl-oauthbearer sasl_ssl-plain; do
  java_produce "$k" 3
done
for k in plaintext ssl mtls sasl_plaintext-plain sasl_plaintext-oauthbearer sasl_ssl-plain \
         sasl_ssl-oauthbearer reauth-plain reauth-oauthbearer; do
  kcat_produce "$k" 2 "$("$cl" kcat-props single "$k")"
done
kcat_produce badhost-noverify 2 "$KR_TEST_KCAT_SSL" -X ssl.endpoint.identification.algorithm=none

# Read back: the Java reader over every listener, kcat over SSL and SASL_SSL/PLAIN.
for k in ssl mtls sasl_plaintext-scram-sha-512 sasl_ssl-scram-sha-256 sasl_ssl-oauthbearer \
         reauth-plain badhost-noverify; do
  if "$KR_TEST_VERIFY_TOPIC" --bootstrap "$("$cl" bootstrap single "$k")" --topic "$topic" \
      --config "$("$cl" props single "$k")" --expect "$next_id" >"$tmp/v" 2>&1; then
    ok "Java reader over $k: $(head -n 1 "$tmp/v"), $(grep '^ids' "$tmp/v")"
  else
    bad "Java reader over $k: $(cat "$tmp/v")"
  fi
done
for k in ssl sasl_ssl-plain; do
  n=$(timeout 30 kcat -F "$("$cl" kcat-props single "$k")" -b "$("$cl" bootstrap single "$k")" \
    -C -t "$topic" -o beginning -e -q -f '%s\n' 2>"$tmp/err" | grep -c '"id"' || true)
  if [ "$n" = "$next_id" ]; then ok "kcat reader over $k: $n records"
  else bad "kcat reader over $k: $n records, expected $next_id: $(tail -n 2 "$tmp/err")"; fi
done

# Refusals.
sed 's/^sasl.jaas.config=\(.*password="\)[^"]*/sasl.jaas.config=\1wrong/' \
  "$KR_TEST_PROPS_SASL_SSL_SCRAM_SHA_512" >"$tmp/wrong-scram.properties"
expect_refused "SCRAM-SHA-512 with a wrong password (Java)" "authentication failed" \
  "$KR_TEST_VERIFY_TOPIC" --bootstrap "$KR_TEST_SASL_SSL_BOOTSTRAP" --topic "$topic" \
  --config "$tmp/wrong-scram.properties" --timeout-ms 15000
expect_refused "PLAIN with a wrong password (kcat)" "authentication failed" \
  kcat -F "$KR_TEST_KCAT_SASL_PLAINTEXT_PLAIN" -X sasl.password=wrong \
  -b "$KR_TEST_SASL_PLAINTEXT_BOOTSTRAP" -L -m 3
expect_refused "MTLS without a client certificate (Java)" "SslAuthenticationException" \
  "$KR_TEST_VERIFY_TOPIC" --bootstrap "$KR_TEST_MTLS_BOOTSTRAP" --topic "$topic" \
  --config "$KR_TEST_PROPS_SSL" --timeout-ms 15000
expect_refused "MTLS without a client certificate (kcat)" "SSL handshake failed|certificate" \
  kcat -F "$KR_TEST_KCAT_SSL" -b "$KR_TEST_MTLS_BOOTSTRAP" -L -m 3
expect_refused "MTLS with a certificate from the untrusted CA (kcat)" \
  "SSL handshake failed|certificate" \
  kcat -F "$KR_TEST_KCAT_SSL" -X ssl.certificate.location="$KR_TEST_UNTRUSTED_CLIENT_CERT" \
  -X ssl.key.location="$KR_TEST_UNTRUSTED_CLIENT_KEY" -b "$KR_TEST_MTLS_BOOTSTRAP" -L -m 3
expect_refused "SSL trusting only the untrusted CA (kcat)" "certificate verify failed" \
  kcat -F "$KR_TEST_KCAT_SSL" -X ssl.ca.location="$KR_TEST_UNTRUSTED_CA" \
  -b "$KR_TEST_SSL_BOOTSTRAP" -L -m 3
expect_refused "BADHOST with hostname verification (kcat)" "certificate verify failed" \
  kcat -F "$KR_TEST_KCAT_BADHOST" -b "$KR_TEST_BADHOST_BOOTSTRAP" -L -m 3
expect_refused "BADHOST with hostname verification (Java)" "SslAuthenticationException" \
  "$KR_TEST_VERIFY_TOPIC" --bootstrap "$KR_TEST_BADHOST_BOOTSTRAP" --topic "$topic" \
  --config "$KR_TEST_PROPS_BADHOST" --timeout-ms 15000
# The encrypted client key: kcat with its password is let in, without it is not.
if timeout 20 kcat -F "$KR_TEST_KCAT_MTLS" -X ssl.key.location="$KR_TEST_CLIENT_KEY_ENC" \
    -X ssl.key.password="$KR_TEST_CLIENT_KEY_PASSWORD" -b "$KR_TEST_MTLS_BOOTSTRAP" \
    -L -m 5 >/dev/null 2>"$tmp/err"; then
  ok "MTLS with the password-encrypted client key (kcat)"
else
  bad "MTLS with the password-encrypted client key (kcat): $(tail -n 2 "$tmp/err")"
fi

# Re-authentication. ProducerPerformance --print-metrics prints "group:name:{tags} : value".
metric() {
  sed -n "s/^producer-metrics:$1:{[^}]*} *: *\([0-9.]*\).*/\1/p" "$tmp/reauth.out"
}
if wait "$reauth_pid"; then
  reauth_pid=
  n=$(metric successful-reauthentication-total)
  f=$(metric failed-reauthentication-total)
  if [ -n "$n" ] && [ "${n%%.*}" -gt 0 ] && [ "${f%%.*}" = 0 ]; then
    ok "REAUTH: a 13 s Java producer re-authenticated $n time(s), 0 failures"
  else
    bad "REAUTH: successful-reauthentication-total '$n', failed '$f'"
  fi
  if "$KR_TEST_VERIFY_TOPIC" --bootstrap "$KR_TEST_REAUTH_BOOTSTRAP" --topic "$reauth_topic" \
      --config "$KR_TEST_PROPS_REAUTH_SCRAM_SHA_512" --expect 13 >"$tmp/v" 2>&1; then
    ok "REAUTH: 13 of 13 records arrived"
  else
    bad "REAUTH: $(cat "$tmp/v")"
  fi
else
  reauth_pid=
  bad "REAUTH: ProducerPerformance failed: $(tail -n 5 "$tmp/reauth.out")"
fi

if ((failures)); then
  echo "selftest-secure: $failures check(s) failed ($((SECONDS - t0)) s)" >&2
  exit 1
fi
echo "selftest-secure: all checks passed ($((SECONDS - t0)) s)"
