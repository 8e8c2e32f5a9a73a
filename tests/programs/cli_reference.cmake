# cmake -DSCRIPT=scripts/cli_reference.sh -DBIN=<folder of the programs> -DDOC=docs/cli.md -DOUT=… -P cli_reference.cmake
# docs/cli.md is the programs' own --help: regenerated here and compared, so it cannot drift.
execute_process(COMMAND bash ${SCRIPT} ${BIN} OUTPUT_FILE ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cli_reference.sh failed (${rc})")
endif()
file(READ ${OUT} generated)
file(READ ${DOC} committed)
if(NOT generated STREQUAL committed)
  message(FATAL_ERROR "docs/cli.md differs from the programs' --help: run `bash scripts/cli_reference.sh build/examples > docs/cli.md`")
endif()
