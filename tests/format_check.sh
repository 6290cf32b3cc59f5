#!/usr/bin/env bash
# format_check.sh [SOURCE_ROOT] - check that every *.c/*.h under src/ and tests/
# is formatted as .clang-format says (tracked files in a git checkout, else
# all files found).  Fails listing the files that are not.
set -euo pipefail
root=${1:-$(dirname "$0")/..}
cd "$root"

command -v clang-format >/dev/null || { echo "format: clang-format not found (apt-get install clang-format)"; exit 1; }

files=()
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    while IFS= read -r -d '' f; do
        [ -f "$f" ] && files+=("$f")
    done < <(git ls-files -z -- 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h')
else
    while IFS= read -r -d '' f; do
        files+=("$f")
    done < <(find src tests -type f \( -name '*.c' -o -name '*.h' \) -print0 2>/dev/null | sort -z)
fi

bad=()
for f in "${files[@]}"; do
    clang-format --style=file --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done

if [ ${#bad[@]} -ne 0 ]; then
    echo "format: ${#bad[@]} of ${#files[@]} files are not formatted as .clang-format says:"
    printf '  %s\n' "${bad[@]}"
    echo "fix with: clang-format -i ${bad[*]}"
    # show the first differences of the first file, to make the problem plain
    clang-format --style=file --dry-run "${bad[0]}" 2>&1 | head -n 20
    exit 1
fi
echo "format: ${#files[@]} files ok"
