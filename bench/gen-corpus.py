#!/usr/bin/python3
"""gen-corpus.py: write a realistic maildir of Cisco AMP for Endpoints alert mail for benchmarks.

    /usr/bin/python3 bench/gen-corpus.py N OUTDIR [--seed S] [--verify K]

Writes OUTDIR/{cur,new,tmp} holding N distinct messages (unique Message-IDs, unique 64-bit Event
IDs, varied customers, hosts, users, hashes and dates) following the layout of
shared/reference/amp-alert-mail.md section 2 and the shapes of fixtures/mail/:

    45%  text/plain, English (mostly 7bit; some quoted-printable, base64, CRLF)
    20%  multipart/alternative, text/plain + text/html (quoted-printable HTML table)
    10%  text/html only (table or <b>Label:</b> value<br> rows)
    10%  Japanese (UTF-8 8bit or base64, and ISO-2022-JP), RFC 2047 subjects
    10%  digests of 2 to 6 events (----- or ===== separators, or none)
     5%  forwarded by a person (Gmail inline, Outlook inline with CRLF, "> " quoted,
         message/rfc822 attachment)

Each message carries the headers a real alert has after crossing two MTAs (Received chain,
Authentication-Results, DKIM-Signature, List-Unsubscribe ...) and the AMP footer with its console
links, so that the average size is about 4 KB.  The output is deterministic for a given N and seed.
Python 3 standard library only.  A one-line JSON summary (messages, events, bytes, shapes) goes to
stdout.  --verify K parses K messages (spread over the corpus) with the email module and fails on a
MIME defect.
"""
import base64
import binascii
import datetime
import json
import os
import random
import sys

UTC = datetime.timezone.utc
JST = datetime.timezone(datetime.timedelta(hours=9))

# --------------------------------------------------------------------------------------------------
# Reference data

EVENT_TYPES = [
    # name, id, weight, kind
    ('Threat Detected', 1090519054, 30, 'file'),
    ('Threat Quarantined', 553648143, 18, 'file'),
    ('Quarantine Failure', 2164260880, 3, 'file'),
    ('Executed malware', 1107296272, 6, 'file'),
    ('Cloud IOC', 1107296274, 8, 'ioc'),
    ('Retrospective Detection', 553648147, 3, 'file'),
    ('DFC Threat Detected', 1090519084, 3, 'net'),
    ('Exploit Prevention', 1090519103, 3, 'file'),
    ('Malicious Activity Detection', 1090519105, 2, 'file'),
    ('Potential Ransomware', 1107296284, 1, 'file'),
    ('Vulnerable Application Detected', 1107296279, 5, 'vuln'),
    ('Execution Blocked', 553648168, 3, 'file'),
    ('Uninstall', 553648166, 1, 'bare'),
]
ET_WEIGHTS = [e[2] for e in EVENT_TYPES]

SEVERITIES = [('Low', '低', 10), ('Medium', '中', 30), ('High', '高', 45), ('Critical', '重大', 15)]
SEV_W = [s[2] for s in SEVERITIES]
DISP_JA = {'Malicious': '悪性', 'Clean': 'クリーン', 'Unknown': '不明'}

CUSTOMERS = [
    # id, domain, console user, en groups, ja groups, host prefixes, external ip, users
    ('acme', 'acme.co.jp', 'Taro Yamada',
     ['Acme Tokyo Workstations', 'Acme Tokyo Laptops', 'Acme Servers', 'R&D Tokyo'],
     ['アクメ東京本社', 'アクメ大阪支社', '開発部 東京'], ['PC-TK', 'NB-TK', 'SV-TK', 'PC-OS'],
     '203.0.113.10', ['yamada', 'kato', 'ito', 'watanabe', 'suzuki', 'tanaka', 'sato', 'takahashi']),
    ('globex', 'globex.example.com', 'Hank Scorpio',
     ['Globex HQ', 'Globex Labs', 'Globex DMZ Servers'], ['グローベックス本社', 'グローベックス研究所'],
     ['GX-WS', 'GX-LT', 'GX-SRV'], '198.51.100.23', ['hscorpio', 'jmuller', 'asmith', 'bjones', 'kwong']),
    ('initech', 'initech.example.net', 'Bill Lumbergh',
     ['Initech Floor 3', 'Initech Finance', 'Initech Servers'], ['イニテック経理部', 'イニテック本社'],
     ['INI-PC', 'INI-NB', 'INI-SV'], '198.51.100.77', ['pgibbons', 'mbolton', 'snagheenanajar', 'mwaddams']),
    ('kaminari', 'kaminari.example.jp', '佐々木 恵',
     ['Kaminari Factory', 'Kaminari Office'], ['雷工業 本社工場', '雷工業 名古屋事業所', '雷工業 サーバ'],
     ['KM-PC', 'KM-NB', 'KM-SV'], '203.0.113.88', ['sasaki', 'kobayashi', 'yoshida', 'yamaguchi', 'matsumoto']),
    ('sakura', 'sakura-bank.example.jp', '中村 一郎',
     ['Sakura Branches', 'Sakura HQ', 'Sakura Core Servers'], ['さくら銀行 本店', 'さくら銀行 支店', '基幹サーバ'],
     ['SB-BR', 'SB-HQ', 'SB-SV'], '192.0.2.200', ['nakamura', 'inoue', 'kimura', 'hayashi', 'shimizu', 'yamazaki']),
    ('umbrella', 'umbrella.example.org', 'Albert Wesker',
     ['Umbrella Raccoon', 'Umbrella Labs'], ['アンブレラ東京'], ['UMB-WS', 'UMB-LAB'], '198.51.100.150',
     ['awesker', 'wbirkin', 'cchambers', 'lkennedy']),
]

