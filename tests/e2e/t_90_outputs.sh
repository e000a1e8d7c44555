# t_90_outputs.sh - outputs that never destroy (sourced by run.sh): a symbolic link's target
# is replaced in its own directory, a FIFO, a character device node and a descriptor
# (--out -, /dev/fd/N, /proc/self/fd/N, a link to /dev/stdout) are written through, a
# directory, a block device node and a socket are refused; an output that is an input (by
# name, hard link or symbolic link) or another output is refused before anything is read; an
# output's directory is checked before any work. Every special file is made here, in the
# test's own directory (device nodes by mknod, as root only); the real /dev is never written.
O=$W/t90
mkdir -p "$O/real" "$O/links"
pt gen --rows 200 --features 4 --seed 3 --out "$O/d.csv" >/dev/null 2>&1
T90_TUNE=(--data "$O/d.csv" --pipeline linearRegression --grid "linearRegression.regParam=0.1,1"
          --folds 2 --quiet)
pt tune "${T90_TUNE[@]}" --model-out "$O/m.ptm" --log "$O/l.log" >/dev/null 2>&1
T90_P=(--model "$O/m.ptm" --data "$O/d.csv")
# the reference output of each command: written to a plain new file
pt predict "${T90_P[@]}" --out "$O/plain.csv" 2>/dev/null
ptlog timeline "$O/l.log" --out "$O/plain.svg" 2>/dev/null

# t90_refused WANT CMD...: CMD exits 2 with one stderr line holding WANT.
t90_refused() {
    local want=$1 rc
    shift
    "$@" >"$O/r.out" 2>"$O/r.err"
    rc=$?
    if [ $rc -ne 2 ]; then echo "$*: exit $rc, want 2: $(head -c 300 "$O/r.err")";
    elif [ "$(wc -l <"$O/r.err")" -ne 1 ]; then echo "$*: $(head -c 300 "$O/r.err")";
    elif ! grep -qF -- "$want" "$O/r.err"; then echo "$*: lacks '$want': $(cat "$O/r.err")"; fi
}
# The hidden (temporary) files of a directory, if any.
t90_stray() { find "$1" -mindepth 1 -maxdepth 1 -name '.*'; }

begin "outputs: a symbolic link's target is replaced whole in its own directory, the link stays"
if [ ! -s "$O/plain.csv" ] || [ ! -s "$O/plain.svg" ] || [ ! -s "$O/m.ptm" ]; then
    bad "no reference output"
else
    echo old >"$O/real/p.csv"
    ln -s ../real/p.csv "$O/links/p1.csv"
    ln -s p1.csv "$O/links/p.csv" # a chain of two links
    echo old >"$O/real/t.svg"
    ln -s "$O/real/t.svg" "$O/links/t.svg"
    pt predict "${T90_P[@]}" --out "$O/links/p.csv" 2>"$O/e"; r1=$?
    ptlog timeline "$O/l.log" --out "$O/links/t.svg" 2>>"$O/e"; r2=$?
    if [ $r1 -ne 0 ] || [ $r2 -ne 0 ]; then bad "exit $r1 $r2: $(cat "$O/e")";
    elif [ "$(readlink "$O/links/p.csv")" != p1.csv ] ||
         [ "$(readlink "$O/links/p1.csv")" != ../real/p.csv ] ||
         [ "$(readlink "$O/links/t.svg")" != "$O/real/t.svg" ]; then bad "a link was replaced";
    elif ! cmp -s "$O/real/p.csv" "$O/plain.csv" || ! cmp -s "$O/real/t.svg" "$O/plain.svg"; then
        bad "the targets do not hold the output";
    elif [ -n "$(t90_stray "$O/real")$(t90_stray "$O/links")" ]; then bad "temporary files left";
    else ok; fi
fi

begin "outputs: a dangling symbolic link is refused (exit 2, one line), nothing is created"
ln -s ../real/none.csv "$O/links/dangling"
msg=$(t90_refused "does not exist" pt predict "${T90_P[@]}" --out "$O/links/dangling"
      t90_refused "--log $O/links/dangling" pt tune "${T90_TUNE[@]}" --log "$O/links/dangling")
