# cmake -DTRAIN=… -DEXPORT=… -DPYTHON=… -DCHECK=brian2_export_check.py -DOUT=… -P export_brian2.cmake
# spikernn-export --to brian2 on a model trained here, then Brian2 itself (Debian's python3-brian)
# runs the script: the noiseless trial to the bit, and every exported trial with an accuracy and
# rates that agree with spikernn's on the same trials (tests/python/brian2_export_check.py).
# Exit 77 (skipped) when brian2 cannot be imported.
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${TRAIN} --N 40 --n_trials 200 --seed 2 --quiet --output_dir ${OUT}/model
                RESULT_VARIABLE rc OUTPUT_VARIABLE model OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "spikernn-train failed (${rc})")
endif()
execute_process(COMMAND ${EXPORT} --model ${model} --factor 20 --to brian2 --out ${OUT}/brian2 --trials 20 --threads 2
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "spikernn on these trials")
  message(FATAL_ERROR "spikernn-export --to brian2 failed (${rc}): ${out}${err}")
endif()
execute_process(COMMAND ${PYTHON} ${CHECK} ${OUT}/brian2 RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 77)
  message("brian2 is not installed: skipped")
  # CTest reads the skip from the output (SKIP_REGULAR_EXPRESSION): cmake -P cannot exit 77
elseif(NOT rc EQUAL 0)
  message(FATAL_ERROR "the Brian2 script does not run the network as spikernn does (${rc}):\n${out}${err}")
endif()
message("${out}")
