# Runs scdoc on one page for maint_add_man_pages() (Scdoc.cmake):
#   cmake -DSCDOC=scdoc -DINPUT=page.1.scd -DOUTPUT=page.1 -P ScdocRun.cmake
# scdoc reads standard input and writes standard output. The page is written to a temporary file
# and renamed into place, so a failed run leaves no half-written page for the next build to trust.
foreach(var SCDOC INPUT OUTPUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "ScdocRun.cmake: ${var} is not set")
  endif()
endforeach()
execute_process(
  COMMAND "${SCDOC}"
  INPUT_FILE "${INPUT}"
  OUTPUT_FILE "${OUTPUT}.tmp"
  ERROR_VARIABLE errors
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  file(REMOVE "${OUTPUT}.tmp")
  message(FATAL_ERROR "scdoc failed on ${INPUT} (${result}):\n${errors}")
endif()
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
