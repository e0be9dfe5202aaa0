# SPDX-License-Identifier: MIT
# One list of warnings for the project's own targets (errors with NODEPROBE_WERROR).
set(NODEPROBE_WARNINGS
  -Wall -Wextra
  -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wformat-security
  -Wpointer-arith -Wcast-qual -Wundef -Wvla -Wnull-dereference -Wimplicit-fallthrough
  -Wno-unused-parameter)
if(NODEPROBE_WERROR)
  list(APPEND NODEPROBE_WARNINGS -Werror)
endif()
set(NODEPROBE_HARDENING -fstack-protector-strong)
if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug" AND NOT NODEPROBE_SANITIZE AND NOT NODEPROBE_FUZZ)
  list(APPEND NODEPROBE_HARDENING -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3)
endif()
# Flags for the project's own targets: warnings, hardening, and with NODEPROBE_SANITIZE the
# ASan/UBSan instrumentation (NODEPROBE_FUZZ: libFuzzer's coverage too). Test helpers that are
# preloaded or dlopen()ed into other programs (the fstat shim, the fake VA driver) do not use
# this, so they never drag the ASan runtime into cp or vainfo.
function(nodeprobe_target_flags target)
  target_compile_options(${target} PRIVATE ${NODEPROBE_WARNINGS} ${NODEPROBE_HARDENING})
  target_link_options(${target} PRIVATE LINKER:-z,relro,-z,now)
  if(NODEPROBE_SANITIZE OR NODEPROBE_FUZZ)
    set(san -fsanitize=address,undefined)
    if(NODEPROBE_FUZZ)
      set(san -fsanitize=fuzzer-no-link,address,undefined)
    endif()
    target_compile_options(${target} PRIVATE ${san} -fno-omit-frame-pointer
                                             -fno-sanitize-recover=all)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
endfunction()
