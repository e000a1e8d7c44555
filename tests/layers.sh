#!/usr/bin/env bash
# layers.sh - checks the library's layering: a module in lib/LAYER includes project headers
# of its own layer or of a lower one only (layers given lowest first), and every project
# header an include names exists in exactly one layer. Prints each violation; exits 1 if any.
set -u
cd "$(dirname "$0")/.."
layers=("$@")
bad=0
declare -A rank home
for i in "${!layers[@]}"; do
    rank[${layers[$i]}]=$i
    for h in lib/${layers[$i]}/*.h; do
        [ -e "$h" ] || continue
        b=$(basename "$h")
        if [ -n "${home[$b]:-}" ]; then echo "layers: $b is in lib/${home[$b]} and lib/${layers[$i]}"; bad=1; fi
        home[$b]=${layers[$i]}
    done
done
for l in "${layers[@]}"; do
    for f in lib/$l/*.[ch]; do
        [ -e "$f" ] || continue
        while IFS= read -r inc; do
            hl=${home[$inc]:-}
            if [ -z "$hl" ]; then echo "layers: $f includes \"$inc\", which is in no layer"; bad=1; continue; fi
            if [ "${rank[$hl]}" -gt "${rank[$l]}" ]; then
                echo "layers: $f (lib/$l) includes $inc of the higher layer lib/$hl"; bad=1
            fi
        done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
    done
done
[ "$bad" -eq 0 ] && echo "layers: ok (${layers[*]})"
exit "$bad"
