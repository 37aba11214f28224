#!/usr/bin/env bash
# The Dockerfile's build stage, run without a container runtime (CI has none): its RUN
# steps, in order, in a copy of the build context (.dockerignore applied), with its ARG
# defaults (KR_PREFIX moved into the scratch dir; the image-only clean-up
# "rm -rf /var/lib/apt/lists/*" is left out: it must not touch this machine). Then checks
# that the installed kring runs (--version) and that every shared library it loads comes
# from libc or from a package the runtime stage installs (dpkg -S), so the runtime image
# has what it needs.
# The FROM image is this machine, not debian:bookworm: Debian 12 here, as in the image.
#   tests/deploy/dockerfile.sh [SOURCE_DIR]
set -euo pipefail
src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/kr-dockerfile.XXXXXX")
fail() { echo "FAIL: $*"; echo "work files kept in $work"; exit 1; }

# The build context: the tracked files minus .dockerignore's patterns.
excl=()
while read -r pat; do
  [ -z "$pat" ] || [ "${pat:0:1}" = "#" ] && continue
  excl+=(--exclude="${pat%/}")
done <"$src/.dockerignore"
mkdir "$work/ctx"
(cd "$src" && git ls-files -z | tar "${excl[@]}" --null -T - -cf -) | tar -xf - -C "$work/ctx"
[ -f "$work/ctx/Dockerfile" ] || fail "the context has no Dockerfile"

# The build stage: its ARGs and RUNs, continuation lines joined.
python3 - "$src/Dockerfile" "$work/prefix" >"$work/steps.sh" <<'PY'
import re, shlex, sys
text = re.sub(r"\\\n", " ", open(sys.argv[1]).read())
stage = 0
for line in text.splitlines():
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    ins, _, args = line.partition(" ")
    ins = ins.upper()
    if ins == "FROM":
        stage += 1
    elif stage == 1 and ins == "ARG":
        name, _, val = args.partition("=")
        if name == "KR_PREFIX":
            val = sys.argv[2]
        print(f"export {name}={shlex.quote(val)}")
    elif stage == 1 and ins == "RUN":
        args = re.sub(r"\s*&&\s*rm -rf /var/lib/apt/lists/\*", "", args)
        if "rm " in args:
            sys.exit(f"dockerfile.sh: a RUN step removes files; not run here: {args}")
        print(f"echo '+ {args[:100]}'")
        print(args)
PY
grep -q "setup.sh --build" "$work/steps.sh" || fail "no setup.sh step found in the Dockerfile"
(cd "$work/ctx" && bash -euo pipefail "$work/steps.sh") >"$work/build.log" 2>&1 ||
  { tail -n 30 "$work/build.log"; fail "a RUN step of the build stage failed"; }
grep '^+ ' "$work/build.log"
kring=$work/prefix/bin/kring
[ -x "$kring" ] || fail "no kring installed at KR_PREFIX/bin"
"$kring" --version | grep -q '^kring [0-9]' || fail "the built kring does not run"

# The runtime stage's packages against what kring loads.
runtime_pkgs=$(awk '/^FROM/{s++} s==2' "$src/Dockerfile" | tr -s ' \\' '\n' |
  grep -E '^lib[a-z0-9.+-]+$' | sort -u)
echo "runtime packages: $(echo $runtime_pkgs)"
for lib in $(ldd "$kring" | awk '/=> \//{print $3}'); do
  pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -n 1 | cut -d: -f1) ||
    pkg=$(dpkg -S "$lib" 2>/dev/null | head -n 1 | cut -d: -f1) || true
  case $pkg in
    libc6 | libgcc-s1) continue ;;  # in every Debian base image
  esac
  [ -n "$pkg" ] || fail "no package owns $lib"
  echo "$runtime_pkgs" | grep -qx "$pkg" || fail "kring loads $lib ($pkg): not in the runtime stage"
  echo "  $lib <- $pkg"
done
rm -rf "$work"
echo PASS
