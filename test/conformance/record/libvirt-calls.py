#!/usr/bin/python3
# The python3-libvirt side of the conformance recorder: raw-flag calls and event sequences, as JSON.
#
# Usage: libvirt-calls.py calls  < cases.json   -> one result object per case, a JSON array on stdout
#        libvirt-calls.py calls-through < cases.json -> the same, every step run even after an error (the fuzzer)
#        libvirt-calls.py events < cases.json   -> the events each case's operations raise
#        libvirt-calls.py waiter                -> per URI line read, 'fresh' once its host is pristine
# A case is {"id", "uri", "steps": [[op, target, *args], ...]}; see cases/raw-cases.mjs for the ops.
import json
import os
import sys
import threading
import time

import libvirt


def quiet(_ctx, _err):
    """Keeps libvirt from printing every expected error on stderr (the error is recorded instead)."""


libvirt.registerErrorHandler(quiet, None)


def error_record(error):
    """Every field of a virError python-libvirt exposes."""
    return {
        "code": error.get_error_code(),
        "domain": error.get_error_domain(),
        "level": error.get_error_level(),
        "message": error.get_error_message(),
        "str1": error.get_str1(),
        "str2": error.get_str2(),
        "str3": error.get_str3(),
        "int1": error.get_int1(),
        "int2": error.get_int2(),
    }


def domain_of(conn, name):
    return conn.lookupByName(name)


def snapshot_of(conn, target):
    domain, snapshot = target.split("/", 1)
    return domain_of(conn, domain).snapshotLookupByName(snapshot, 0)


def domain_ref(dom):
    return {"name": dom.name(), "uuid": dom.UUIDString(), "id": dom.ID()}


def names(objects):
    """Snapshot or domain lists as sorted names (libvirt returns them in hash-table order)."""
    return sorted(o.getName() if hasattr(o, "getName") else o.name() for o in objects)


# Each op: (how to find the target, what to call). Targets: '' (the connection), a domain name, or 'domain/snapshot'.
OPS = {
    "virConnectGetURI": lambda c, t, a: c.getURI(),
    "virConnectGetHostname": lambda c, t, a: c.getHostname(),
    "virConnectGetVersion": lambda c, t, a: c.getVersion(),
    "virConnectGetLibVersion": lambda c, t, a: c.getLibVersion(),
    "virConnectGetType": lambda c, t, a: c.getType(),
    "virConnectGetCapabilities": lambda c, t, a: c.getCapabilities(),
    "virConnectListAllDomains": lambda c, t, a: names(c.listAllDomains(*a)),
    "virDomainLookupByName": lambda c, t, a: domain_ref(c.lookupByName(*a)),
    "virDomainLookupByUUIDString": lambda c, t, a: domain_ref(c.lookupByUUIDString(*a)),
    "virDomainLookupByID": lambda c, t, a: domain_ref(c.lookupByID(*a)),
    "virDomainDefineXMLFlags": lambda c, t, a: domain_ref(c.defineXMLFlags(*a)),
    "virDomainCreateWithFlags": lambda c, t, a: domain_of(c, t).createWithFlags(*a),
    "virDomainDestroyFlags": lambda c, t, a: domain_of(c, t).destroyFlags(*a),
    "virDomainShutdownFlags": lambda c, t, a: domain_of(c, t).shutdownFlags(*a),
    "virDomainSuspend": lambda c, t, a: domain_of(c, t).suspend(),
    "virDomainReboot": lambda c, t, a: domain_of(c, t).reboot(*a),
    "virDomainReset": lambda c, t, a: domain_of(c, t).reset(*a),
    "virDomainResume": lambda c, t, a: domain_of(c, t).resume(),
    "virDomainUndefineFlags": lambda c, t, a: domain_of(c, t).undefineFlags(*a),
    "virDomainGetXMLDesc": lambda c, t, a: domain_of(c, t).XMLDesc(*a),
    "virDomainGetInfo": lambda c, t, a: domain_of(c, t).info(),
    "virDomainGetState": lambda c, t, a: domain_of(c, t).state(*a),
    "virDomainIsActive": lambda c, t, a: domain_of(c, t).isActive(),
    "virDomainIsPersistent": lambda c, t, a: domain_of(c, t).isPersistent(),
    "virDomainSnapshotCreateXML": lambda c, t, a: domain_of(c, t).snapshotCreateXML(*a).getName(),
    "virDomainSnapshotLookupByName": lambda c, t, a: domain_of(c, t).snapshotLookupByName(*a).getName(),
    "virDomainSnapshotCurrent": lambda c, t, a: domain_of(c, t).snapshotCurrent(*a).getName(),
    "virDomainHasCurrentSnapshot": lambda c, t, a: domain_of(c, t).hasCurrentSnapshot(*a),
    "virDomainListAllSnapshots": lambda c, t, a: names(domain_of(c, t).listAllSnapshots(*a)),
    "virDomainSnapshotNum": lambda c, t, a: domain_of(c, t).snapshotNum(*a),
    "virDomainSnapshotGetXMLDesc": lambda c, t, a: snapshot_of(c, t).getXMLDesc(*a),
    "virDomainSnapshotGetParent": lambda c, t, a: snapshot_of(c, t).getParent(*a).getName(),
    "virDomainSnapshotIsCurrent": lambda c, t, a: snapshot_of(c, t).isCurrent(*a),
    "virDomainSnapshotHasMetadata": lambda c, t, a: snapshot_of(c, t).hasMetadata(*a),
    "virDomainSnapshotListAllChildren": lambda c, t, a: names(snapshot_of(c, t).listAllChildren(*a)),
    "virDomainSnapshotNumChildren": lambda c, t, a: snapshot_of(c, t).numChildren(*a),
    "virDomainRevertToSnapshot": lambda c, t, a: snapshot_of(c, t).domain().revertToSnapshot(snapshot_of(c, t), *a),
    "virDomainSnapshotDelete": lambda c, t, a: snapshot_of(c, t).delete(*a),
}


