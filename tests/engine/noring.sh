#!/usr/bin/env bash
# kring where io_uring is refused, as in a container with Docker's, containerd's or
# Kubernetes' RuntimeDefault seccomp profile: `kring produce` runs under kr_noring
# (tests/seccomp: a seccomp filter making io_uring_setup/enter/register fail with EPERM)
# against the real single-node Kafka, 1,000,000 flight events, acks=all, on a fresh topic.
# Passes when
#   - kring exits 0 (every record acknowledged) and its report names the poll transport;
#   - its stderr has exactly one warning line, and it names the fallback (poll/epoll);
#   - GetOffsetShell counts exactly 1,000,000 and kcat reads every event_id once
#     (flight_ids.py).
# An engine without the fallback exits 1 with "io_uring is not available": the test then
# fails saying so.
#   noring.sh PATH/TO/kring PATH/TO/kr_noring
# Skips (77) without KR_TEST_BOOTSTRAP (see lib.sh).
set -euo pipefail
kring=${1:?usage: noring.sh PATH/TO/kring PATH/TO/kr_noring}
noring=${2:?usage: noring.sh PATH/TO/kring PATH/TO/kr_noring}
drive=$kring # lib.sh's eng_need checks that the program under test exists
. "$(dirname "$0")/lib.sh"
eng_need
[ -x "$noring" ] || fail "kr_noring not found at '$noring'"
[ "$("$noring" true; echo $?)" = 0 ] || fail "kr_noring cannot install its filter here"

N=${KR_NORING_N:-1000000}
topic=$(eng_topic noring)
eng_create "$topic" 6 1
log "kr_noring kring produce -n $N --acks all"
set +e
timeout -k 10 600 "$noring" "$kring" produce -b "$KR_TEST_BOOTSTRAP" -t "$topic" -n "$N" \
  --acks all -q --report-json "$work/report.json" >"$work/out" 2>"$work/err"
rc=$?
set -e
cat "$work/out"
echo "---- kring stderr"
cat "$work/err"
[ "$rc" != 124 ] && [ "$rc" != 137 ] || fail "kring did not finish within 600 s (hang)"
if [ "$rc" != 0 ] && grep -q "io_uring is not available" "$work/err"; then
  fail "kring refused to run without io_uring (exit $rc): no fallback transport"
fi
[ "$rc" = 0 ] || fail "kring exited $rc"
python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["transport"] != "poll")' \
  "$work/report.json" || fail "the report does not name the poll transport"
warnings=$(grep -ci "warn" "$work/err" || true)
[ "$warnings" = 1 ] || fail "stderr has $warnings warning lines, want exactly 1"
grep -i "warn" "$work/err" | grep -Eqi "poll|epoll" ||
  fail "the warning does not name the fallback transport (poll/epoll)"
log "warning: $(grep -i warn "$work/err")"
verify_rc=0
python3 "$eng_dir/flight_ids.py" --bootstrap "$KR_TEST_BOOTSTRAP" --topic "$topic" -n "$N" \
  --kafka-tool "$KR_TEST_KAFKA_TOOL" || verify_rc=$?
[ "$verify_rc" = 0 ] || fail "the topic read back is not the $N events"
echo PASS
