#!/usr/bin/python3
# The libvirt side of the benchmark: runs one workload through python3-libvirt and prints its figures as JSON.
#
# Usage: libvirt-client.py '{"workload": "roundtrip", "uri": "test+unix:///default?socket=...", ...}'
# Every workload mirrors one in virtwire-client.js, call for call.
import json
import os
import sys
import threading
import time

import libvirt


def quiet(_ctx, _err):
    """Keeps libvirt from printing every expected error on stderr."""


libvirt.registerErrorHandler(quiet, None)
ATOMIC = libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC


def snapshot_xml(name):
    return "<domainsnapshot><name>%s</name></domainsnapshot>" % name


def run_threads(count, body):
    """Runs body(index) on `count` threads; returns the wall time and the first error, if any."""
    errors = []

    def wrapped(i):
        try:
            body(i)
        except Exception as error:  # noqa: BLE001 - reported to the caller
            errors.append(str(error))

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(count)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, (errors[0] if errors else None)


def threads_cpu_ns(pid):
    """CPU ns every live thread of `pid` has used (/proc/PID/task/TID/schedstat), as bench/lib/processes.js's threadsCpuNanos."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except OSError:
            pass  # the thread exited meanwhile
    return total


def daemon_cpu(spec):
    """The daemon's CPU ns so far when `daemonPid` names it (read around a timed phase), else None."""
    return threads_cpu_ns(spec["daemonPid"]) if "daemonPid" in spec else None


def roundtrip(spec):
    conn = libvirt.open(spec["uri"])
    for _ in range(spec.get("warmup", 3000)):
        conn.getVersion()
    n = spec["calls"]
    start = time.perf_counter()
    for _ in range(n):
        conn.getVersion()
    elapsed = time.perf_counter() - start
    conn.close()
    return {"perCallUs": elapsed / n * 1e6}


def throughput(spec):
    """`inFlight` threads share one connection, each with one call outstanding at a time."""
    conn = libvirt.open(spec["uri"])
    for _ in range(spec.get("warmup", 3000)):
        conn.getVersion()
    per_thread = spec["calls"] // spec["inFlight"]

    def body(_i):
        for _ in range(per_thread):
            conn.getVersion()

    cpu_before = daemon_cpu(spec)
    elapsed, error = run_threads(spec["inFlight"], body)
    cpu_after = daemon_cpu(spec)
    conn.close()
    if error:
        return {"error": error}
    result = {"callsPerSec": per_thread * spec["inFlight"] / elapsed}
    if cpu_before is not None:
        result["daemonCpuUsPerCall"] = (cpu_after - cpu_before) / 1000 / (per_thread * spec["inFlight"])
    return result


def create_delete(spec):
    """Each client (own connection, own thread) creates `perClient` snapshots, deleting each at once when `delete`."""
    conns = [libvirt.open(spec["uri"]) for _ in range(spec["clients"])]
    domains = [c.lookupByName(spec["domain"]) for c in conns]
    prefix = spec["prefix"]
    per_client = spec["perClient"]

    def make(prefix, count):
        def body(i):
            dom = domains[i]
            for k in range(count):
                snap = dom.snapshotCreateXML(snapshot_xml("%s-%d-%d" % (prefix, i, k)), ATOMIC)
                if spec["delete"]:
                    snap.delete(0)
        return body

    make(prefix + "w", spec.get("warmup", 3000))(0)
    body = make(prefix, per_client)
    elapsed, error = run_threads(spec["clients"], body)
    for c in conns:
        c.close()
    if error:
        return {"error": error}
    return {"perSec": per_client * spec["clients"] / elapsed}


def populate(spec):
    """Gives a fresh domain `count` snapshots, 8 connections at once (setup, not measured)."""
    conn = libvirt.open(spec["uri"])
    conn.defineXML(spec["domainXml"]).create()
    conn.close()
    threads = 8
    conns = [libvirt.open(spec["uri"]) for _ in range(threads)]
    count = spec["count"]

    def body(i):
        dom = conns[i].lookupByName(spec["domain"])
        for k in range(i, count, threads):
            dom.snapshotCreateXML(snapshot_xml("%s%d" % (spec["prefix"], k)), 0)

    elapsed, error = run_threads(threads, body)
    num = conns[0].lookupByName(spec["domain"]).snapshotNum(0)
    for c in conns:
        c.close()
    return {"seconds": elapsed, "snapshots": num, "error": error}