def run_steps(conn, steps, through=False):
    """Runs the steps in order; each gives {"result": ...} or {"error": ...}; the first error ends the case unless `through`."""
    outcomes = []
    for op, target, *args in steps:
        try:
            outcomes.append({"result": OPS[op](conn, target, args)})
        except libvirt.libvirtError as error:
            outcomes.append({"error": error_record(error)})
            if not through:
                break
    return outcomes


def fingerprint(conn):
    """What a host looks like: every domain's name, state, live and persistent XML and snapshot count."""
    domains = sorted(conn.listAllDomains(0), key=lambda d: d.name())
    return [(d.name(), d.state(0), d.XMLDesc(1), d.XMLDesc(3), d.snapshotNum(0)) for d in domains]


_pristine = {}


def open_fresh(uri):
    """Opens `uri`; for test:///default waits until the host is the pristine one again.

    libvirtd frees the shared default host only once it has processed the close of the previous
    connection, which can come after the next open: without this wait a case could see the
    previous case's changes."""
    deadline = time.time() + 10
    while True:
        conn = libvirt.open(uri)
        if "/default?" not in uri:
            return conn
        seen = fingerprint(conn)
        if _pristine.setdefault(uri, seen) == seen:
            return conn
        conn.close()
        if time.time() > deadline:
            raise RuntimeError("test:///default did not return to its pristine state")
        time.sleep(0.05)


def calls(cases, through=False):
    results = []
    for case in cases:
        conn = open_fresh(case["uri"])
        try:
            results.append({"id": case["id"], "steps": run_steps(conn, case["steps"], through)})
        finally:
            conn.close()
    return results


