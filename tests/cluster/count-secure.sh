#!/usr/bin/env bash
# Checks that topic TOPIC holds exactly EXPECTED records (and no repeated id, see
# verify-topic.sh), read back by the Java reader over the listener of client kind KIND:
#   count-secure.sh KIND TOPIC EXPECTED
# KIND is a client kind of the running cluster: plaintext, ssl, mtls, sasl_plaintext-plain,
# sasl_ssl-scram-sha-512, reauth-oauthbearer, ... (`cluster.sh bootstrap C x` lists them).
# The cluster is $KR_TEST_CLUSTER (from `cluster.sh env`), else single.
# Exit 0 OK, 1 wrong count or duplicates, 2 bad usage or unreadable topic.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -ne 3 ] || ! [[ $3 =~ ^[0-9]+$ ]]; then
  echo "usage: $0 KIND TOPIC EXPECTED" >&2
  exit 2
fi
cluster=${KR_TEST_CLUSTER:-single}
bootstrap=$("$here/cluster.sh" bootstrap "$cluster" "$1") || exit 2
props=$("$here/cluster.sh" props "$cluster" "$1") || exit 2
[ -f "$props" ] || { echo "count-secure: $props missing: start $cluster first" >&2; exit 2; }
exec "$here/verify-topic.sh" --bootstrap "$bootstrap" --topic "$2" --config "$props" \
  --expect "$3"
