#!/usr/bin/env python3
"""funclen.py DIR... - the longest C functions under the folders given, from the line naming a
top-level function to its closing brace at column 0 (N=10 rows, or $N). For the layout
targets of the code review: none over 150 lines in coordinator/ and workerproc/, 200 elsewhere."""
import re, sys, os
rows = []
for root in sys.argv[1:]:
    for dp, dn, fn in os.walk(root):
        for f in fn:
            if not f.endswith('.c'): continue
            p = os.path.join(dp, f)
            lines = open(p, errors='replace').read().split('\n')
            start = None; name = None
            for i, l in enumerate(lines):
                if start is None and l.startswith('{') and i > 0:
                    # find the signature line above
                    j = i - 1
                    while j > 0 and not re.search(r'\b(\w+)\s*\(', lines[j]): j -= 1
                    m = re.findall(r'\b(\w+)\s*\(', lines[j])
                    if m: start, name = j, m[0]
                elif start is not None and l.startswith('}'):
                    rows.append((i - start + 1, f"{p}:{start+1}", name)); start = None
rows.sort(reverse=True)
n = int(os.environ.get('N', '10'))
for r in rows[:n]: print(f"{r[0]:5d}  {r[2]:32s} {r[1]}")