def list_all(spec):
    conn = libvirt.open(spec["uri"])
    dom = conn.lookupByName(spec["domain"])
    times = []
    try:
        for _ in range(spec.get("warmup", 5)):
            dom.listAllSnapshots(0)
        for _ in range(spec["repeats"]):
            start = time.perf_counter()
            snaps = dom.listAllSnapshots(0)
            times.append(time.perf_counter() - start)
            if len(snaps) != spec["expect"]:
                return {"error": "listed %d of %d" % (len(snaps), spec["expect"])}
    except libvirt.libvirtError as error:
        return {"error": str(error)}
    finally:
        conn.close()
    return {"msPerList": [t * 1e3 for t in times]}


def lookup(spec):
    conn = libvirt.open(spec["uri"])
    dom = conn.lookupByName(spec["domain"])
    names = ["%s%d" % (spec["prefix"], (k * 7919) % spec["count"]) for k in range(spec["calls"])]
    for k in range(spec.get("warmup", 3000)):
        dom.snapshotLookupByName(names[k % len(names)], 0)
    start = time.perf_counter()
    for name in names:
        dom.snapshotLookupByName(name, 0)
    elapsed = time.perf_counter() - start
    conn.close()
    return {"perCallUs": elapsed / len(names) * 1e6}


def connections(spec):
    """Opens `count` idle connections, says so, and holds them until stdin closes."""
    conns = []
    try:
        for _ in range(spec["count"]):
            conns.append(libvirt.open(spec["uri"]))
    except libvirt.libvirtError as error:
        print(json.dumps({"error": str(error), "opened": len(conns)}), flush=True)
    else:
        print(json.dumps({"opened": len(conns)}), flush=True)
    sys.stdin.read()
    for c in conns:
        c.close()
    return None


def first_answer(spec):
    """Says it is ready, waits for a line on stdin (the daemon is being spawned), then polls until getVersion answers."""
    print(json.dumps({"ready": True}), flush=True)
    sys.stdin.readline()
    deadline = time.monotonic() + spec.get("timeoutSec", 30)
    while time.monotonic() < deadline:
        try:
            conn = libvirt.open(spec["uri"])
            conn.getVersion()
            conn.close()
            return {"answeredAt": time.time()}
        except libvirt.libvirtError:
            time.sleep(0.002)
    return {"error": "no answer"}


def qemu_snapshot(spec):
    """
    Defines and starts a q35 guest, says so ({"started": true}) and waits for a line on stdin (the
    bench checks the guest meanwhile), then times `repeats` snapshots with `flags` (atomic disk-only,
    or 0: a full-system snapshot), each after a sync() when `syncBefore` is set. Each repetition's wall-clock interval (time.time()) is returned
    too, to find its QMP traffic in libvirtd's monitor log.
    """
    conn = libvirt.open(spec["uri"])
    conn.getVersion()  # the first qemu:///session connection probes QEMU; not part of the figure
    dom = conn.defineXML(spec["domainXml"])
    times = []
    intervals = []
    try:
        dom.create()
        print(json.dumps({"started": True}), flush=True)
        sys.stdin.readline()
        for r in range(spec["repeats"]):
            xml = spec["snapshotXml"].replace("@R@", str(r))
            if spec.get("syncBefore"):
                os.sync()  # no dirty pages waiting to be written back, as on virtwire's side
            began = time.time()
            start = time.perf_counter()
            dom.snapshotCreateXML(xml, spec["flags"])
            times.append((time.perf_counter() - start) * 1e3)
            intervals.append([began, time.time()])
    except libvirt.libvirtError as error:
        return {"error": str(error)}
    finally:
        if dom.isActive():
            dom.destroy()
        dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
        conn.close()
    return {"msPerSnapshot": times, "intervals": intervals}


WORKLOADS = {
    "roundtrip": roundtrip,
    "throughput": throughput,
    "createDelete": create_delete,
    "populate": populate,
    "list": list_all,
    "lookup": lookup,
    "connections": connections,
    "firstAnswer": first_answer,
    "qemuSnapshot": qemu_snapshot,
}

if __name__ == "__main__":
    request = json.loads(sys.argv[1])
    result = WORKLOADS[request["workload"]](request)
    if result is not None:
        print(json.dumps(result), flush=True)
