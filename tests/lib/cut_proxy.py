"""tests/lib/cut_proxy.py: a TCP proxy that breaks IMAP connections on purpose.

    /usr/bin/python3 cut_proxy.py LISTEN_PORT UPSTREAM_PORT CTL_FILE LOG_FILE

Listens on 127.0.0.1:LISTEN_PORT and relays every connection to
127.0.0.1:UPSTREAM_PORT (Dovecot), unchanged, until the fault named in
CTL_FILE happens.  CTL_FILE is read when a connection is accepted, and the
fault chosen then holds for that connection's life: a test changes the
faults of the next connections by rewriting it (write a temporary file,
then rename it over CTL_FILE).  Its first line applies; a line ending in xC
applies to the next C connections and is then removed, so that the next
line applies; an empty file means "pass".  Lines:

  pass                          relay, never cut
  fetch N K rst|fin|stall [xC]  in the server's replies, count the literals of
                                FETCH responses that carry a body (BODY[...]
                                {n}); forward K bytes of the Nth one, then
                                cut (at most n-1 bytes, so the cut is always
                                inside the literal); stall: forward nothing
                                more, and hold the connection open until the
                                client closes it
  command REGEX before|after rst|fin [xC]   (REGEX without spaces: \\s)
                                when the client sends a command line matching
                                REGEX (Python re, searched in the line):
                                "before": cut without forwarding it;
                                "after": forward it, swallow the server's
                                tagged reply to it, then cut (the server did
                                the work, the client never hears so)

rst: close with SO_LINGER 0, so the client gets a TCP reset (ECONNRESET);
fin: an orderly close, so the client reads end-of-file.  The server side is
closed at the same moment.

LOG_FILE gets one line per event, flushed at once, for the test to check
that the fault really happened:
  conn 3 open mode=fetch 2 512 rst x1
  conn 3 cut rst in FETCH literal 2 after 512 of 1923 bytes
  conn 3 cut fin before command: 7 UID MOVE 4:5 Processed
  conn 3 cut rst after command: 7 UID MOVE 4:5 Processed (reply 7 OK ... swallowed)
  conn 3 closed c2s=1234 s2c=5678

Standard library only; one thread per connection, which owns both sockets
(a select loop), so a cut never races with a read in another thread.
"""
import os
import re
import select
import socket
import struct
import sys
import threading

LIT_RE = re.compile(rb"\{(\d+)\+?\}\r?\n$")
FETCH_RE = re.compile(rb"^\* \d+ FETCH ", re.I)
BODY_RE = re.compile(rb"BODY\[", re.I)


class Log:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1)
        self.lock = threading.Lock()

    def __call__(self, line):
        with self.lock:
            self.f.write(line + "\n")
            self.f.flush()


