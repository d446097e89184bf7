"""tests/lib/kt.py: client-side helpers for the shell test harness.

Run with Debian's /usr/bin/python3 (servers.sh does). Subcommands:
  free-port                              print a free TCP port on 127.0.0.1
  imap-login PORT USER PASS [--ssl|--starttls CAFILE]   exit 0 ok, 1 refused
  imap-append PORT USER PASS MAILBOX FILE                 APPEND, prints the UID
  imap-count PORT USER PASS MAILBOX                       prints the message count
  imap-status PORT USER PASS MAILBOX ITEM                 ITEM: UIDVALIDITY, UIDNEXT...
  smtp-send PORT FROM TO[,TO...] FILE                     prints '250' or the
        server's code and exits 0 if accepted, 4 for 4xx, 5 for 5xx, 3 if the
        connection broke, 2 on other errors
Messages are sent as bytes, unchanged (files should use CRLF line ends).
"""
import imaplib
import random
import re
import smtplib
import socket
import ssl
import sys


def free_port():
    # Stay below the kernel's ephemeral range (32768-60999) so an outgoing
    # connection cannot take the port between this check and the bind.
    for _ in range(200):
        port = random.randint(20000, 32000)
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            s.close()
        return port
    sys.exit("no free port")


def imap(port, user, pw, mode=None, cafile=None):
    if mode == "--ssl":
        ctx = ssl.create_default_context(cafile=cafile)
        m = imaplib.IMAP4_SSL("127.0.0.1", int(port), ssl_context=ctx, timeout=10)
    else:
        m = imaplib.IMAP4("127.0.0.1", int(port), timeout=10)
        if mode == "--starttls":
            m.starttls(ssl.create_default_context(cafile=cafile))
    m.login(user, pw)
    return m


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "free-port":
        print(free_port())
    elif cmd == "imap-login":
        try:
            imap(*args[:3], *args[3:5]).logout()
        except imaplib.IMAP4.error as e:
            print(e, file=sys.stderr)
            return 1
    elif cmd == "imap-append":
        port, user, pw, box, path = args
        m = imap(port, user, pw)
        with open(path, "rb") as f:
            typ, data = m.append(box, None, None, f.read())
        if typ != "OK":
            print(typ, data, file=sys.stderr)
            return 1
        uid = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
        print(uid.group(1).decode() if uid else "")
        m.logout()
    elif cmd in ("imap-count", "imap-status"):
        port, user, pw, box = args[:4]
        item = args[4].upper() if cmd == "imap-status" else "MESSAGES"
        m = imap(port, user, pw)
        typ, data = m.status(box, f"({item})")
        if typ != "OK":
            return 1
        print(re.search(rf"{item} (\d+)".encode(), data[0]).group(1).decode())
        m.logout()
    elif cmd == "smtp-send":
        port, frm, to, path = args
        with open(path, "rb") as f:
            msg = f.read()
        try:
            with smtplib.SMTP("127.0.0.1", int(port), timeout=10) as s:
                refused = s.sendmail(frm, to.split(","), msg)
                if refused:
                    print(" ".join(str(c) for c, _ in refused.values()))
                    return 4
        except smtplib.SMTPRecipientsRefused as e:
            code = list(e.recipients.values())[0][0]
            print(code)
            return code // 100
        except smtplib.SMTPResponseException as e:
            print(e.smtp_code)
            return e.smtp_code // 100 if e.smtp_code >= 400 else 2
        except (smtplib.SMTPServerDisconnected, ConnectionError) as e:
            print("disconnected:", e)
            return 3
        print(250)
    else:
        sys.exit(f"unknown command {cmd}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
