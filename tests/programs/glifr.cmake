# cmake -DGLIFR=… -DPYTHON=… -DSCRIPT=… -DOUT=… -P glifr.cmake
# spikernn-glifr as a user runs it, on a toy scale: the pattern task for a mix of types, and
# line-by-line MNIST on a small generated data set; then Python reads every file it wrote
# (numpy and scipy.io) and checks shapes, names, what training changed and that the MNIST
# networks learned (tests/python/glifr_outputs.py).
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${PYTHON} ${SCRIPT} make_data ${OUT}/data RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "could not write the test data set (${rc})")
endif()
execute_process(COMMAND ${GLIFR} --task sine --types Hom,HomA,LHetA,RHet,RNN,LSTM --epochs 20 --eval_every 10
                        --threads 2 --out ${OUT}/sine
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "\\| LHetA \\| 128 \\| [0-9.]+ ± ")
  message(FATAL_ERROR "spikernn-glifr --task sine failed (${rc}): ${out}${err}")
endif()
execute_process(COMMAND ${GLIFR} --task lmnist --data ${OUT}/data --types Hom,LHetA,RNN,LSTM --hidden 24 --epochs 10
                        --batch 32 --threads 2 --out ${OUT}/lmnist
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "300 training and 100 test images")
  message(FATAL_ERROR "spikernn-glifr --task lmnist failed (${rc}): ${out}${err}")
endif()
# σ_V annealing (v2021, as it ran): the second half of the epochs runs with σ_V = 1e-3, where
# the rates are near steps and the loss changes character; the run must still finish and say so
execute_process(COMMAND ${GLIFR} --task sine --types LHetA --epochs 4 --eval_every 1 --anneal --out ${OUT}/anneal
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(READ ${OUT}/anneal/LHetA-1/run.json run_json)
if(NOT rc EQUAL 0 OR NOT run_json MATCHES "\"anneal\": true" OR NOT out MATCHES "σ_V annealed")
  message(FATAL_ERROR "spikernn-glifr --anneal failed (${rc}): ${out}${err}")
endif()
foreach(task sine lmnist)
  execute_process(COMMAND ${PYTHON} ${SCRIPT} check ${OUT}/${task} ${task} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the ${task} outputs do not check: ${out}")
  endif()
endforeach()
find_program(GNUPLOT gnuplot)
if(GNUPLOT)
  foreach(f sine/LHetA-1/params.png sine/LHetA-1/outputs.png sine/RNN-1/loss.png lmnist/Hom-1/loss.png)
    if(NOT EXISTS ${OUT}/${f})
      message(FATAL_ERROR "gnuplot is installed but ${f} was not drawn")
    endif()
  endforeach()
endif()

# A second run into the folder of the first is refused before it trains (it used to replace the
# first run's networks); the files are left as they were.
file(SHA256 ${OUT}/sine/results.csv before)
execute_process(COMMAND ${GLIFR} --task sine --types Hom --epochs 2 --out ${OUT}/sine RESULT_VARIABLE rc ERROR_VARIABLE err)
file(SHA256 ${OUT}/sine/results.csv after)
if(NOT rc EQUAL 2 OR NOT err MATCHES "--out: the folder holds the results of an earlier run" OR NOT before STREQUAL after)
  message(FATAL_ERROR "a run into an earlier run's folder should be refused (${rc}): ${err}")
endif()