class Ctl:
    """The fault for the next connection, from CTL_FILE; counts xC down."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    def take(self):
        """The fault of a new connection: words of the first line, and the line."""
        with self.lock:
            try:
                with open(self.path) as f:
                    lines = [l.strip() for l in f if l.strip()]
            except OSError:
                lines = []
            if not lines:
                return ["pass"], "pass"
            line = lines[0]
            words = line.split()
            if words[-1].startswith("x") and words[-1][1:].isdigit():
                left = int(words[-1][1:]) - 1
                words = words[:-1]
                rest = ([" ".join(words) + " x%d" % left] if left > 0 else []) + lines[1:]
                tmp = self.path + ".proxy"
                with open(tmp, "w") as f:
                    f.write("\n".join(rest or ["pass"]) + "\n")
                os.rename(tmp, self.path)
            return words, line


class ServerStream:
    """Follows the server->client byte stream as IMAP lines and literals.

    feed(data) returns the index in DATA at which to cut, or None."""

    def __init__(self, target_lit=None, k=0):
        self.mode = "line"
        self.line = b""
        self.new_resp = True      # the next line starts a response
        self.resp_fetch = False
        self.remaining = 0        # bytes left in the current literal
        self.cut_left = None      # bytes to forward before the cut, in this literal
        self.lits = 0
        self.target_lit = target_lit
        self.k = k
        self.tag_stop = None      # cut at the start of the line with this tag
        self.cut_note = ""

    def feed(self, data):
        i = 0
        while i < len(data):
            if self.mode == "lit":
                take = min(self.remaining, len(data) - i)
                if self.cut_left is not None and self.cut_left < take:
                    return i + self.cut_left
                if self.cut_left is not None:
                    self.cut_left -= take
                self.remaining -= take
                i += take
                if self.remaining == 0:
                    self.mode = "line"
                continue
            if self.tag_stop is not None and self.new_resp and self.line == b"":
                if data[i:i + len(self.tag_stop)] == self.tag_stop:
                    end = data.find(b"\n", i)
                    self.cut_note = " (reply %s swallowed)" % data[i:end if end >= 0 else len(data)].decode(
                        "latin-1").strip()
                    return i
            j = data.find(b"\n", i)
            if j < 0:
                self.line += data[i:]
                break
            self.line += data[i:j + 1]
            i = j + 1
            line, self.line = self.line, b""
            if self.new_resp:
                self.resp_fetch = bool(FETCH_RE.match(line))
            m = LIT_RE.search(line)
            if not m:
                self.new_resp = True
                continue
            n = int(m.group(1))
            self.new_resp = False
            self.mode = "lit"
            self.remaining = n
            self.cut_left = None
            if self.resp_fetch and BODY_RE.search(line):
                self.lits += 1
                if self.target_lit == self.lits:
                    self.cut_left = min(self.k, max(n - 1, 0))
                    self.cut_note = " in FETCH literal %d after %d of %d bytes" % (self.lits, self.cut_left, n)
                    if self.cut_left == 0:
                        return i
            if n == 0:
                self.mode = "line"
        return None


def cut(sock, how):
    try:
        if how == "rst":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def stall(sock):
    """Say nothing more; read and drop what the client sends until it closes."""
    try:
        while sock.recv(65536):
            pass
    except OSError:
        pass
    sock.close()


def sendall(sock, data):
    try:
        sock.sendall(data)
        return True
    except OSError:
        return False


def relay(n, client, upstream_port, ctl, log):
    words, text = ctl.take()
    log("conn %d open mode=%s" % (n, text))
    try:
        server = socket.create_connection(("127.0.0.1", upstream_port), timeout=10)
        server.settimeout(None)
    except OSError as e:
        log("conn %d upstream refused: %s" % (n, e))
        client.close()
        return
    mode = words[0]
    s2c = ServerStream()
    cmd_re = when = None
    how = "rst"
    if mode == "fetch":
        s2c.target_lit, s2c.k, how = int(words[1]), int(words[2]), words[3]
    elif mode == "command":
        cmd_re, when, how = re.compile(words[1].encode(), re.I), words[2], words[3]
    c_line = b""
    c_cmd = ""
    count_c2s = count_s2c = 0
    socks = [client, server]
    done = False
    while not done:
        try:
            r, _, _ = select.select(socks, [], [])
        except (OSError, ValueError):
            break
        for s in r:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                done = True
                break
            if s is server:
                at = s2c.feed(data)
                if at is not None:
                    sendall(client, data[:at])
                    count_s2c += at
                    what = s2c.cut_note if s2c.tag_stop is None else " after command: %s%s" % (c_cmd, s2c.cut_note)
                    log("conn %d cut %s%s" % (n, how, what))
                    if how == "stall":
                        server.close()
                        stall(client)
                        return
                    cut(client, how)
                    server.close()
                    return
                if not sendall(client, data):
                    done = True
                    break
                count_s2c += len(data)
            else:
                out = data
                if cmd_re is not None and s2c.tag_stop is None:
                    # Client command lines, to find the one to cut on.
                    buf = c_line + data
                    start = 0
                    hit = None
                    while True:
                        j = buf.find(b"\n", start)
                        if j < 0:
                            break
                        if cmd_re.search(buf[start:j + 1]):
                            hit = (start, j + 1)
                            break
                        start = j + 1
                    if hit is None:
                        c_line = buf[start:]
                    else:
                        line = buf[hit[0]:hit[1]]
                        c_cmd = line.decode("latin-1").strip()
                        # Bytes of BUF before this call's DATA were sent already.
                        already = len(c_line)
                        if when == "before":
                            sendall(server, buf[already:hit[0]] if hit[0] > already else b"")
                            log("conn %d cut %s before command: %s" % (n, how, c_cmd))
                            cut(client, how)
                            server.close()
                            return
                        s2c.tag_stop = line.split(b" ", 1)[0] + b" "
                        c_line = b""
                if not sendall(server, out):
                    done = True
                    break
                count_c2s += len(out)
    log("conn %d closed c2s=%d s2c=%d" % (n, count_c2s, count_s2c))
    for s in (client, server):
        try:
            s.close()
        except OSError:
            pass


def main(argv):
    if len(argv) != 5:
        sys.stderr.write("usage: cut_proxy.py LISTEN_PORT UPSTREAM_PORT CTL_FILE LOG_FILE\n")
        return 64
    listen_port, upstream_port, ctl_path, log_path = int(argv[1]), int(argv[2]), argv[3], argv[4]
    log = Log(log_path)
    ctl = Ctl(ctl_path)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen_port))
    ls.listen(16)
    log("listening on %d -> %d" % (listen_port, upstream_port))
    n = 0
    while True:
        client, _ = ls.accept()
        n += 1
        threading.Thread(target=relay, args=(n, client, upstream_port, ctl, log), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
