#!/usr/bin/env bash
# kr_noring really refuses io_uring: kr_ring_probe run plainly has io_uring (setup ok,
# enter and register on a closed descriptor fail, but not with EPERM); under kr_noring
# all three are EPERM. Also: other
# system calls still work under it (the probe runs, prints, exits 0), CMD's exit status
# passes through, and a missing CMD is exit 127 with a message.
#   tests/seccomp/check.sh PATH/TO/kr_noring PATH/TO/kr_ring_probe
set -u
noring=${1:?kr_noring}
probe=${2:?kr_ring_probe}
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

plain=$("$probe") || bad "the probe failed without a filter"
case $plain in
  "setup=ok enter=EPERM"* | "setup=ok "*"register=EPERM") bad "EPERM without a filter: '$plain'" ;;
  "setup=ok enter="*" register="*) ;;
  "setup=EPERM"* | "setup=ENOSYS"*)
    # The machine itself refuses io_uring (a container's profile): nothing to compare with.
    echo "SKIP: io_uring is refused here already ($plain)"; exit 77 ;;
  *) bad "without a filter: '$plain'" ;;
esac
under=$("$noring" "$probe") || bad "the probe under kr_noring exited non-zero"
[ "$under" = "setup=EPERM enter=EPERM register=EPERM" ] || bad "under kr_noring: '$under'"
"$noring" sh -c 'exit 7'
[ $? = 7 ] || bad "CMD's exit status does not pass through"
"$noring" /nonexistent/kring-cmd 2>/tmp/kr_noring.$$
rc=$?
[ "$rc" = 127 ] && grep -q "nonexistent" /tmp/kr_noring.$$ || bad "missing CMD: exit $rc"
rm -f /tmp/kr_noring.$$
"$noring" >/dev/null 2>&1
[ $? = 2 ] || bad "no CMD must exit 2"
# The filter is inherited by children: a shell under kr_noring runs the probe refused too.
nested=$("$noring" sh -c "\"$probe\"")
[ "$nested" = "setup=EPERM enter=EPERM register=EPERM" ] || bad "child of CMD: '$nested'"
echo "plain: $plain; under kr_noring: $under"
[ "$fails" = 0 ] && echo PASS
exit $((fails > 0))
