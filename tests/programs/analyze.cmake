# cmake -DTRAIN=… -DANALYZE=… -DOUT=… -P analyze.cmake
# A tiny Mante network (barely trained) through spikernn-analyze at a given factor: every table
# and figure's data and script is written, the fixed points are reported per context, and a
# refused flag is named.
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${TRAIN} --task mante --N 24 --n_trials 20 --seed 3 --quiet --output_dir ${OUT}
                RESULT_VARIABLE rc OUTPUT_VARIABLE model OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "spikernn-train failed (${rc})")
endif()
execute_process(COMMAND ${ANALYZE} --model ${model} --factor 30 --trials 8 --starts 4 --downsample 4 --threads 2
                        --out ${OUT}/analysis
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "context1: [0-9]+ fixed points" OR NOT out MATCHES "context2: [0-9]+ fixed points"
   OR NOT out MATCHES "exc +all" OR NOT out MATCHES "inh +all")
  message(FATAL_ERROR "spikernn-analyze failed (${rc}): ${out}${err}")
endif()
foreach(f firing_statistics.dat firing_statistics.gp psth.dat psth.gp psth_units.dat lif_pca.dat fixed_points.dat
          fixed_points.gp fixed_points_table.dat eigenvalues.dat eigenvalues.gp)
  if(NOT EXISTS ${OUT}/analysis/${f})
    message(FATAL_ERROR "spikernn-analyze did not write ${f}")
  endif()
endforeach()
# the barely trained network may give one answer on every trial: the choice is then left out
if(NOT out MATCHES "selectivity: [0-9]+ of 24 units" OR NOT EXISTS ${OUT}/analysis/selectivity.gp
   OR NOT EXISTS ${OUT}/analysis/selectivity_units.dat)
  message(FATAL_ERROR "spikernn-analyze did not run the selectivity analysis: ${out}")
endif()
execute_process(COMMAND ${ANALYZE} --model ${model} --out ${OUT}/refused --bin 0 RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "^spikernn-analyze: --bin: ")
  message(FATAL_ERROR "spikernn-analyze --bin 0: expected exit 2 naming --bin, got ${rc}: ${err}")
endif()
