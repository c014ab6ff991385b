#!/usr/bin/python3
# Drives a program on a pseudo-terminal for a test: sends each input once the output so far contains its marker.
#
# Usage: pty-session.py '{"argv": [...], "steps": [{"waitFor": "vwsh # ", "send": "li\t"}, ...], "timeout": 20}'
# A step waits until its marker appears in what was written after the previous step's input was sent.
# Prints {"output": everything the program wrote, "status": its exit status} as JSON.
import json
import os
import pty
import select
import sys
import time

spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(spec["argv"][0], spec["argv"])

output = b""
deadline = time.time() + spec.get("timeout", 20)


def read_some(wait):
    global output
    ready, _, _ = select.select([fd], [], [], wait)
    if not ready:
        return True
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        return False
    if not chunk:
        return False
    output += chunk
    return True


sent_at = 0
for step in spec["steps"]:
    # Wait for the marker to appear after what the previous input produced began.
    marker = step["waitFor"].encode()
    while marker not in output[sent_at:] and time.time() < deadline:
        if not read_some(0.1):
            break
    sent_at = len(output)
    os.write(fd, step["send"].encode())

while time.time() < deadline and read_some(0.2):
    pass
_, status = os.waitpid(pid, 0)
print(json.dumps({"output": output.decode("utf-8", "replace"), "status": os.waitstatus_to_exitcode(status)}))
