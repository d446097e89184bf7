#!/usr/bin/python3
r"""check_expected.py KENCHI BASEDIR EXPECTED.TSV [extra kenchi args...]

Runs `kenchi parse` once over every file named in EXPECTED.TSV (paths
relative to BASEDIR) and prints one TAP line per file: kind, event count and
every N:field.path=value check.  In a check value \s is a space and \\ a
backslash; any other backslash is itself, so C:\Program\sFiles\Acme is
"C:\Program Files\Acme" and C:\Users\\sato is "C:\Users\sato".  An
empty value ("N:field=") wants the field absent."""
import json, subprocess, sys

def unescape(v):
    out, i = [], 0
    while i < len(v):
        if v[i] == '\\' and i + 1 < len(v) and v[i + 1] in 's\\':
            out.append(' ' if v[i + 1] == 's' else '\\')
            i += 2
        else:
            out.append(v[i])
            i += 1
    return ''.join(out)

def get(ev, path):
    cur = ev
    for seg in path.split('.'):
        if seg.endswith(']'):
            name, idx = seg[:-1].split('[')
            cur = cur.get(name) if isinstance(cur, dict) else None
            if not isinstance(cur, list) or len(cur) <= int(idx):
                return None
            cur = cur[int(idx)]
        else:
            cur = cur.get(seg) if isinstance(cur, dict) else None
        if cur is None:
            return None
    return cur

def main():
    kenchi, base, tsv = sys.argv[1:4]
    extra = sys.argv[4:]
    rows = []
    for line in open(tsv, encoding='utf-8'):
        line = line.rstrip('\n')
        if not line or line.startswith('#'):
            continue
        cols = line.split('\t')
        while len(cols) < 4:
            cols.append('')
        rows.append(cols)
    files = [base + '/' + r[0] for r in rows]
    p = subprocess.run([kenchi] + extra + ['parse', '--json'] + files, capture_output=True, timeout=600)
    outs = [json.loads(l) for l in p.stdout.decode('utf-8').split('\n') if l.strip()]
    byfile = {o['file']: o for o in outs}
    print('1..%d' % len(rows))
    failed = 0
    for i, (path, kind, nev, checks) in enumerate(rows, 1):
        o = byfile.get(base + '/' + path)
        problems = []
        if o is None:
            problems.append('no output')
        else:
            if o.get('kind') != kind:
                problems.append('kind %s, want %s (%s)' % (o.get('kind'), kind, o.get('reason')))
            evs = o.get('events', [])
            if str(len(evs)) != nev:
                problems.append('%d events, want %s' % (len(evs), nev))
            for c in checks.split():
                n, rest = c.split(':', 1)
                field, want = rest.split('=', 1)
                want = unescape(want)
                n = int(n)
                got = get(evs[n], field) if n < len(evs) else None
                if want == '':   # "N:field=" : the field must be absent
                    if got is not None:
                        problems.append('%d:%s = %r, want it absent' % (n, field, got))
                elif got is None or str(got) != want:
                    problems.append('%d:%s = %r, want %r' % (n, field, got, want))
        if problems:
            failed += 1
            print('not ok %d - %s' % (i, path))
            for pr in problems:
                print('#   ' + pr)
        else:
            print('ok %d - %s' % (i, path))
    if p.returncode not in (0, 65):
        print('# kenchi parse exited %d: %s' % (p.returncode, p.stderr.decode('utf-8', 'replace')[:2000]))
    return 0

sys.exit(main())
