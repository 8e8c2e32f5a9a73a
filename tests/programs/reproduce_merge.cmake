# cmake -DREPRODUCE=… -DRUN=<folder of a reproduce_kim2019 run> -DOUT=… -P reproduce_merge.cmake
# --merge of one run's networks.csv rebuilds the same tables (networks.csv holds exact numbers);
# the same networks twice, or a file that is not a networks.csv, are refused by name.
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${REPRODUCE} --merge ${RUN}/networks.csv --out ${OUT} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "merge failed (${rc}): ${err}")
endif()
foreach(f results.md networks.csv fig7.png fig5.png)
  if(NOT EXISTS ${OUT}/${f})
    message(FATAL_ERROR "merge did not write ${f}")
  endif()
endforeach()
file(READ ${RUN}/results.md original)
file(READ ${OUT}/results.md merged)
string(FIND "${original}" "## Fig. 7" a)
string(FIND "${merged}" "## Fig. 7" b)
if(a LESS 0 OR b LESS 0)
  message(FATAL_ERROR "no Fig. 7 section: ${merged}")
endif()
string(SUBSTRING "${original}" ${a} -1 original)
string(SUBSTRING "${merged}" ${b} -1 merged)
if(NOT original STREQUAL merged)
  message(FATAL_ERROR "the merged tables differ from the run's:\n${original}\n---\n${merged}")
endif()
file(READ ${RUN}/networks.csv csv_run)
file(READ ${OUT}/networks.csv csv_merged)
if(NOT csv_run STREQUAL csv_merged)
  message(FATAL_ERROR "the merged networks.csv differs from the run's")
endif()

execute_process(COMMAND ${REPRODUCE} --merge ${RUN}/networks.csv ${RUN}/networks.csv --out ${OUT}/twice
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "networks.csv: network sigmoid seed 1 is already in an earlier file")
  message(FATAL_ERROR "a network given twice should be refused (${rc}): ${err}")
endif()
execute_process(COMMAND ${REPRODUCE} --merge ${RUN}/results.md --out ${OUT}/wrong RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "results.md: expected a networks.csv")
  message(FATAL_ERROR "a file that is not a networks.csv should be refused (${rc}): ${err}")
endif()

# A run into a folder that holds another run's networks.csv is refused (it used to replace it,
# losing the networks of the earlier run), and the file is left as it was.
execute_process(COMMAND ${REPRODUCE} --figure 7 --M 1 --N 20 --n_trials 10 --out ${RUN}
                RESULT_VARIABLE rc ERROR_VARIABLE err)
file(READ ${RUN}/networks.csv csv_after)
if(NOT rc EQUAL 2 OR NOT err MATCHES "--out: .*holds the networks.csv of an earlier run" OR NOT csv_after STREQUAL csv_run)
  message(FATAL_ERROR "a run into a folder with a networks.csv should be refused and keep it (${rc}): ${err}")
endif()
# merging a folder's own networks.csv into it is allowed: nothing is lost
execute_process(COMMAND ${REPRODUCE} --merge ${OUT}/networks.csv --out ${OUT} RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "merging a folder's networks.csv into itself failed (${rc}): ${err}")
endif()
