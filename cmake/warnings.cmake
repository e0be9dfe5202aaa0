# SPDX-License-Identifier: MIT
# One list of warnings for the project's own targets; warnings are errors.
set(NODEPROBE_WARNINGS
  -Wall -Wextra -Werror
  -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wformat-security
  -Wpointer-arith -Wcast-qual -Wundef -Wvla -Wnull-dereference -Wimplicit-fallthrough
  -Wno-unused-parameter)
# Flags for the project's own targets: warnings, and with NODEPROBE_SANITIZE the ASan/UBSan
# instrumentation. Test helpers that are preloaded or dlopen()ed into other programs (the fstat
# shim, the fake VA driver) do not use this, so they never drag the ASan runtime into cp or vainfo.
function(nodeprobe_target_flags target)
  target_compile_options(${target} PRIVATE ${NODEPROBE_WARNINGS})
  if(NODEPROBE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=all)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
endfunction()
