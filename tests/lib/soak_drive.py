"""tests/lib/soak_drive.py: feed a running kenchi daemon a steady stream of
alert mail over IMAP and sample its memory (tests/e2e/165-soak.sh, bench/soak).

    /usr/bin/python3 soak_drive.py --port P --user U --password PW --corpus DIR
        --rate R --seconds S --pid PID --db DB --out PREFIX
        [--mailbox INBOX] [--sample 2] [--drain 300]
        [--warmup N --warmup-rate R2]

Appends the messages of the maildir DIR (bench/gen-corpus.py output; each
used once, in file-name order) to MAILBOX at R messages a second for S
seconds, on one IMAP connection, on a fixed schedule (message i at
start + i/R, so a slow APPEND does not lower the rate).  Each message's top
Received header gets the current time, so kenchi sees fresh alerts: cases
open and first reports are queued as in production, not held as stale.
With --warmup, N messages go first at R2 a second, and the steady stream
starts once all of them are stored (a warm-up: caches fill, pages of code
are touched, before memory is judged).  Every SAMPLE seconds, from the
start to the end, it reads VmRSS and VmHWM of PID from /proc and the
number of stored IMAP messages from DB; after the stream it goes on until
DB holds every appended message or DRAIN seconds have passed.

Writes PREFIX.rss ("seconds rss_kb hwm_kb stored appended phase", seconds
since the start, phase "warmup", "append" (the steady stream) or "drain"),
PREFIX.appends ("uid start end message-id phase": epoch seconds just before
the APPEND was sent and after its reply), and prints a one-line JSON
summary.  Exit 0 when every message was stored, 1 if not, 2 if PID died.
Standard library only.
"""
import argparse
import email.utils
import imaplib
import json
import os
import re
import sqlite3
import sys
import time

TOP_RECEIVED_DATE = re.compile(rb"(\r?\n\tfor <[^>\r\n]*>; )[^\r\n]*")
MESSAGE_ID = re.compile(rb"(?im)^Message-ID:\s*<([^>\r\n]*)>")
APPENDUID = re.compile(rb"APPENDUID \d+ (\d+)")


def status_kb(pid):
    """(VmRSS, VmHWM) in kB, or None when the process is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            st = f.read()
    except OSError:
        return None
    if "\nState:\tZ" in st:
        return None
    get = lambda k: int(re.search(r"\n%s:\s+(\d+) kB" % k, st).group(1))
    return get("VmRSS"), get("VmHWM")


def stored(db):
    try:
        c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
        try:
            return c.execute("select count(*) from messages where source = 'imap'").fetchone()[0]
        finally:
            c.close()
    except sqlite3.Error:
        return -1   # not created yet, or busy past the timeout: next sample


def corpus(d):
    files = []
    for sub in ("new", "cur"):
        p = os.path.join(d, sub)
        if os.path.isdir(p):
            files += [os.path.join(p, f) for f in os.listdir(p)]
    return sorted(files, key=os.path.basename)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--mailbox", default="INBOX")
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--sample", type=float, default=2.0)
    ap.add_argument("--drain", type=float, default=300.0)
    ap.add_argument("--warmup", type=int, default=0)
    ap.add_argument("--warmup-rate", type=float, default=40.0)
    a = ap.parse_args()

    files = corpus(a.corpus)
    total = a.warmup + int(a.rate * a.seconds)
    if len(files) < total:
        sys.exit("soak_drive: the corpus holds %d messages, %d needed" % (len(files), total))
    m = imaplib.IMAP4("127.0.0.1", a.port, timeout=60)
    m.login(a.user, a.password)
    rss_f = open(a.out + ".rss", "w", buffering=1)
    app_f = open(a.out + ".appends", "w", buffering=1)
    start = time.time()
    st = {"appended": 0, "next_sample": start, "dead": False}
    samples = []

    def sample(phase):
        s = status_kb(a.pid)
        if s is None:
            st["dead"] = True
            return False
        row = (time.time() - start, s[0], s[1], stored(a.db), st["appended"], phase)
        samples.append(row)
        rss_f.write("%.1f %d %d %d %d %s\n" % row)
        return True

    def append_one(phase):
        data = open(files[st["appended"]], "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        head_end = data.find(b"\r\n\r\n")
        head = TOP_RECEIVED_DATE.sub(lambda mo: mo.group(1) + email.utils.formatdate().encode(),
                                     data[:head_end], count=1)
        data = head + data[head_end:]
        mid = MESSAGE_ID.search(data)
        t0 = time.time()
        typ, resp = m.append(a.mailbox, None, None, data)
        t1 = time.time()
        if typ != "OK":
            sys.exit("soak_drive: APPEND failed: %r" % resp)
        uid = APPENDUID.search(resp[0] or b"")
        app_f.write("%s %.6f %.6f %s %s\n" % (uid.group(1).decode() if uid else "?", t0, t1,
                                              mid.group(1).decode() if mid else "?", phase))
        st["appended"] += 1

    def stream(count, rate, phase):
        """COUNT messages at RATE a second, sampling on schedule."""
        t_start = time.time()
        first = st["appended"]
        while st["appended"] < first + count:
            now = time.time()
            due = t_start + (st["appended"] - first) / rate
            if now >= st["next_sample"]:
                if not sample(phase):
                    return False
                st["next_sample"] += a.sample
            elif now < due:
                time.sleep(min(due, st["next_sample"]) - now)
            else:
                append_one(phase)
        return True

    def drain(phase, limit):
        """Sample until every appended message is stored, or LIMIT seconds."""
        t_end = time.time()
        while sample(phase):
            if samples[-1][3] >= st["appended"] or time.time() - t_end > limit:
                return samples[-1][3] >= st["appended"]
            time.sleep(a.sample)
        return False

    ok = True
    if a.warmup:
        ok = stream(a.warmup, a.warmup_rate, "warmup") and drain("warmup", a.drain)
        st["next_sample"] = time.time()
    steady_start = time.time()
    if ok:
        ok = stream(int(a.rate * a.seconds), a.rate, "append")
    steady_end = time.time()
    m.logout()
    if not st["dead"]:
        drain("drain", a.drain)
    dead = st["dead"]
    appended = st["appended"]
    final = stored(a.db)
    rss = [s[1] for s in samples]
    print(json.dumps({"appended": appended, "stored": final, "warmup": a.warmup,
                      "warmup_seconds": round(steady_start - start, 1),
                      "seconds": round(steady_end - steady_start, 1),
                      "drain_seconds": round(time.time() - steady_end, 1), "samples": len(samples),
                      "rss_max_kb": max(rss) if rss else None, "hwm_kb": samples[-1][2] if samples else None,
                      "daemon_died": dead}))
    if dead:
        return 2
    return 0 if final == appended else 1


if __name__ == "__main__":
    sys.exit(main())
