#!/usr/bin/python3
# libvirt's own test driver (test:///default, in-process) running the snapshot sweep's cases, as JSON.
#
# Usage: /usr/bin/python3 snapshot-calls.py < cases.json > outcomes.json
# A case is {"id", "uri"?, "setup": [[op, *args]...], "domain", "xml", "flags", "teardown"?}; see snapshots.mjs.
# The URI defaults to test:///default; "teardown" (qemu:///session) deletes the domain's snapshot
# metadata and undefines it after the case.
# Each outcome: {"id", "setup": error-or-null, "create": {"result"|"error"}, "after": {...}}.
import json
import sys

import libvirt


def quiet(_ctx, _err):
    """Keeps libvirt from printing every expected error on stderr (the error is recorded instead)."""


libvirt.registerErrorHandler(quiet, None)


def error_record(error):
    return {
        "code": error.get_error_code(),
        "domain": error.get_error_domain(),
        "message": error.get_error_message(),
    }


def attempt(fn):
    try:
        return {"result": fn()}
    except libvirt.libvirtError as error:
        return {"error": error_record(error)}


def setup(conn, steps):
    for op, *args in steps:
        if op == "define":
            conn.defineXML(args[0])
        elif op == "destroy":
            conn.lookupByName(args[0]).destroy()
        elif op == "snapshot":
            conn.lookupByName(args[0]).snapshotCreateXML(args[1], args[2])
        else:
            raise ValueError(op)


def after(dom, snap):
    """What a created snapshot looks like afterwards."""
    out = {
        "xml": attempt(lambda: snap.getXMLDesc(0)),
        "xmlSecure": attempt(lambda: snap.getXMLDesc(libvirt.VIR_DOMAIN_SNAPSHOT_XML_SECURE)),
        "isCurrent": attempt(lambda: snap.isCurrent(0)),
        "hasMetadata": attempt(lambda: snap.hasMetadata(0)),
        "list": attempt(lambda: sorted(s.getName() for s in dom.listAllSnapshots(0))),
        "domainState": attempt(lambda: dom.state(0)),
        # The domain's own inactive XML, so the sweep can tell the snapshot's copy of it apart.
        "domainXml": attempt(lambda: dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)),
        "domainXmlSecure": attempt(lambda: dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE | libvirt.VIR_DOMAIN_XML_SECURE)),
    }
    return out


def teardown(conn, name):
    try:
        dom = conn.lookupByName(name)
    except libvirt.libvirtError:
        return
    for snap in dom.listAllSnapshots(0):
        try:
            snap.delete(libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)
        except libvirt.libvirtError:
            pass
    dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)


def run(case):
    conn = libvirt.open(case.get("uri", "test:///default"))
    try:
        try:
            setup(conn, case["setup"])
        except libvirt.libvirtError as error:
            return {"id": case["id"], "setup": error_record(error)}
        dom = conn.lookupByName(case["domain"])
        try:
            snap = dom.snapshotCreateXML(case["xml"], case["flags"])
        except libvirt.libvirtError as error:
            return {"id": case["id"], "setup": None, "create": {"error": error_record(error)}}
        return {"id": case["id"], "setup": None, "create": {"result": snap.getName()}, "after": after(dom, snap)}
    finally:
        if case.get("teardown"):
            teardown(conn, case["domain"])
        conn.close()


def main():
    cases = json.load(sys.stdin)
    json.dump([run(case) for case in cases], sys.stdout)


main()
