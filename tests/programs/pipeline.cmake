# cmake -DTRAIN=… -DSEARCH=… -DEVAL=… -DEMBED=… -DOUT=… -P pipeline.cmake
# train (small) → search (few trials) → the factor is written back with every other variable
# kept → eval with plots → a host loop drives the converted network.
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${TRAIN} --N 60 --n_trials 300 --seed 2 --quiet --output_dir ${OUT}
                RESULT_VARIABLE rc OUTPUT_VARIABLE model OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "spikernn-train failed (${rc})")
endif()
file(SIZE ${model} size_before)
execute_process(COMMAND ${SEARCH} --model ${model} --factors 20:30:5 --trials 6 --threads 2
                RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "opt_scaling_factor (20|25|30) ")
  message(FATAL_ERROR "spikernn-search failed (${rc}): ${out}")
endif()
# a folder search skips the file that already holds its factor
get_filename_component(folder ${model} DIRECTORY)
execute_process(COMMAND ${SEARCH} --model ${folder} --factors 20 --trials 2 RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "already searched")
  message(FATAL_ERROR "folder search did not skip the searched file (${rc}): ${out}")
endif()
execute_process(COMMAND ${EVAL} --model ${model} --trials 6 --plots ${OUT}/plots RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "accuracy [01]\\.[0-9]+" OR NOT out MATCHES "nogo" OR NOT out MATCHES "inhibitory")
  message(FATAL_ERROR "spikernn-eval failed (${rc}): ${out}")
endif()
foreach(f raster_go.dat raster_go.gp raster_nogo.dat output_go.dat output_nogo.gp accuracy_vs_factor.dat)
  if(NOT EXISTS ${OUT}/plots/${f})
    message(FATAL_ERROR "spikernn-eval --plots did not write ${f}")
  endif()
endforeach()
execute_process(COMMAND ${EMBED} --model ${model} --raster ${OUT}/embedded.txt RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT EXISTS ${OUT}/embedded.txt)
  message(FATAL_ERROR "embed_lif failed (${rc}): ${out}")
endif()
