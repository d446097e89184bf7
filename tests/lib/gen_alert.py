#!/usr/bin/env python3
"""gen_alert.py: API pages and alert mails of one machine's events, for the
tests of what a machine's connector GUID decides (022).  From round 52's
generator (/tmp/rev86/gen.py).

  api OUT EV...   EV = id,type,host,guid,group_guid[,detection_id[,sha256]]
  mail OUT TO ID TYPE HOST GUID GROUP [DETECTION_ID [SHA256]]
'-' stands for none."""
import json, sys

TYPES = {"Threat Detected": 1090519054, "Threat Quarantined": 553648143, "Executed malware": 1107296272,
         "Uninstall": 553648166}
SHA = "d75897fca301560dbcdb94b113ebee8aa64b1d3ec7f761d40293f5464c5b9311"


def none(x):
    return None if x in ("-", "") else x


def api(out, evs):
    data = []
    for spec in evs:
        f = spec.split(",") + [""] * 7
        eid, typ, host, guid, gg, det, sha = f[:7]
        e = {"id": int(eid), "date": "2026-11-25T07:12:31+00:00", "event_type": typ,
             "event_type_id": TYPES.get(typ, 1090519054), "detection": "W32.GenericKD:ZVETJ.18gs.1201",
             "severity": "High", "computer": {"hostname": host, "external_ip": "203.0.113.10"},
             "file": {"disposition": "Malicious", "file_name": "x.exe", "file_path": "C:\\x.exe",
                      "identity": {"sha256": none(sha) or SHA}}}
        if none(det):
            e["detection_id"] = det
        if none(guid):
            e["connector_guid"] = e["computer"]["connector_guid"] = guid
        if none(gg):
            e["group_guids"] = gg.split("+")
        data.append(e)
    with open(out, "w") as f:
        json.dump({"version": "v1.2.0", "data": data}, f, indent=1)


def mail(out, to, eid, typ, host, guid, group, det="-", sha="-"):
    lines = ["Message-ID: <%s.%s@amp.test>" % (eid, to.replace("@", ".")), "Date: Wed, 25 Nov 2026 07:13:02 +0000",
             "From: Cisco <no-reply@amp.cisco.com>", "To: %s" % to,
             "Subject: [Cisco AMP for Endpoints Subscription] [High Severity] Matching Events Found On %s" % host,
             "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "",
             "Cisco AMP for Endpoints has detected 1 event:", "",
             "Event Type: %s" % typ, "Event ID: %s" % eid, "Date: 2026-11-25 07:12:31 UTC", "Computer: %s" % host]
    if none(guid):
        lines.append("Connector GUID: %s" % guid)
    if none(group):
        lines.append("Group: %s" % group)
    lines += ["Severity: High", "Detection: W32.GenericKD:ZVETJ.18gs.1201"]
    if none(det):
        lines.append("Detection ID: %s" % det)
    lines += ["Disposition: Malicious", "File Name: x.exe", "File Path: C:\\x.exe", "SHA-256: %s" % (none(sha) or SHA)]
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if sys.argv[1] == "api":
    api(sys.argv[2], sys.argv[3:])
else:
    mail(*sys.argv[2:])
