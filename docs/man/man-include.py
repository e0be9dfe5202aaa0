#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write help2man's include file for nodeprobe(1): the sections --help does not have.

The exit codes come from the README's "Exit codes" table, so the man page and the README
cannot disagree. Usage: man-include.py README.md OUT.h2m
"""
import re
import sys

readme, out = sys.argv[1], sys.argv[2]
text = open(readme, encoding="utf-8").read()
m = re.search(r"^### Exit codes[^\n]*\n\s*((?:\|.*\n)+)", text, re.M)
if not m:
    sys.exit(f"{readme}: no '### Exit codes' table")
rows = []
for line in m.group(1).splitlines():
    cells = [c.strip() for c in line.strip("|").split("|")]
    if len(cells) == 2 and cells[0].isdigit():
        rows.append((cells[0], re.sub(r"`([^`]*)`", r"\\fB\1\\fR", cells[1])))
if len(rows) < 5:
    sys.exit(f"{readme}: the exit code table has {len(rows)} rows")

with open(out, "w", encoding="utf-8") as f:
    f.write("[EXIT STATUS]\n")
    for code, what in rows:
        f.write(f".TP\n.B {code}\n{what}\n")
    f.write("""[EXAMPLES]
.TP
.B nodeprobe \\-\\-report
What the GPU of this machine or VM can transcode, what does not work, why, and the fix.
.TP
.B nodeprobe check \\-\\-require decode.hevc\\-10bit \\-\\-require encode.h264
Exit 0 only if both work: an init container that keeps Jellyfin from starting on a GPU that
cannot.
.TP
.B nodeprobe agent \\-\\-tier discover \\-\\-listen 0.0.0.0:8080
The discover DaemonSet: keep this node's GPU labels true, from sysfs alone.
.TP
.B nodeprobe host
On the Proxmox VE host: check the host side of GVT\\-g, SR\\-IOV or passthrough.
[FILES]
.TP
.I /usr/share/nodeprobe/manifests
Kustomize manifests: the two agent DaemonSets, RBAC, the admission policy, overlays and
Jellyfin and Plex examples.
[SEE ALSO]
.BR vainfo (1),
.BR kubectl (1)
""")
