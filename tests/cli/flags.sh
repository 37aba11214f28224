#!/usr/bin/env bash
# kring's command line, through the built binary: every bad flag or value exits 2 with
# exactly one line on stderr and nothing on stdout; --help prints the usage and exits 0.
# Needs no broker: every case fails (or finishes) before a producer is created.
#   tests/cli/flags.sh PATH/TO/kring
set -u
kring=${1:?usage: flags.sh PATH/TO/kring}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
cases=0

# expect CODE ARGS...: kring ARGS exits CODE; for 2, one line on stderr, none on stdout.
expect() {
  local want=$1
  shift
  cases=$((cases + 1))
  "$kring" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  local got=$?
  local lines
  lines=$(wc -l <"$tmp/err")
  if [ "$got" != "$want" ]; then
    echo "FAIL: kring $* exited $got, want $want; stderr: $(head -c 300 "$tmp/err")"
    fails=$((fails + 1))
  elif [ "$want" = 2 ] && { [ "$lines" != 1 ] || [ -s "$tmp/out" ]; }; then
    echo "FAIL: kring $*: want one line on stderr and nothing on stdout, got $lines lines:"
    cat "$tmp/err" "$tmp/out" | head -5
    fails=$((fails + 1))
  fi
}

# expect_msg TEXT ARGS...: exit 2 and stderr contains TEXT.
expect_msg() {
  local text=$1
  shift
  expect 2 "$@"
  if ! grep -qF -- "$text" "$tmp/err"; then
    echo "FAIL: kring $*: stderr lacks '$text': $(cat "$tmp/err")"
    fails=$((fails + 1))
  fi
}

P=(produce -b 127.0.0.1:1 -t t)

# the program and its commands
expect 2
expect_msg "unknown command 'frobnicate'" frobnicate
expect 0 --help
expect 0 help
expect 0 help produce
expect 0 version
expect 0 produce --help
expect 0 produce -h
expect 0 metadata --help
expect 0 generate --help
grep -q -- "--rate" <("$kring" produce --help) || { echo "FAIL: produce --help lacks --rate"; fails=$((fails + 1)); }
grep -q "kring produce" <("$kring" --help) || true

# unknown flags, missing values, stray arguments
expect_msg "unknown option '--nope'" "${P[@]}" --nope
expect_msg "unknown option '-y'" "${P[@]}" -y
expect_msg "needs a value" "${P[@]}" --rate
expect_msg "needs a value" "${P[@]}" -n
expect_msg "unexpected argument 'extra'" "${P[@]}" extra
expect_msg "-b/--bootstrap is required" produce -t t
expect_msg "-t/--topic is required" produce -b 127.0.0.1:1
expect_msg "unknown option" metadata -b h:1 --rate 5
expect_msg "-b/--bootstrap is required" metadata
expect_msg "unknown option" generate -b h:1

# every flag with a bad value
expect_msg "--count" "${P[@]}" -n 0
expect_msg "--count" "${P[@]}" --count=-3
expect_msg "--count" "${P[@]}" --count 1x
expect_msg "--duration" "${P[@]}" --duration 0
expect_msg "--duration" "${P[@]}" --duration 5days
expect_msg "--rate" "${P[@]}" --rate 0
expect_msg "--rate" "${P[@]}" --rate lots
expect_msg "--record-size" "${P[@]}" --record-size 0
expect_msg "--record-size" "${P[@]}" --record-size 100M
expect_msg "--acks" "${P[@]}" --acks 2
expect_msg "--compression" "${P[@]}" --compression brotli
expect_msg "--linger-ms" "${P[@]}" --linger-ms -5
expect_msg "--batch-size" "${P[@]}" --batch-size 0
expect_msg "--partition" "${P[@]}" --partition -2
expect_msg "--key" "${P[@]}" --key altitude
expect_msg "--key-delimiter" "${P[@]}" --source - -K ''
expect_msg "--threads" "${P[@]}" --threads 0
expect_msg "--threads" "${P[@]}" --threads 1000
expect_msg "--seed" "${P[@]}" --seed minus1
expect_msg "--fleet" "${P[@]}" --fleet 0
expect_msg "--report-json" "${P[@]}" --report-json ''
expect_msg "--report-json" "${P[@]}" --report-json /nonexistent/dir/r.json
expect_msg "--source" "${P[@]}" --source kafka
expect_msg "--source" "${P[@]}" --source file:/nonexistent/kring/input
expect_msg "-X" "${P[@]}" -X nokey
expect_msg "--timeout-ms" metadata -b h:1 --timeout-ms 0

