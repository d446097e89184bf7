# imapx.py: many APPENDs over one IMAP connection (kt.py logs in per
# message, too slow for a backlog), and counts by SEARCH, straight to
# Dovecot.  For tests/e2e/090 and 095:
#   imapx.py gen-append PORT USER MAILBOX N TAG TEMPLATE
#   imapx.py append PORT USER MAILBOX FILE...
#   imapx.py count PORT USER MAILBOX [SEARCH...]
import imaplib, re, sys
cmd, port, user = sys.argv[1], int(sys.argv[2]), sys.argv[3]
m = imaplib.IMAP4("127.0.0.1", port, timeout=20)
m.login(user, "secret")
if cmd == "gen-append":      # gen-append PORT USER MAILBOX N TAG TEMPLATE
    box, n, tag, tpl = sys.argv[4], int(sys.argv[5]), sys.argv[6], open(sys.argv[7], "rb").read()
    m.create(box)            # NO when it exists: fine
    for i in range(n):
        # Unique Message-ID and Event ID (the same rewrite sed would do).
        msg = re.sub(rb"(?m)^Message-ID: .*$", b"Message-ID: <%s-%d@kt.example>" % (tag.encode(), i), tpl)
        msg = re.sub(rb"Event ID: \d+", b"Event ID: %d" % (8000000000000000000 + hash(tag) % 10**12 * 1000 + i), msg)
        typ, data = m.append(box, None, None, msg.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
        if typ != "OK":
            sys.exit("append failed: %r" % data)
elif cmd == "append":        # append PORT USER MAILBOX FILE...
    box = sys.argv[4]
    m.create(box)
    for f in sys.argv[5:]:
        typ, data = m.append(box, None, None, open(f, "rb").read())
        if typ != "OK":
            sys.exit("append failed: %r" % data)
elif cmd == "count":         # count PORT USER MAILBOX [SEARCH...]
    typ, _ = m.select(sys.argv[4], readonly=True)
    if typ != "OK":
        print(0)
    else:
        typ, data = m.uid("SEARCH", None, *(sys.argv[5:] or ["ALL"]))
        print(len(data[0].split()))
m.logout()
