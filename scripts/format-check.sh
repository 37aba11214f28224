#!/usr/bin/env bash
# Fails when a C file under proto/ engine/ cli/ flights/ tests/ bench/ fuzz/ is not as
# clang-format (Debian's clang-format, 14) formats it with the repository's .clang-format;
# lists the files and shows the first differences. A table laid out by hand (an X-macro
# list, a golden byte vector with a comment per field) sits between
# /* clang-format off */ and /* clang-format on */.
#   scripts/format-check.sh          check (CI)
#   scripts/format-check.sh --fix    reformat those files in place
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v clang-format >/dev/null ||
  { echo "format-check: no clang-format: run scripts/setup.sh" >&2; exit 2; }
fix=0
[ "${1:-}" = --fix ] && fix=1
mapfile -t files < <(git ls-files -- 'proto/*.[ch]' 'engine/*.[ch]' 'cli/*.[ch]' 'flights/*.[ch]' \
                       'tests/*.[ch]' 'bench/*.[ch]' 'fuzz/*.[ch]')
bad=()
for f in "${files[@]}"; do
  if [ "$fix" = 1 ]; then
    clang-format -i --style=file "$f"
  elif ! clang-format --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then
    bad+=("$f")
  fi
done
if ((${#bad[@]})); then
  echo "format-check: ${#bad[@]} of ${#files[@]} C files are not formatted" \
       "(scripts/format-check.sh --fix):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  clang-format --style=file "${bad[0]}" | diff -u "${bad[0]}" - | head -n 40 >&2 || true
  exit 1
fi
echo "format-check: ${#files[@]} C files formatted"
