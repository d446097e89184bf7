"""tests/lib/smtp_sink.py: aiosmtpd handler that stores messages byte-exact.

    SMTP_MAILDIR=DIR SMTP_CTL=FILE PYTHONPATH=tests/lib \
      /usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_sink.Sink

Each accepted message is written unchanged (the DATA bytes after
dot-unstuffing, CRLF kept) to DIR/new/NAME via DIR/tmp. The envelope goes to
DIR/env/NAME ("X-Sink-From: ..." and one "X-Sink-Rcpt: ..." per recipient),
never into the message. Every reply is logged to DIR/../smtp-sink.log.

SMTP_CTL is re-read at each RCPT and DATA, so a test can change behaviour
while the server runs:
  ok            accept (default)
  tempfail      451 at DATA          rcpt-tempfail  451 at RCPT
  permfail      550 at DATA          rcpt-permfail  550 at RCPT
  NNN           reply code NNN at DATA (e.g. 452, 554)
  refuse=ADDR   550 at RCPT for ADDR only
  drop-in-data  close the connection after the data, before any reply
When SMTP_CTL says ok, SMTP_FAIL_WITH=NNN makes DATA answer NNN once
SMTP_FAIL_AFTER (default 0) messages have been accepted.
"""
import os
import time

CODES = {"tempfail": 451, "permfail": 550, "rcpt-tempfail": 451, "rcpt-permfail": 550}


class Sink:
    def __init__(self):
        self.dir = os.environ["SMTP_MAILDIR"]
        self.ctl = os.environ.get("SMTP_CTL", "")
        self.fail_with = int(os.environ.get("SMTP_FAIL_WITH") or 0)
        self.fail_after = int(os.environ.get("SMTP_FAIL_AFTER") or 0)
        self.log = os.path.join(os.path.dirname(self.dir.rstrip("/")), "smtp-sink.log")
        self.accepted = 0
        self.seq = 0

    def mode(self):
        try:
            with open(self.ctl) as f:
                return f.read().strip() or "ok"
        except OSError:
            return "ok"

    def note(self, text):
        with open(self.log, "a") as f:
            f.write(f"{time.time():.3f} {text}\n")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        mode = self.mode()
        if mode.startswith("refuse="):
            if address.lower() == mode[7:].lower():
                self.note(f"RCPT {address} -> 550")
                return "550 sink: refused"
        elif mode.startswith("rcpt-"):
            self.note(f"RCPT {address} -> {CODES[mode]}")
            return f"{CODES[mode]} sink: {mode}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        mode = self.mode()
        code = CODES.get(mode) or (int(mode) if mode.isdigit() else 0)
        if mode == "ok" and self.fail_with and self.accepted >= self.fail_after:
            code = self.fail_with
        if mode == "drop-in-data":
            self.note("DATA -> dropped connection")
            server.transport.abort()
            return "421 dropped"  # never reaches the client
        if code:
            self.note(f"DATA -> {code}")
            return f"{code} sink: {mode if mode != 'ok' else 'fail-with'}"
        self.seq += 1
        name = f"{time.time():.6f}.{os.getpid()}_{self.seq}.sink"
        tmp = os.path.join(self.dir, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(envelope.original_content)
        with open(os.path.join(self.dir, "env", name), "w") as f:
            f.write(f"X-Sink-From: {envelope.mail_from}\n")
            f.writelines(f"X-Sink-Rcpt: {r}\n" for r in envelope.rcpt_tos)
        os.rename(tmp, os.path.join(self.dir, "new", name))
        self.accepted += 1
        self.note(f"DATA -> 250 {name}")
        return "250 OK"
