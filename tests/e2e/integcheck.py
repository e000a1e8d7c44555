#!/usr/bin/python3
"""integcheck.py - damages paratune model files and logs for t_91_integrity.sh.

  integcheck.py flips MODEL DATA BASELINE PARATUNE N SEED
        flips one byte (xor a random non-zero value) at N positions of MODEL (every position
        when the file is shorter; the first and last 16 bytes always), runs
        `PARATUNE predict` on each damaged copy and checks that it either refuses (exit 2, one
        stderr line) or predicts exactly BASELINE with exit 0. Prints "refused R of N".
  integcheck.py nan MODEL OUT       MODEL with its first coefficient NaN, and a correct crc
  integcheck.py recs LOG            the byte offset of each record, one a line
  integcheck.py setfield LOG OUT I KEY JSON
        LOG with field KEY of record I set to the JSON value, the record's crc recomputed
  integcheck.py splice LOG OUT I WHAT
        LOG with record I damaged: WHAT "hugestr" puts a str32 header declaring 0xffffff00
        bytes in place of the record's first fixstr header; "hugearray" puts an array32 of
        0xffffffff elements in place of its "params" map header; "flip" flips a bit of the
        last byte of its "metric" float (the crc is left as it was)
  integcheck.py strip LOG OUT       LOG without any crc field (a log written before them)
"""
import json
import os
import random
import subprocess
import sys
import tempfile

import msgpack


def crc32c(data):
    """CRC-32C bit by bit (polynomial 0x82F63B78 reflected): the reference the format names."""
    c = 0xFFFFFFFF
    for b in data:
        c ^= b
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    return c ^ 0xFFFFFFFF


def with_crc(obj):
    """obj (a dict) packed with "crc" as its last entry, as paratune writes it."""
    obj = dict(obj)
    obj.pop("crc", None)
    obj["crc"] = 0xFFFFFFFF  # >= 2**16: packed as 0xce + 4 bytes
    b = bytearray(msgpack.packb(obj, use_bin_type=True))
    assert b[-5] == 0xCE
    b[-4:] = crc32c(bytes(b[:-5])).to_bytes(4, "big")
    return bytes(b)


def records(data):
    """(offset, end, record) of each whole record."""
    up = msgpack.Unpacker(raw=False, strict_map_key=False)
    up.feed(data)
    out, off = [], 0
    for rec in up:
        end = up.tell()
        out.append((off, end, rec))
        off = end
    return out


def flips(model, data, baseline, paratune, n, seed):
    raw = open(model, "rb").read()
    want = open(baseline, "rb").read()
    rnd = random.Random(int(seed))
    pos = list(range(len(raw)))
    if len(raw) > n:
        ends = pos[:16] + pos[-16:]
        pos = sorted(set(ends + rnd.sample(pos[16:-16], n - len(ends))))
    tmp = tempfile.mkdtemp(dir=os.environ.get("TMPDIR"))
    bad, refused = [], 0
    for p in pos:
        b = bytearray(raw)
        b[p] ^= rnd.randrange(1, 256)
        path = os.path.join(tmp, "m.ptm")
        out = os.path.join(tmp, "p.csv")
        open(path, "wb").write(b)
        if os.path.exists(out):
            os.remove(out)
        r = subprocess.run([paratune, "predict", "--model", path, "--data", data, "--out", out],
                           capture_output=True, timeout=60)
        err = r.stderr.decode(errors="replace")
        if r.returncode == 2:
            if err.count("\n") != 1 or not err.startswith("paratune: ") or os.path.exists(out):
                bad.append("byte %d: refused with %r" % (p, err))
            refused += 1
        elif r.returncode != 0:
            bad.append("byte %d: exit %d: %s" % (p, r.returncode, err))
        elif open(out, "rb").read() != want:
            bad.append("byte %d: other predictions with exit 0" % p)
    if bad:
        sys.exit("%d of %d flips wrong: %s" % (len(bad), len(pos), "; ".join(bad[:5])))
    print("refused %d of %d" % (refused, len(pos)))


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "flips":
        flips(a[0], a[1], a[2], a[3], int(a[4]), a[5])
    elif cmd == "nan":
        m = msgpack.unpackb(open(a[0], "rb").read(), raw=False, strict_map_key=False)
        m["pipeline"]["coefficients"][0] = float("nan")
        open(a[1], "wb").write(with_crc(m))
    elif cmd == "recs":
        for off, _, _ in records(open(a[0], "rb").read()):
            print(off)
    elif cmd == "setfield":
        data = open(a[0], "rb").read()
        recs = records(data)
        off, end, rec = recs[int(a[2])]
        rec[a[3]] = json.loads(a[4])
        open(a[1], "wb").write(data[:off] + with_crc(rec) + data[end:])
    elif cmd == "splice":
        data = open(a[0], "rb").read()
        off, end, rec = records(data)[int(a[2])]
        r = bytearray(data[off:end])
        if a[3] == "hugestr":
            i = next(i for i in range(1, len(r)) if 0xA0 <= r[i] <= 0xBF)
            r[i:i + 1] = b"\xdb\xff\xff\xff\x00"
        elif a[3] == "hugearray":
            i = r.index(b"\xa6params") + 7
            assert 0x80 <= r[i] <= 0x8F
            r[i:i + 1] = b"\xdd\xff\xff\xff\xff"
        elif a[3] == "flip":
            i = r.index(b"\xa6metric\xcb") + 8
            r[i + 7] ^= 1
        open(a[1], "wb").write(data[:off] + bytes(r) + data[end:])
    elif cmd == "strip":
        out = b""
        for _, _, rec in records(open(a[0], "rb").read()):
            rec.pop("crc", None)
            out += msgpack.packb(rec, use_bin_type=True)
        open(a[1], "wb").write(out)
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