if [ -n "$msg" ]; then bad "$msg";
elif [ -e "$O/real/none.csv" ] || [ "$(readlink "$O/links/dangling")" != ../real/none.csv ]; then
    bad "the link or its target changed";
else ok; fi

begin "outputs: a FIFO is written through to its reader and stays a FIFO"
mkfifo "$O/fifo"
msg=""
for cmd in predict timeline model; do
    timeout 10 cat "$O/fifo" >"$O/fifo.out" &
    rpid=$!
    case $cmd in
    predict) pt predict "${T90_P[@]}" --out "$O/fifo" 2>"$O/e"; rc=$?; want=$O/plain.csv ;;
    timeline) ptlog timeline "$O/l.log" --out "$O/fifo" 2>"$O/e"; rc=$?; want=$O/plain.svg ;;
    model) pt tune "${T90_TUNE[@]}" --model-out "$O/fifo" >/dev/null 2>"$O/e"; rc=$?
           want=$O/m.ptm ;;
    esac
    wait $rpid
    if [ "$rc" -ne 0 ]; then msg="$cmd: exit $rc: $(cat "$O/e")"; break; fi
    if [ ! -p "$O/fifo" ]; then msg="$cmd: the FIFO was replaced"; break; fi
    if ! cmp -s "$O/fifo.out" "$want"; then msg="$cmd: the reader got something else"; break; fi
done
if [ -n "$msg" ]; then bad "$msg"; elif [ -n "$(t90_stray "$O")" ]; then bad "temporary files";
else ok; fi

