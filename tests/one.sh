#!/bin/sh
# one.sh SUITE FILE.c... - builds and runs one Check suite against the given sources, for
# developing a module without the rest of the tree. Example:
#   tests/one.sh dataset tests/check_dataset.c lib/pt_dataset.c lib/pt_common.c
set -e
suite=$1; shift
PKGS="libzmq msgpack openblas lapacke check"
out=${TMPDIR:-/tmp}/pt_one_$suite
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -g -O1 -fsanitize=address,undefined -Ilib \
   $(pkg-config --cflags $PKGS) -DONE_SUITE=suite_$suite tests/run_one.c "$@" \
   -o "$out" $(pkg-config --libs $PKGS) -lm
"$out"