# Event ids python-libvirt can register, with the callback arity of each (args after conn, dom, before opaque).
EVENTS = {
    "lifecycle": (libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, 2),
    "reboot": (libvirt.VIR_DOMAIN_EVENT_ID_REBOOT, 0),
    "rtc-change": (libvirt.VIR_DOMAIN_EVENT_ID_RTC_CHANGE, 1),
    "watchdog": (libvirt.VIR_DOMAIN_EVENT_ID_WATCHDOG, 1),
    "io-error": (libvirt.VIR_DOMAIN_EVENT_ID_IO_ERROR, 3),
    "graphics": (libvirt.VIR_DOMAIN_EVENT_ID_GRAPHICS, 5),
    "io-error-reason": (libvirt.VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON, 4),
    "control-error": (libvirt.VIR_DOMAIN_EVENT_ID_CONTROL_ERROR, 0),
    "block-job": (libvirt.VIR_DOMAIN_EVENT_ID_BLOCK_JOB, 3),
    "disk-change": (libvirt.VIR_DOMAIN_EVENT_ID_DISK_CHANGE, 4),
    "tray-change": (libvirt.VIR_DOMAIN_EVENT_ID_TRAY_CHANGE, 2),
    "pmwakeup": (libvirt.VIR_DOMAIN_EVENT_ID_PMWAKEUP, 1),
    "pmsuspend": (libvirt.VIR_DOMAIN_EVENT_ID_PMSUSPEND, 1),
    "balloon-change": (libvirt.VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE, 1),
    "pmsuspend-disk": (libvirt.VIR_DOMAIN_EVENT_ID_PMSUSPEND_DISK, 1),
    "device-removed": (libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, 1),
    "block-job-2": (libvirt.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2, 3),
    "tunable": (libvirt.VIR_DOMAIN_EVENT_ID_TUNABLE, 1),
    "agent-lifecycle": (libvirt.VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE, 2),
    "device-added": (libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_ADDED, 1),
    "migration-iteration": (libvirt.VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION, 1),
    "job-completed": (libvirt.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED, 1),
    "device-removal-failed": (libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED, 1),
    "metadata-change": (libvirt.VIR_DOMAIN_EVENT_ID_METADATA_CHANGE, 2),
    "block-threshold": (libvirt.VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD, 4),
    "memory-failure": (libvirt.VIR_DOMAIN_EVENT_ID_MEMORY_FAILURE, 3),
    "memory-device-size-change": (libvirt.VIR_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE, 2),
}

_loop_started = False


def start_event_loop():
    global _loop_started
    if _loop_started:
        return
    _loop_started = True

    def run():
        while True:
            libvirt.virEventRunDefaultImpl()

    threading.Thread(target=run, daemon=True).start()


def plain(value):
    """Event payloads as JSON (dicts of typed parameters stay dicts)."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def events(cases):
    """Registers every event id on the case's own connection, runs its steps there, and lists what arrived."""
    libvirt.virEventRegisterDefaultImpl()
    start_event_loop()
    results = []
    for case in cases:
        conn = open_fresh(case["uri"])
        seen = []
        lock = threading.Lock()
        ids = []

        def make_callback(event_name, arity):
            def callback(_conn, dom, *rest):
                payload = plain(list(rest[:arity]))
                with lock:
                    seen.append({"event": event_name, "domain": dom.name(), "detail": payload})

            return callback

        for event_name, (event_id, arity) in EVENTS.items():
            ids.append(conn.domainEventRegisterAny(None, event_id, make_callback(event_name, arity), None))
        outcomes = []
        for step in case["steps"]:
            before = len(seen)
            outcome = run_steps(conn, [step])[0]
            # Events travel over the socket: give them time to arrive before the next step (VW_EVENT_WAIT seconds).
            deadline = time.time() + float(os.environ.get("VW_EVENT_WAIT", "0.5"))
            while time.time() < deadline:
                time.sleep(0.05)
            with lock:
                outcome["events"] = seen[before:]
            # Unlike calls, a failed step does not end the case: the events of the steps after it still count.
            outcomes.append(outcome)
        for callback_id in ids:
            conn.domainEventDeregisterAny(callback_id)
        conn.close()
        results.append({"id": case["id"], "steps": outcomes})
    return results


def waiter():
    """For virsh cases: reads one URI a line and answers 'fresh' once a connection finds its pristine host."""
    for line in sys.stdin:
        open_fresh(line.strip()).close()
        sys.stdout.write("fresh\n")
        sys.stdout.flush()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "waiter":
        waiter()
    else:
        cases = json.load(sys.stdin)
        output = events(cases) if mode == "events" else calls(cases, through=mode == "calls-through")
        json.dump(output, sys.stdout, indent=1, sort_keys=True)