begin "outputs: a character device node is written through, not replaced"
if [ "$(id -u)" -ne 0 ] || ! mknod "$O/null" c $((16#$(stat -c %t /dev/null))) \
     $((16#$(stat -c %T /dev/null))) 2>/dev/null; then
    skip "mknod needs root (a copy of /dev/null's node in the test directory)"
else
    pt predict "${T90_P[@]}" --out "$O/null" 2>"$O/e"; r1=$?
    pt tune "${T90_TUNE[@]}" --model-out "$O/null" >/dev/null 2>>"$O/e"; r2=$?
    if [ $r1 -ne 0 ] || [ $r2 -ne 0 ]; then bad "exit $r1 $r2: $(cat "$O/e")";
    elif [ ! -c "$O/null" ]; then bad "the device node was replaced";
    elif [ -n "$(t90_stray "$O")" ]; then bad "temporary files";
    else ok; fi
    rm -f "$O/null"
fi

begin "outputs: --out -, /dev/fd/N, /proc/self/fd/N and a link to /dev/stdout write to that descriptor"
ln -s /dev/stdout "$O/links/stdout"
echo "first line" >"$O/app.csv"
(cd "$O" && pt predict "${T90_P[@]}" --out - >"$O/dash.csv" 2>"$O/e"); r1=$?
pt predict "${T90_P[@]}" --out /proc/self/fd/1 2>>"$O/e" | cat >"$O/proc.csv"; r2=${PIPESTATUS[0]}
pt predict "${T90_P[@]}" --out "$O/links/stdout" >"$O/link.csv" 2>>"$O/e"; r3=$?
pt predict "${T90_P[@]}" --out /dev/fd/3 3>>"$O/app.csv" 2>>"$O/e"; r4=$?
ptlog timeline "$O/l.log" --out /dev/fd/4 4>"$O/fd4.svg" 2>>"$O/e"; r5=$?
if [ "$r1$r2$r3$r4$r5" != 00000 ]; then bad "exit $r1 $r2 $r3 $r4 $r5: $(cat "$O/e")";
elif [ -e "$O/-" ]; then bad "a file named - was created";
elif [ ! -L "$O/links/stdout" ]; then bad "the link to /dev/stdout was replaced";
elif ! cmp -s "$O/dash.csv" "$O/plain.csv" || ! cmp -s "$O/proc.csv" "$O/plain.csv" ||
     ! cmp -s "$O/link.csv" "$O/plain.csv" || ! cmp -s "$O/fd4.svg" "$O/plain.svg"; then
    bad "the descriptor did not get the output";
elif [ "$(head -1 "$O/app.csv")" != "first line" ] ||
     ! cmp -s <(tail -n +2 "$O/app.csv") "$O/plain.csv"; then
    bad "an appending descriptor was not appended to";
else ok; fi

begin "outputs: a directory, a block device node, a socket are refused (exit 2, one line)"
mkdir -p "$O/adir"
/usr/bin/python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$O/sock"
msg=$(t90_refused "is a directory" pt predict "${T90_P[@]}" --out "$O/adir"
      t90_refused "is a socket" pt predict "${T90_P[@]}" --out "$O/sock"
      t90_refused "is a directory" pt tune "${T90_TUNE[@]}" --model-out "$O/adir"
      t90_refused "is a socket" ptlog timeline "$O/l.log" --out "$O/sock")
if [ "$(id -u)" -eq 0 ] && mknod "$O/blk" b 7 0 2>/dev/null; then
    msg="$msg$(t90_refused "is a block device" pt predict "${T90_P[@]}" --out "$O/blk")"
    [ -b "$O/blk" ] || msg="$msg the block device node was replaced"
    rm -f "$O/blk"
fi
if [ -n "$msg" ]; then bad "$msg";
elif [ ! -S "$O/sock" ] || [ -n "$(ls -A "$O/adir")" ]; then bad "something was replaced";
else ok; fi
rm -f "$O/sock"

begin "outputs: an output that is an input (by name, hard or symbolic link) is refused first"
cp "$O/d.csv" "$O/d.keep"
cp "$O/m.ptm" "$O/m.keep"
cp "$O/l.log" "$O/l.keep"
ln "$O/d.csv" "$O/hard.csv"
ln -s d.csv "$O/soft.csv"
mkdir -p "$O/sub"
ln -s sub "$O/subl"
printf 'not a model\n' >"$O/junk.ptm"
msg=$(t90_refused "--out $O/d.csv: the same file as --data" pt predict "${T90_P[@]}" --out "$O/d.csv"
      t90_refused "the same file as --data" pt predict "${T90_P[@]}" --out "$O/hard.csv"
      t90_refused "the same file as --data" pt predict "${T90_P[@]}" --out "$O/soft.csv"
      t90_refused "the same file as --model" pt predict "${T90_P[@]}" --out "$O/m.ptm"
      # before the model is read: its junk is not what is reported
      t90_refused "the same file as --model" pt predict --model "$O/junk.ptm" --data "$O/d.csv" --out "$O/junk.ptm"
      t90_refused "--log $O/hard.csv: the same file as --data" pt tune "${T90_TUNE[@]}" --log "$O/hard.csv" --overwrite
      t90_refused "--model-out $O/soft.csv: the same file as --data" pt tune "${T90_TUNE[@]}" --model-out "$O/soft.csv"
      t90_refused "--model-out $O/subl/x: the same file as --log" pt tune "${T90_TUNE[@]}" --log "$O/sub/x" --model-out "$O/subl/x"
      t90_refused "--out $O/l.log: the same file as the log" ptlog timeline "$O/l.log" --out "$O/l.log")
if [ -n "$msg" ]; then bad "$msg";
elif ! cmp -s "$O/d.csv" "$O/d.keep" || ! cmp -s "$O/m.ptm" "$O/m.keep" ||
     ! cmp -s "$O/l.log" "$O/l.keep" || [ "$(cat "$O/junk.ptm")" != "not a model" ]; then
    bad "an input changed";
elif [ -n "$(ls -A "$O/sub")" ] || [ -n "$(t90_stray "$O")" ]; then bad "files written";
else ok; fi

begin "outputs: tune --model-out - is refused: standard output has the report"
(cd "$O" && pt tune "${T90_TUNE[@]}" --model-out - >"$O/r.out" 2>"$O/r.err"); rc=$?
if [ $rc -ne 2 ] || ! grep -qF -- "--model-out -: the same file as the report" "$O/r.err"; then
    bad "exit $rc: $(cat "$O/r.err")";
elif [ -e "$O/-" ]; then bad "a file named - was created";
else ok; fi

begin "outputs: a missing directory, a file as directory, a read-only one: exit 2 before any work"
echo text >"$O/plain.txt"
msg=$(t90_refused "--model-out $O/nodir/m.ptm: cannot create: directory $O/nodir does not exist" pt tune "${T90_TUNE[@]}" --model-out "$O/nodir/m.ptm"
      t90_refused "--log $O/nodir/l.log: cannot create: directory $O/nodir does not exist" pt tune "${T90_TUNE[@]}" --log "$O/nodir/l.log"
      t90_refused "--model-out $O/plain.txt/m.ptm: cannot create: $O/plain.txt is not a directory" pt tune "${T90_TUNE[@]}" --model-out "$O/plain.txt/m.ptm"
      t90_refused "--out $O/nodir/p.csv: cannot create: directory $O/nodir does not exist" pt predict "${T90_P[@]}" --out "$O/nodir/p.csv"
      # the outputs come first: not even the missing data file is looked at
      t90_refused "--out $O/nodir/p.csv" pt predict --model "$O/none.ptm" --data "$O/none.csv" --out "$O/nodir/p.csv")
# a directory this user may not write: as nobody, when this runs as root and setpriv works
if [ -z "$msg" ] && [ "$(id -u)" -eq 0 ] &&
   setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
    ro=$(mktemp -d /tmp/paratune-t90ro.XXXXXX) # outside $W, which nobody may not enter
    chmod 755 "$ro"
    msg=$(t90_refused "--out $ro/p.csv: cannot create: directory $ro is not writable" timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN/paratune" predict --model x --data y --out "$ro/p.csv")
    [ -n "$(ls -A "$ro")" ] && msg="$msg files created in $ro"
    rm -rf "$ro"
fi
if [ -n "$msg" ]; then bad "$msg"; elif [ -e "$O/nodir" ]; then bad "created a directory";
else ok; fi

begin "outputs: --log must be a regular file: a FIFO or a descriptor is refused, not replaced"
msg=$(t90_refused "--log $O/fifo: must be a regular file" pt tune "${T90_TUNE[@]}" --log "$O/fifo" --overwrite
      t90_refused "--log /dev/fd/1: must be a regular file" pt tune "${T90_TUNE[@]}" --log /dev/fd/1)
if [ -n "$msg" ]; then bad "$msg"; elif [ ! -p "$O/fifo" ]; then bad "the FIFO was replaced"; else ok; fi

begin "outputs: --log through a symbolic link: --overwrite replaces its target, --resume appends"
pt tune "${T90_TUNE[@]}" --log "$O/real/run.log" >/dev/null 2>&1
ln -s ../real/run.log "$O/links/run.log"
pt tune "${T90_TUNE[@]}" --log "$O/links/run.log" --overwrite >/dev/null 2>"$O/e"; r1=$?
n1=$($PY "$HERE/logtool.py" count "$O/real/run.log" 2>/dev/null)
# no summary and a torn last result: --resume runs that job again, through the link
$PY "$HERE/logtool.py" cut "$O/real/run.log" "$O/cut.log" && cp "$O/cut.log" "$O/real/run.log"
pt tune "${T90_TUNE[@]}" --log "$O/links/run.log" --resume >/dev/null 2>>"$O/e"; r2=$?
n2=$($PY "$HERE/logtool.py" count "$O/real/run.log" 2>/dev/null)
if [ $r1 -ne 0 ] || [ $r2 -ne 0 ]; then bad "exit $r1 $r2: $(cat "$O/e")";
elif [ ! -L "$O/links/run.log" ] || [ "$(readlink "$O/links/run.log")" != ../real/run.log ]; then
    bad "the link was replaced";
elif [ -z "$n1" ] || [ "$n1" != "$n2" ]; then bad "records: $n1 after --overwrite, $n2 after --resume";
elif [ -n "$(t90_stray "$O/real")$(t90_stray "$O/links")" ]; then bad "temporary files";
else ok; fi
