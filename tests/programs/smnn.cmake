# cmake -DSMNN=… -DPYTHON=… -DDATA_SCRIPT=… -DSCRIPT=… -DOUT=… -P smnn.cmake
# spikernn-smnn as a user runs it, on a toy scale: MNIST (generated IDX digits) with modes and
# with a full-rank recurrence, and the context task; Python then reads every file it wrote.
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${PYTHON} ${DATA_SCRIPT} make_data ${OUT}/data RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "could not write the test data set (${rc})")
endif()
set(runs
  "mnist|20|2|--epochs 3 --batches_per_epoch 2 --batch 32 --test_every 1 --steps 20 --data ${OUT}/data"
  "mnist|16|full|--epochs 2 --batches_per_epoch 1 --batch 16 --steps 10 --surrogate arctan --data ${OUT}/data"
  "context|20|2|--rounds 3 --batch 8 --steps 60 --test_trials 16 --neuron leaky --filter single")
foreach(r IN LISTS runs)
  string(REPLACE "|" ";" parts "${r}")
  list(GET parts 0 task)
  list(GET parts 1 n)
  list(GET parts 2 p)
  list(GET parts 3 extra)
  separate_arguments(extra UNIX_COMMAND "${extra}")
  set(dir ${OUT}/${task}_${n}_${p})
  execute_process(COMMAND ${SMNN} --task ${task} --N ${n} --P ${p} ${extra} --out ${dir}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "\\| ${n} \\| ${p} \\| [01]\\.[0-9]+ ")
    message(FATAL_ERROR "spikernn-smnn ${r} failed (${rc}): ${out}${err}")
  endif()
  execute_process(COMMAND ${PYTHON} ${SCRIPT} check ${dir} ${task} ${n} ${p} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the outputs of ${r} do not check: ${out}")
  endif()
endforeach()
find_program(GNUPLOT gnuplot)
if(GNUPLOT)
  foreach(f mnist_20_2/N20_P2-1/raster.png mnist_20_2/N20_P2-1/accuracy.png context_20_2/N20_P2-1/outputs.png)
    if(NOT EXISTS ${OUT}/${f})
      message(FATAL_ERROR "gnuplot is installed but ${f} was not drawn")
    endif()
  endforeach()
endif()

# A second run into the folder of the first is refused before it trains.
execute_process(COMMAND ${SMNN} --task context --N 20 --P 2 --rounds 1 --batch 2 --steps 20 --test_trials 2
                        --out ${OUT}/context_20_2 RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "--out: the folder holds the results of an earlier run")
  message(FATAL_ERROR "a run into an earlier run's folder should be refused (${rc}): ${err}")
endif()