FILE_NAMES = ['Invoice_2026-11.pdf.exe', 'setup_x64.exe', 'AnyDesk.exe', 'loader.dll', 'update.exe',
              'payload.ps1', 'scan_0042.pdf.exe', 'wmihost.exe', 'svchost32.exe', 'chrome_installer.exe',
              'Q4 report.xlsm', 'order details.docm', 'putty.exe', 'mimikatz.exe', 'rclone.exe',
              'a.exe', 'b.exe', 'tmp4F2A.tmp', 'msupdate.msi', 'readme.js', 'photo_2026.scr']
FILE_NAMES_JA = ['請求書_2026年11月.exe', '見積書.pdf.exe', '更新プログラム.exe', '議事録.docm',
                 '給与明細.xlsm', 'インストーラ.exe', '写真.scr']
DIRS = ['C:\\Users\\{u}\\Downloads\\', 'C:\\Users\\{u}\\AppData\\Local\\Temp\\',
        'C:\\Users\\{u}\\AppData\\Roaming\\', 'C:\\Users\\{u}\\Desktop\\', 'C:\\Windows\\Temp\\',
        'C:\\ProgramData\\', 'C:\\Users\\{u}\\AppData\\Local\\Microsoft\\Windows\\INetCache\\IE\\',
        'D:\\share\\{u}\\']
PARENTS = [('explorer.exe', 'b5780c71acc73113248a33cec7ffb4da44a55b30821dcf8ea0e20370837764b7'),
           ('chrome.exe', '7e052f7495f3f2979baacbcb7ecaab633ed642e17dd34e80423a155aeb4d96bb'),
           ('msedge.exe', '08e5bea231a89da2e0b967628b72166078d368a0b7bfb76aeced0f6efbebdb48'),
           ('OUTLOOK.EXE', '2f1e6a8cd59e0a9b4b2e0d0fa3d1c1b0b8f6f3a3d0e2c4a9c7d5e8f0a1b2c3d4'),
           ('WINWORD.EXE', '9c4b1e0f7e3a2d6c5b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c'),
           ('powershell.exe', '3f0e2a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f'),
           ('services.exe', '38426392ae141e74255daf4e22f96542dce2f3891d678eb5f26cfc93a9d9bb09'),
           ('rundll32.exe', '4e5fa9471a9c54f799ae76030652eeae842fb55d6405d9126ad553f7439951a0'),
           ('cmd.exe', 'bc866cfcdda37e24dc2634dc282c7a0e6f55209da17a8fa105b07414c0e7c527')]
IOCS = [('W32.PowershellEncodedBuffer.ioc',
         'PowerShell was started with a base64-encoded command line buffer. Attackers use encoded '
         'commands to hide the script they run from casual inspection and from simple command-line '
         'logging.'),
        ('W32.ClearEventLogs.ioc',
         'A process cleared one or more Windows event logs. Clearing logs is a common anti-forensics '
         'step after an intrusion.'),
        ('ExecutedMalware.ioc',
         'A file known to be malicious was executed on this computer; review the trajectory for '
         'child processes and network connections.'),
        ('W32.VSSAdminDelete.ioc',
         'vssadmin.exe was used to delete volume shadow copies, which ransomware does before '
         'encrypting files so that they cannot be restored.')]
VULN_APPS = [('7-Zip 19.00', 'CVE-2022-29072'), ('Adobe Acrobat Reader DC 21.001', 'CVE-2021-28550'),
             ('Mozilla Firefox 102.0', 'CVE-2022-40674'), ('Oracle Java 8u301', 'CVE-2022-21449'),
             ('Notepad++ 8.4.5', 'CVE-2023-40031')]
FILTERS_EN = ['High Severity', 'All Events', 'Servers', 'Medium+', 'Critical Only', 'SOC Feed',
              'Quarantine Failures', 'Executive Laptops']
DIGEST_FILTERS = ['All Events (hourly)', 'Daily Summary', 'Low Severity (daily)', 'Weekly Digest [all groups]']
FILTERS_JA = ['重大な脅威', '全イベント', '高リスク端末', 'サーバ監視', '低リスク (東京)']
CONNECTOR_VERSIONS = ['8.4.2.30317', '8.2.1.21650', '7.5.17.21418', '8.4.4.30538']
SITES = ['mail-out1.amp.cisco.com', 'mail-out2.amp.cisco.com', 'mail-out3.amp.cisco.com',
         'mail-out1.eu.amp.cisco.com', 'mail-out1.apjc.amp.cisco.com']

B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'


# --------------------------------------------------------------------------------------------------
# Helpers

def fold76(s, indent='\t'):
    """Fold an opaque header value (DKIM b=) into 70-character pieces."""
    return ('\n' + indent).join(s[i:i + 70] for i in range(0, len(s), 70))


