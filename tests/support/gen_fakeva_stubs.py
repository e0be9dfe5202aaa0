#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Regenerate fakeva_stubs.h from the installed libva's struct VADriverVTable.

Run: python3 tests/support/gen_fakeva_stubs.py /usr/include/va/va_backend.h > tests/support/fakeva_stubs.h
Every VAStatus entry gets a stub with the exact prototype that answers
VA_STATUS_ERROR_UNIMPLEMENTED; libva's va_openDriver() refuses a driver whose vtable has
NULL entries among the ~42 it checks.
"""
import re
import sys

src = open(sys.argv[1] if len(sys.argv) > 1 else "/usr/include/va/va_backend.h").read()
body = src[src.index("struct VADriverVTable {"):]
body = body[: body.index("\n};")]
body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
body = re.sub(r"//[^\n]*", "", body)
ents = re.findall(r"VAStatus\s*\(\s*\*\s*(\w+)\s*\)\s*\((.*?)\)\s*;", body, flags=re.S)
out = [
    "/* SPDX-License-Identifier: MIT */",
    "/* Generated from va/va_backend.h (struct VADriverVTable) by gen_fakeva_stubs.py: every",
    " * VAStatus entry of the vtable with its exact prototype, answering",
    " * VA_STATUS_ERROR_UNIMPLEMENTED. The fake driver overrides the few it implements.",
    " * Regenerate when moving to a libva with new vtable entries. */",
    "#ifndef FAKEVA_STUBS_H",
    "#define FAKEVA_STUBS_H",
    "",
]
for name, params in ents:
    p = " ".join(params.split())
    out.append(f"static VAStatus stub_{name}({p})\n{{\n        return VA_STATUS_ERROR_UNIMPLEMENTED;\n}}\n")
out.append("static void fakeva_fill_stubs(struct VADriverVTable *vt)\n{")
out += [f"        vt->{n} = stub_{n};" for n, _ in ents]
out.append("}\n\n#endif")
print("\n".join(out))