# flags that do not fit together
expect_msg "applies to --source flights only" "${P[@]}" --source - --record-size 10
expect_msg "applies to file and stdin sources only" "${P[@]}" -K ,
expect 0 produce --dry-run -q -b h:1 -t t --source - --threads 2 # stdin: a shared stream
expect_msg "must be at least --threads" "${P[@]}" --rate 1 --threads 2
expect_msg "must be at least --threads" "${P[@]}" --rate 3 --threads 2 --instance 1/2
expect_msg "--instance" "${P[@]}" --instance 2/2
expect_msg "not stdin" "${P[@]}" --source - --instance 0/2
KRING_INSTANCE=x expect_msg "KRING_INSTANCE" "${P[@]}"
JOB_COMPLETION_INDEX=1 expect_msg "needs KRING_INSTANCES" "${P[@]}"
mkfifo "$tmp/fifo"
# The writer holds the fifo open a moment: kring opens it twice (to see it is no regular
# file, then as stdin), and a writer gone in between would leave the second open waiting.
(exec >"$tmp/fifo"; sleep 1; printf 'a\nb\nc\n') &
expect 0 produce --dry-run -b h:1 -t t --source "file:$tmp/fifo" --threads 2
grep -q "^records   3 sent, 3 acked" "$tmp/out" ||
  { echo "FAIL: a fifo read by 2 threads: $(head -1 "$tmp/out")"; fails=$((fails + 1)); }
wait
# several files, --payload-file
printf 'a\n' >"$tmp/in1"
printf 'p1\np2\n' >"$tmp/pl"
: >"$tmp/empty"
expect_msg "several files must all be" "${P[@]}" --source "file:$tmp/in1" --source "file:$tmp/fifo"
expect 0 "${P[@]}" --dry-run -q --source "file:$tmp/in1" --source "file:$tmp/in1"
expect_msg "give -n or --duration" "${P[@]}" --payload-file "$tmp/pl"
expect_msg "two sources" "${P[@]}" --payload-file "$tmp/pl" --source - -n 1
expect_msg "-K and -D do not apply" "${P[@]}" --payload-file "$tmp/pl" -n 1 -K ,
expect_msg "applies to --payload-file only" "${P[@]}" --payload-delimiter , -n 1
expect_msg "unknown escape" "${P[@]}" --payload-file "$tmp/pl" -n 1 --payload-delimiter '\q'
expect_msg "holds no payload" "${P[@]}" --payload-file "$tmp/empty" -n 1
expect_msg "is not a regular file" "${P[@]}" --payload-file "$tmp/fifo" -n 1
expect 0 "${P[@]}" --dry-run -q --payload-file "$tmp/pl" -n 100

# engine settings: the engine's own message, exit 2, before any connection
expect_msg "no.such.setting" "${P[@]}" -X no.such.setting=1
expect_msg "linger.ms" "${P[@]}" -X linger.ms=soon
expect_msg "batch.size" "${P[@]}" --batch-size 1
expect_msg "no.such.setting" metadata -b h:1 -X no.such.setting=1

# bench's own arguments
expect 0 bench --help
expect 2 bench generator -n 0

# a good run needs no broker with --dry-run
expect 0 produce --dry-run -n 1000 -q
expect 0 produce --dry-run -n 1000 --threads 2 --rate 100000 -q

echo "$cases cases, $fails failures"
[ "$fails" = 0 ]
