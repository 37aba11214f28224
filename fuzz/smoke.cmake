# One fuzz smoke run, for CTest: runs HARNESS for RUNS executions or SECONDS seconds,
# whichever comes first, over the seeds in SEEDS, writing new inputs and any crash
# (crash-<sha1>) under WORK, which starts empty, with the dictionary DICT if given.
# Fails if the harness fails.
foreach(var HARNESS SEEDS WORK RUNS SECONDS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "smoke.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT IS_DIRECTORY ${SEEDS})
  message(FATAL_ERROR "no seed corpus at ${SEEDS}")
endif()
set(extra "")
if(DICT)
  list(APPEND extra -dict=${DICT})
endif()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus)
execute_process(
  COMMAND ${HARNESS} -runs=${RUNS} -max_total_time=${SECONDS} -timeout=10
          -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=${WORK}/ ${extra}
          ${WORK}/corpus ${SEEDS}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(GLOB crashes ${WORK}/crash-* ${WORK}/leak-* ${WORK}/timeout-* ${WORK}/oom-*)
  message(FATAL_ERROR "${HARNESS} failed (${rc}); reproducer(s): ${crashes}")
endif()
