#!/usr/bin/python3
# The libvirt side of the domain corpus sweep: defines each file on libvirt's own test driver (test:///default, in-process).
#
# Usage: libvirt-domains.py [URI] < paths.json -> one JSON object per line: {file, ok, error?, xml?}
# (URI: test:///default unless given, e.g. a libvirtd's qemu:///session for domains.mjs --qemu)
# For an accepted definition, xml holds getXMLDesc with flags 0, INACTIVE (2) and SECURE (1); the
# domain is then undefined so that every file meets the same pristine host.
import json
import sys

import libvirt


def quiet(_ctx, _err):
    """Keeps libvirt from printing every expected error on stderr (the error is recorded instead)."""


libvirt.registerErrorHandler(quiet, None)


def error_record(error):
    return {"code": error.get_error_code(), "domain": error.get_error_domain(), "message": error.get_error_message()}


def main():
    paths = json.load(sys.stdin)
    conn = libvirt.open(sys.argv[1] if len(sys.argv) > 1 else "test:///default")
    for path in paths:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
        record = {"file": path}
        try:
            domain = conn.defineXML(text)
        except libvirt.libvirtError as error:
            record["ok"] = False
            record["error"] = error_record(error)
        else:
            record["ok"] = True
            record["xml"] = {str(flags): domain.XMLDesc(flags) for flags in (0, 2, 1)}
            domain.undefine()
        print(json.dumps(record), flush=True)


main()
