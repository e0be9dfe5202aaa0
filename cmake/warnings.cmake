# SPDX-License-Identifier: MIT
# One list of warnings for the project's own targets; warnings are errors.
set(NODEPROBE_WARNINGS
  -Wall -Wextra -Werror
  -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wformat-security
  -Wpointer-arith -Wcast-qual -Wundef -Wvla -Wnull-dereference -Wimplicit-fallthrough
  -Wno-unused-parameter)
function(nodeprobe_warnings target)
  target_compile_options(${target} PRIVATE ${NODEPROBE_WARNINGS})
endfunction()