def rfc_date(t, tz=UTC):
    t = t.astimezone(tz)
    off = t.utcoffset().total_seconds() // 60
    sign = '+' if off >= 0 else '-'
    off = abs(int(off))
    return t.strftime('%a, %d %b %Y %H:%M:%S ') + '%s%02d%02d' % (sign, off // 60, off % 60)


def fold_subject(s):
    """Fold a plain subject at the last space before column 70, as the fixtures do."""
    line = 'Subject: ' + s
    out = []
    while len(line) > 76:
        cut = line.rfind(' ', 0, 76)
        if cut <= 10:
            break
        out.append(line[:cut])
        line = line[cut:]
    out.append(line)
    return '\n'.join(out)


def ew_b(text, charset):
    """RFC 2047 B-encoded words, each self-contained, folded one per line."""
    words = []
    step = 12 if charset.upper() == 'UTF-8' else 10
    for i in range(0, len(text), step):
        chunk = text[i:i + step].encode(charset)
        words.append('=?%s?B?%s?=' % (charset, base64.b64encode(chunk).decode('ascii')))
    return '\n '.join(words)


def b64_body(data):
    s = base64.encodebytes(data).decode('ascii')  # 76-character lines
    return s


def qp_body(text):
    return binascii.b2a_qp(text.encode('utf-8')).decode('ascii')


def html_esc(s):
    return s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace('"', '&quot;')


# --------------------------------------------------------------------------------------------------

class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.seq = 0
        self.ev_seq = 0
        r = self.r
        # Hosts per customer, each with a stable GUID, IP, and usual user.
        self.hosts = {}
        for c in CUSTOMERS:
            hs = []
            for _ in range(250):
                prefix = r.choice(c[5])
                name = '%s-%04d' % (prefix, r.randrange(1, 10000))
                guid = '%08x-%04x-5%03x-%04x-%012x' % (r.getrandbits(32), r.getrandbits(16), r.getrandbits(12),
                                                       0x8000 | r.getrandbits(14), r.getrandbits(48))
                ip = '192.168.%d.%d' % (r.randrange(1, 40), r.randrange(2, 254))
                hs.append((name, guid, ip, r.choice(c[7]), r.randrange(len(c[3])), r.randrange(len(c[4]))))
            self.hosts[c[0]] = hs
        # A pool of outbreak hashes that recur across hosts, and fresh ones otherwise.
        self.hash_pool = ['%064x' % r.getrandbits(256) for _ in range(400)]
        self.start = datetime.datetime(2026, 9, 1, 0, 0, 0, tzinfo=UTC)
        self.ident_base = 6455440000000000000

    # ---- values ----------------------------------------------------------------------------------

    def b64rand(self, n):
        r = self.r
        return ''.join(B64[r.getrandbits(6)] for _ in range(n))

    def event(self, cust, when, host=None):
        r = self.r
        self.ev_seq += 1
        et = r.choices(EVENT_TYPES, ET_WEIGHTS)[0]
        h = host or r.choice(self.hosts[cust[0]])
        # Unique 64-bit event id: a strictly increasing base plus jitter smaller than the step.
        eid = self.ident_base + self.ev_seq * 1000003 + r.randrange(1000000)
        e = {'type': et[0], 'type_id': et[1], 'kind': et[3], 'id': eid, 'when': when,
             'host': h[0], 'guid': h[1], 'ip': h[2], 'user': h[3], 'group_i': h[4], 'group_ja_i': h[5],
             'ext_ip': cust[6], 'cust': cust}
        if et[3] != 'bare':
            e['sev'] = r.choices(SEVERITIES, SEV_W)[0]
        if et[3] in ('file', 'net', 'vuln'):
            sha = r.choice(self.hash_pool) if r.random() < 0.3 else '%064x' % r.getrandbits(256)
            e['sha'] = sha
            fname = r.choice(FILE_NAMES)
            e['fname'] = fname
            e['path'] = r.choice(DIRS).format(u=h[3]) + fname
            p = r.choice(PARENTS)
            e['parent'] = p
            k = r.randrange(8)
            if k == 0:
                e['det'] = 'W32.Auto:%s.in03.Talos' % sha[:6]
            elif k == 1:
                e['det'] = 'W32.%s-95.SBX.TG' % sha[:10].upper()
            elif k == 2:
                e['det'] = 'Auto.%s.in10.tht.Talos' % sha[:10].upper()
            else:
                e['det'] = r.choice(['W32.GenericKD:ZVETJ.18gs.1201', 'Doc.Dropper.Valyria::in03.talos',
                                     'W32.File.MalParent', 'W32.SPERO.Sality.02.12', 'W32.ETHOS.COHORS.MAR.E552D1',
                                     'Clam.Heuristics.SWF.SuspectImage.E', 'W32.Ransom:Gen.20kb.1201',
                                     'W32.GenericKD:ZVETJ.18gs.1201 W32.File.MalParent'])
            e['detid'] = 6455442249400000000 + r.randrange(100000000)
            e['disp'] = 'Clean' if et[3] == 'vuln' else r.choices(['Malicious', 'Unknown'], [9, 1])[0]
            if et[3] == 'net':
                e['det'] = 'W32.DFC.MalParent'
                e['remote_ip'] = '%d.%d.%d.%d' % (r.choice([45, 91, 185, 194]), r.randrange(256), r.randrange(256),
                                                  r.randrange(1, 255))
                e['url'] = 'http://%s.example.net/gate.php?id=%d&k=%s' % (
                    ''.join(r.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(8)), r.randrange(10 ** 6),
                    self.b64rand(10).replace('+', 'x').replace('/', 'y'))
            if et[3] == 'vuln':
                app, cve = r.choice(VULN_APPS)
                e['vuln'] = '%s (%s)' % (app, cve)
                e.pop('det', None)
                e.pop('detid', None)
        elif et[3] == 'ioc':
            e['ioc'] = r.choice(IOCS)
            sha = '%064x' % r.getrandbits(256)
            e['sha'] = sha
            e['fname'] = 'powershell.exe'
            e['path'] = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe'
        if r.random() < 0.25:
            e['extra'] = [('Connector Version', r.choice(CONNECTOR_VERSIONS)),
                          ('Policy', '%s Protect Policy' % cust[0].capitalize())]
        return e

    def fields_en(self, e):
        cust = e['cust']
        when = e['when']
        if self.r.random() < 0.85:
            date = when.strftime('%Y-%m-%d %H:%M:%S UTC')
        else:
            date = when.astimezone(JST).strftime('%Y-%m-%dT%H:%M:%S+09:00')
        f = [('Event Type', e['type'])]
        if self.r.random() < 0.3:
            f.append(('Event Type ID', str(e['type_id'])))
        f += [('Event ID', str(e['id'])), ('Date', date), ('Computer', e['host']),
              ('Connector GUID', e['guid']), ('Group', cust[3][e['group_i']]),
              ('Internal IP', e['ip'])]
        f += e.get('extra', [])
        f += [('External IP', e['ext_ip']), ('User', e['user'])]
        if 'sev' in e:
            f.append(('Severity', e['sev'][0]))
        if 'det' in e:
            f += [('Detection', e['det']), ('Detection ID', str(e['detid']))]
        if 'disp' in e:
            f.append(('Disposition', e['disp']))
        if 'vuln' in e:
            f.append(('Vulnerabilities', e['vuln']))
        if 'ioc' in e:
            f += [('Cloud IOC', e['ioc'][0]), ('Cloud IOC Description', e['ioc'][1])]
        if 'remote_ip' in e:
            f += [('Remote IP', e['remote_ip']), ('URL', e['url'])]
        if 'fname' in e:
            f += [('File Name', e['fname']), ('File Path', e['path']), ('SHA-256', e['sha'])]
        if 'parent' in e:
            f += [('Parent File Name', e['parent'][0]), ('Parent SHA-256', e['parent'][1])]
        if 'sha' in e:
            f.append(('Trajectory', 'https://console.amp.cisco.com/computers/%s/trajectory2?q=%s&s=1'
                      % (e['guid'], e['sha'])))
        else:
            f.append(('Trajectory', 'https://console.amp.cisco.com/computers/%s/trajectory2' % e['guid']))
        return f

    def fields_ja(self, e):
        cust = e['cust']
        r = self.r
        when = e['when'].astimezone(JST)
        date = when.strftime('%Y/%m/%d %H:%M:%S JST') if r.random() < 0.6 else when.strftime('%Y-%m-%dT%H:%M:%S+09:00')
        etype = '検出された脅威' if e['type'] == 'Threat Detected' else e['type']
        f = [('イベントタイプ', etype), ('イベントタイプID', str(e['type_id'])), ('イベントID', str(e['id'])),
             ('日時', date), ('コンピュータ名', e['host']), ('コネクタGUID', e['guid']),
             ('グループ', cust[4][e['group_ja_i']]), ('内部IPアドレス', e['ip']), ('外部IPアドレス', e['ext_ip']),
             ('ユーザ名', e['user'])]
        if 'sev' in e:
            f.append(('重要度', e['sev'][1]))
        if 'det' in e:
            f += [('検出名', e['det']), ('検出ID', str(e['detid']))]
        if 'disp' in e:
            f.append(('判定', DISP_JA[e['disp']]))
        if 'ioc' in e:
            f += [('Cloud IOC', e['ioc'][0]), ('Cloud IOCの説明', e['ioc'][1])]
        if 'remote_ip' in e:
            f += [('接続先IPアドレス', e['remote_ip']), ('接続先URL', e['url'])]
        if 'fname' in e:
            fname = e['fname']
            path = e['path']
            if e['kind'] == 'file' and r.random() < 0.5:
                fname = r.choice(FILE_NAMES_JA)
                path = path.rsplit('\\', 1)[0] + '\\' + fname
            f += [('ファイル名', fname), ('ファイルパス', path), ('ハッシュ値(SHA256)', e['sha'])]
        if 'parent' in e:
            f += [('親ファイル名', e['parent'][0]), ('親ファイルのSHA-256', e['parent'][1])]
        if 'sha' in e:
            f.append(('トラジェクトリ', 'https://console.amp.cisco.com/computers/%s/trajectory2?q=%s&s=1'
                      % (e['guid'], e['sha'])))
        return f

    # ---- bodies ----------------------------------------------------------------------------------

    @staticmethod
    def text_block(fields, fullwidth=False):
        if fullwidth:
            return '\n'.join('%s%s%s' % (k, '：' if i % 3 == 0 else ': ', v) for i, (k, v) in enumerate(fields))
        return '\n'.join('%s: %s' % kv for kv in fields)

    def footer_en(self, filt, product='Cisco AMP for Endpoints'):
        q = filt.replace(' ', '%20').replace('(', '%28').replace(')', '%29').replace('+', '%2B')
        return ('View these events in the console:\n'
                'https://console.amp.cisco.com/dashboard/events?filter=%s\n'
                '\n'
                'You are receiving this email because you subscribed to event notifications in %s.\n'
                'To change which events you are notified about, or to unsubscribe, visit\n'
                'https://console.amp.cisco.com/account/subscriptions\n'
                '\n'
                'This message was sent from a notification-only address that cannot accept incoming\n'
                'email. Please do not reply to this message.\n'
                '\n'
                'Cisco Systems, Inc.\n'
                '170 West Tasman Drive, San Jose, CA 95134, USA\n'
                'Privacy Statement https://www.cisco.com/c/en/us/about/legal/privacy-full.html\n'
                '(c) 2026 Cisco and/or its affiliates. All rights reserved.\n' % (q, product))

    FOOTER_JA = ('コンソールでイベントを確認してください。\n'
                 'https://console.amp.cisco.com/dashboard/events\n'
                 '\n'
                 'このメールは Cisco AMP for Endpoints の通知設定に基づいて送信されています。\n'
                 '配信を停止するには https://console.amp.cisco.com/account/subscriptions を開いてください。\n'
                 'このメールアドレスは送信専用です。返信いただいてもお答えできません。\n'
                 '\n'
                 'Cisco Systems, Inc.\n'
                 '〒107-6227 東京都港区赤坂9-7-1 ミッドタウン・タワー\n'
                 'プライバシーステートメント https://www.cisco.com/c/ja_jp/about/legal/privacy-full.html\n')

    def body_en(self, user, filt, blocks, sep='-----', product='Cisco AMP for Endpoints'):
        n = len(blocks)
        head = 'Hello %s,\n\n%s has detected %d event%s matching your subscription "%s":\n\n' % (
            user, product, n, '' if n == 1 else 's', filt)
        if sep:
            mid = ('\n\n%s\n\n' % sep).join(blocks)
        else:
            mid = '\n\n'.join(blocks)
        return head + mid + '\n\n' + self.footer_en(filt, product)

    def body_ja(self, user, filt, blocks, sep='====='):
        n = len(blocks)
        head = 'Hello %s,\n\nCisco AMP for Endpoints のサブスクリプション「%s」に一致するイベントが %d 件検出されました。\n\n' % (
            user, filt, n)
        mid = ('\n\n%s\n\n' % sep).join(blocks)
        return head + mid + '\n\n' + self.FOOTER_JA

    def html_table(self, user, filt, fields):
        rows = '\n'.join('<tr><td>%s</td><td>%s</td></tr>' % (html_esc(k), html_esc(v)) for k, v in fields)
        return ('<html><body style="font-family:Arial,sans-serif;font-size:13px">\n'
                '<p>Hello %s,</p>\n<p>Cisco AMP for Endpoints has detected 1 event matching your subscription '
                '&quot;%s&quot;:</p>\n<table cellpadding="2" cellspacing="0" border="0">\n%s\n</table>\n'
                '<p><a href="https://console.amp.cisco.com/dashboard/events">View these events in the console</a></p>\n'
                '<p style="font-size:11px;color:#888">You are receiving this email because you subscribed to event '
                'notifications in Cisco AMP for Endpoints. <a href="https://console.amp.cisco.com/account/subscriptions">'
                'Unsubscribe</a></p>\n<p style="font-size:11px;color:#888">Cisco Systems, Inc., 170 West Tasman Drive, '
                'San Jose, CA 95134, USA &middot; <a href="https://www.cisco.com/c/en/us/about/legal/privacy-full.html">'
                'Privacy Statement</a></p>\n</body></html>\n' % (html_esc(user), html_esc(filt), rows))

    def html_bold(self, user, filt, fields):
        rows = '\n'.join('<b>%s:</b> %s<br>' % (html_esc(k), html_esc(v).replace('\\', '&#x5C;')) for k, v in fields)
        return ('<html><body>\n<p>Hello %s,</p>\n<p>Cisco AMP for Endpoints has detected 1 event matching your '
                'subscription &quot;%s&quot;:</p>\n<p>\n%s\n</p>\n'
                '<p><a href="https://console.amp.cisco.com/dashboard/events">View these events in the console</a></p>\n'
                '<p>You are receiving this email because you subscribed to event notifications in Cisco AMP for '
                'Endpoints.<br>\nTo unsubscribe, visit <a href="https://console.amp.cisco.com/account/subscriptions">'
                'https://console.amp.cisco.com/account/subscriptions</a></p>\n'
                '<p>Cisco Systems, Inc.<br>170 West Tasman Drive, San Jose, CA 95134, USA</p>\n</body></html>\n'
                % (html_esc(user), html_esc(filt), rows))

    # ---- headers ---------------------------------------------------------------------------------

    def headers(self, cust, subject_line, sent, frm='Cisco <no-reply@amp.cisco.com>', ctype='text/plain; charset="utf-8"',
                cte='7bit', tz=UTC, relay=None, extra=()):
        r = self.r
        self.seq += 1
        site = relay or r.choice(SITES)
        rcpt = 'soc+%s@soc.example.jp' % cust[0]
        recv = sent + datetime.timedelta(seconds=r.randrange(1, 9))
        qid = ''.join(r.choice(ALNUM) for _ in range(14))
        msgid = '<%s.%06d.%s.amp-notify@amp.cisco.com>' % (sent.strftime('%Y%m%d%H%M%S'), self.seq,
                                                            '%08x' % r.getrandbits(32))
        if not frm.startswith('Cisco'):
            msgid = '<%s.%06d.%08x@%s>' % (sent.strftime('%Y%m%d%H%M%S'), self.seq, r.getrandbits(32), cust[1])
        bh = base64.b64encode(r.getrandbits(256).to_bytes(32, 'big')).decode()
        b = base64.b64encode(r.getrandbits(2048).to_bytes(256, 'big')).decode()
        sender_dom = frm.rsplit('@', 1)[1].rstrip('>')
        h = ['Return-Path: <bounce-%08x@%s>' % (r.getrandbits(32), sender_dom),
             'Received: from %s (%s [192.0.2.%d])\n\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\n'
             '\tby mx1.soc.example.jp (Postfix) with ESMTPS id %s\n'
             '\tfor <%s>; %s' % (site, site, r.randrange(2, 250), qid, rcpt, rfc_date(recv, JST)),
             'Received: from notify-worker-%02d.amp.cisco.com (notify-worker-%02d.amp.cisco.com [10.%d.%d.%d])\n'
             '\tby %s (Postfix) with ESMTP id %s;\n\t%s' % (
                 r.randrange(1, 40), r.randrange(1, 40), r.randrange(256), r.randrange(256), r.randrange(1, 255), site,
                 ''.join(r.choice(ALNUM) for _ in range(11)), rfc_date(sent, UTC)),
             'Authentication-Results: mx1.soc.example.jp; dkim=pass header.d=%s header.s=amp2024 header.b=%s;\n'
             '\tspf=pass smtp.mailfrom=%s; dmarc=pass (p=reject dis=none) header.from=%s' % (
                 sender_dom, b[:8], sender_dom, sender_dom),
             'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s;\n\ts=amp2024; t=%d;\n\tbh=%s;\n'
             '\th=Date:From:To:Subject:Message-ID:MIME-Version:Content-Type;\n'
             '\tb=%s' % (sender_dom, int(sent.timestamp()), bh, fold76(b)),
             'Message-ID: %s' % msgid,
             'Date: %s' % rfc_date(sent, tz),
             'From: %s' % frm,
             'To: %s' % rcpt,
             subject_line,
             'MIME-Version: 1.0',
             'Content-Type: %s' % ctype]
        if cte:
            h.append('Content-Transfer-Encoding: %s' % cte)
        if frm.startswith('Cisco'):
            h += ['Auto-Submitted: auto-generated',
                  'List-Unsubscribe: <https://console.amp.cisco.com/account/subscriptions>',
                  'X-AMP-Notification-ID: %08x-%04x-4%03x-%04x-%012x' % (
                      r.getrandbits(32), r.getrandbits(16), r.getrandbits(12), 0x8000 | r.getrandbits(14),
                      r.getrandbits(48))]
        h += list(extra)
        return '\n'.join(h) + '\n\n'

    def sent_time(self, i, n):
        # Spread the corpus over 90 days, in order, with jitter; AMP mails a minute or so after the event.
        base = self.start + datetime.timedelta(seconds=int(90 * 86400 * i / max(n, 1)))
        return base + datetime.timedelta(seconds=self.r.randrange(0, 600))

    # ---- shapes ----------------------------------------------------------------------------------

    def subj_en(self, filt, host, prefix='Cisco AMP for Endpoints'):
        return '[%s Subscription] [%s] Matching Events Found On %s' % (prefix, filt, host)

    def m_plain(self, cust, when, sent):
        r = self.r
        e = self.event(cust, when)
        filt = r.choice(FILTERS_EN)
        product = 'Cisco Secure Endpoint' if r.random() < 0.1 else 'Cisco AMP for Endpoints'
        body = self.body_en(cust[2], filt, [self.text_block(self.fields_en(e))], product=product)
        subj = fold_subject(self.subj_en(filt, e['host'], product))
        frm = 'Cisco <no-reply@%samp.cisco.com>' % r.choice(['', '', '', 'eu.', 'apjc.'])
        k = r.random()
        if k < 0.80:
            msg = self.headers(cust, subj, sent, frm=frm) + body
            return msg.encode('utf-8'), 1, 'plain'
        if k < 0.90:
            msg = self.headers(cust, subj, sent, frm=frm, cte='quoted-printable') + qp_body(body)
            return msg.encode('ascii'), 1, 'plain-qp'
        if k < 0.95:
            msg = self.headers(cust, subj, sent, frm=frm, cte='base64') + b64_body(body.encode('utf-8'))
            return msg.encode('ascii'), 1, 'plain-b64'
        msg = self.headers(cust, subj, sent, frm=frm) + body
        return msg.replace('\n', '\r\n').encode('utf-8'), 1, 'plain-crlf'

    def m_alternative(self, cust, when, sent):
        r = self.r
        e = self.event(cust, when)
        filt = r.choice(FILTERS_EN)
        fields = self.fields_en(e)
        text = self.body_en(cust[2], filt, [self.text_block(fields)])
        html = self.html_table(cust[2], filt, fields)
        bnd = '----=_Part_%d_%d.%d' % (r.randrange(10000), r.getrandbits(30), int(sent.timestamp() * 1000))
        subj = fold_subject(self.subj_en(filt, e['host']))
        body = ('This is a multi-part message in MIME format.\n\n--%s\nContent-Type: text/plain; charset="utf-8"\n'
                'Content-Transfer-Encoding: 7bit\n\n%s\n--%s\nContent-Type: text/html; charset="utf-8"\n'
                'Content-Transfer-Encoding: quoted-printable\n\n%s\n--%s--\n'
                % (bnd, text, bnd, qp_body(html), bnd))
        msg = self.headers(cust, subj, sent, ctype='multipart/alternative;\n boundary="%s"' % bnd, cte=None) + body
        return msg.encode('utf-8'), 1, 'alternative'

    def m_html(self, cust, when, sent):
        r = self.r
        e = self.event(cust, when)
        filt = r.choice(FILTERS_EN)
        fields = self.fields_en(e)
        subj = fold_subject(self.subj_en(filt, e['host']))
        if r.random() < 0.5:
            html = self.html_table(cust[2], filt, fields)
            msg = self.headers(cust, subj, sent, ctype='text/html; charset="utf-8"', cte='quoted-printable') + qp_body(html)
            return msg.encode('ascii'), 1, 'html-table'
        html = self.html_bold(cust[2], filt, fields)
        msg = self.headers(cust, subj, sent, ctype='text/html; charset=utf-8', cte='7bit') + html
        return msg.encode('utf-8'), 1, 'html-bold'

    def m_japanese(self, cust, when, sent):
        r = self.r
        e = self.event(cust, when)
        filt = r.choice(FILTERS_JA)
        k = r.random()
        subj_text = '[Cisco AMP for Endpoints Subscription] [%s] Matching Events Found On %s' % (filt, e['host'])
        if k < 0.7:
            body = self.body_ja(cust[2], filt, [self.text_block(self.fields_ja(e), fullwidth=r.random() < 0.5)])
            subj = 'Subject: ' + ew_b(subj_text, 'UTF-8')
            if r.random() < 0.7:
                msg = self.headers(cust, subj, sent, cte='8bit', tz=JST) + body
                return msg.encode('utf-8'), 1, 'ja-utf8'
            msg = self.headers(cust, subj, sent, cte='base64', tz=JST).encode('ascii') + \
                base64.encodebytes(body.encode('utf-8'))
            return msg, 1, 'ja-utf8-b64'
        # ISO-2022-JP: keep to JIS X 0208 (no full-width colon variants that fail, no NEC extensions).
        body = self.body_ja(cust[2], filt, [self.text_block(self.fields_ja(e), fullwidth=True)])
        subj = 'Subject: ' + ew_b(subj_text, 'ISO-2022-JP')
        msg = self.headers(cust, subj, sent, ctype='text/plain; charset="ISO-2022-JP"', cte='7bit', tz=JST)
        return msg.encode('ascii') + body.encode('iso-2022-jp'), 1, 'ja-iso2022jp'

    def m_digest(self, cust, when, sent):
        r = self.r
        n = r.randrange(2, 7)
        filt = r.choice(DIGEST_FILTERS)
        evs = []
        t = when - datetime.timedelta(minutes=60)
        for _ in range(n):
            t += datetime.timedelta(seconds=r.randrange(30, 3600 // n))
            evs.append(self.event(cust, t))
        if r.random() < 0.15:
            blocks = [self.text_block(self.fields_ja(e), fullwidth=True) for e in evs]
            body = self.body_ja(cust[2], filt, blocks)
            subj = 'Subject: ' + ew_b('[Cisco AMP for Endpoints Subscription] [%s] Matching Events Found On %s'
                                      % (filt, evs[0]['host']), 'UTF-8')
            msg = self.headers(cust, subj, sent, cte='base64', tz=JST).encode('ascii') + \
                base64.encodebytes(body.encode('utf-8'))
            return msg, n, 'digest-ja'
        k = r.random()
        sep = '-----' if k < 0.6 else ('=====' if k < 0.8 else None)
        blocks = [self.text_block(self.fields_en(e)) for e in evs]
        body = self.body_en(cust[2], filt, blocks, sep=sep)
        subj = fold_subject(self.subj_en(filt, evs[0]['host']))
        msg = self.headers(cust, subj, sent) + body
        return msg.encode('utf-8'), n, 'digest'

    def m_forward(self, cust, when, sent):
        r = self.r
        e = self.event(cust, when)
        filt = r.choice(FILTERS_EN)
        user = e['user']
        person = '%s %s' % (user.capitalize(), r.choice(['Taro', 'Hanako', 'Ichiro', 'Keiko', 'Jun']))
        frm = '%s <%s@%s>' % (person, user, cust[1])
        orig_sent = sent - datetime.timedelta(minutes=r.randrange(5, 600))
        asubj = self.subj_en(filt, e['host'])
        inner = self.body_en(cust[2], filt, [self.text_block(self.fields_en(e))])
        k = r.random()
        if k < 0.4:
            body = ('FYI, this came in to our IT mailbox. Please check.\n\n%s\n\n'
                    '---------- Forwarded message ---------\nFrom: Cisco <no-reply@amp.cisco.com>\n'
                    'Date: %s\nSubject: %s\nTo: <it-admin@%s>\n\n\n%s' % (
                        user.capitalize(), orig_sent.strftime('%a, %b %d, %Y at %I:%M %p'), asubj, cust[1], inner))
            msg = self.headers(cust, fold_subject('Fwd: ' + asubj), sent, frm=frm, relay='mail-yw1-f170.google.com',
                               extra=['X-Mailer: Gmail']) + body
            return msg.encode('utf-8'), 1, 'fwd-gmail'
        if k < 0.65:
            body = ('Please see below.\n\n%s\n\n-----Original Message-----\nFrom: Cisco <no-reply@amp.cisco.com>\n'
                    'Sent: %s\nTo: it-admin@%s\nSubject: %s\n\n%s' % (
                        user.capitalize(), orig_sent.strftime('%A, %B %d, %Y %I:%M %p'), cust[1], asubj, inner))
            msg = self.headers(cust, fold_subject('FW: ' + asubj), sent, frm=frm, ctype='text/plain; charset="us-ascii"',
                               relay='mail-ty1jpn01on2100.outbound.protection.outlook.com',
                               extra=['X-Mailer: Microsoft Outlook 16.0', 'Thread-Index: Ad%s' % self.b64rand(22)]) + body
            return msg.replace('\n', '\r\n').encode('utf-8'), 1, 'fwd-outlook'
        if k < 0.85:
            quoted = '\n'.join(('> ' + l) if l else '>' for l in inner.rstrip('\n').split('\n'))
            body = ('Is this a real problem? The machine is in a meeting room now.\n\nOn %s Cisco <no-reply@amp.cisco.com> wrote:\n'
                    '%s\n\n-- \n%s\n%s\n' % (orig_sent.strftime('%a, %b %d, %Y at %I:%M %p'), quoted, person, cust[1]))
            msg = self.headers(cust, fold_subject('Fwd: ' + asubj), sent, frm=frm, relay='mail-yw1-f170.google.com') + body
            return msg.encode('utf-8'), 1, 'fwd-quoted'
        inner_msg = self.headers(cust, fold_subject(asubj), orig_sent) + inner
        self.seq -= 0
        bnd = '------------%s' % self.b64rand(24).replace('+', 'x').replace('/', 'y')
        body = ('This is a multi-part message in MIME format.\n--%s\nContent-Type: text/plain; charset=UTF-8\n'
                'Content-Transfer-Encoding: 7bit\n\nHello SOC,\n\nI got the attached alert this morning. Is my PC OK?\n\n'
                '%s\n\n--%s\nContent-Type: message/rfc822; name="alert.eml"\nContent-Disposition: attachment; '
                'filename="alert.eml"\n\n%s\n--%s--\n' % (bnd, user.capitalize(), bnd, inner_msg, bnd))
        msg = self.headers(cust, 'Subject: Fw: alert from AMP', sent, frm=frm, cte=None,
                           ctype='multipart/mixed; boundary="%s"' % bnd,
                           extra=['User-Agent: Mozilla/5.0 Thunderbird/128.4.0']) + body
        return msg.encode('utf-8'), 1, 'fwd-rfc822'


SHAPES = [('plain', 45), ('alternative', 20), ('html', 10), ('japanese', 10), ('digest', 10), ('forward', 5)]


def main(argv):
    args = list(argv[1:])
    seed = 20261125
    verify = 0
    pos = []
    while args:
        a = args.pop(0)
        if a == '--seed':
            seed = int(args.pop(0))
        elif a.startswith('--seed='):
            seed = int(a.split('=', 1)[1])
        elif a == '--verify':
            verify = int(args.pop(0))
        elif a in ('-h', '--help'):
            print(__doc__)
            return 0
        else:
            pos.append(a)
    if len(pos) != 2:
        sys.stderr.write('usage: gen-corpus.py N OUTDIR [--seed S] [--verify K]\n')
        return 64
    n = int(pos[0])
    out = pos[1]
    for d in ('cur', 'new', 'tmp'):
        os.makedirs(os.path.join(out, d), exist_ok=True)

    g = Gen(seed)
    r = g.r
    fns = {'plain': g.m_plain, 'alternative': g.m_alternative, 'html': g.m_html, 'japanese': g.m_japanese,
           'digest': g.m_digest, 'forward': g.m_forward}
    # An exact shape mix (largest remainder), shuffled deterministically.
    total_w = sum(w for _, w in SHAPES)
    counts = [(s, n * w // total_w) for s, w in SHAPES]
    short = n - sum(c for _, c in counts)
    counts = [(s, c + (1 if i < short else 0)) for i, (s, c) in enumerate(counts)]
    plan = [s for s, c in counts for _ in range(c)]
    r.shuffle(plan)

    stats = {}
    nbytes = 0
    nevents = 0
    written = []
    for i, shape in enumerate(plan):
        sent = g.sent_time(i, n)
        cust = CUSTOMERS[r.choices(range(len(CUSTOMERS)), [40, 15, 10, 15, 15, 5])[0]]
        when = sent - datetime.timedelta(seconds=r.randrange(20, 120))
        data, nev, sub = fns[shape](cust, when, sent)
        stats[sub] = stats.get(sub, 0) + 1
        nbytes += len(data)
        nevents += nev
        ts = int(sent.timestamp())
        base = '%d.M%dP%dQ%d.bench.soc.example.jp,S=%d' % (ts, r.randrange(1000000), 4242, i + 1, len(data))
        if r.random() < 0.1:
            path = os.path.join(out, 'new', base)
        else:
            path = os.path.join(out, 'cur', base + ':2,' + r.choice(['S', 'S', 'S', 'RS', 'FS', '']))
        with open(path, 'wb') as f:
            f.write(data)
        if verify:
            written.append(path)

    summary = {'messages': n, 'events': nevents, 'bytes': nbytes, 'avg_bytes': round(nbytes / max(n, 1)),
               'seed': seed, 'shapes': dict(sorted(stats.items()))}
    if verify:
        import email
        import email.policy
        bad = 0
        step = max(1, len(written) // verify)
        for p in written[::step][:verify]:
            with open(p, 'rb') as f:
                m = email.message_from_binary_file(f, policy=email.policy.default)
            defects = list(m.defects)
            for part in m.walk():
                defects += part.defects
                if part.get_content_maintype() == 'text':
                    part.get_content()
            str(m['subject'])
            if defects:
                bad += 1
                sys.stderr.write('gen-corpus: %s: %s\n' % (p, defects))
        summary['verified'] = len(written[::step][:verify])
        summary['verify_defects'] = bad
        if bad:
            print(json.dumps(summary, ensure_ascii=False))
            return 1
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
