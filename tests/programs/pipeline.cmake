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
execute_process(COMMAND ${SEARCH} --model ${model} --factors 20:5:30 --trials 6 --threads 2
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

# the same model as a quadratic integrate-and-fire network (SI Table S1): the search records the
# neuron, and the evaluation then uses it without being told
file(COPY ${model} DESTINATION ${OUT}/qif)
get_filename_component(name ${model} NAME)
set(qif_model ${OUT}/qif/${name})
execute_process(COMMAND ${SEARCH} --model ${qif_model} --neuron qif --factors 50:10:70 --trials 4 RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "opt_scaling_factor (50|60|70) ")
  message(FATAL_ERROR "spikernn-search --neuron qif failed (${rc}): ${out}")
endif()
execute_process(COMMAND ${EVAL} --model ${qif_model} --trials 4 --plots ${OUT}/qif_plots RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "qif neurons" OR NOT out MATCHES "accuracy [01]\\.[0-9]+")
  message(FATAL_ERROR "spikernn-eval did not evaluate the QIF network the file was searched for (${rc}): ${out}")
endif()
file(READ ${OUT}/qif_plots/raster_go.gp script)
if(NOT script MATCHES "QIF spikes")
  message(FATAL_ERROR "the QIF raster is not titled as such")
endif()
execute_process(COMMAND ${EVAL} --model ${qif_model} --neuron lif --trials 2 RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "lif neurons")
  message(FATAL_ERROR "--neuron lif did not override the file (${rc}): ${out}")
endif()

# Two searches of one file at once: one searches, the other is refused at once naming the file
# (they used to both report success while one result was silently dropped).
file(COPY ${model} DESTINATION ${OUT}/twice)
set(twice_model ${OUT}/twice/${name})
set(one "'${SEARCH}' --model '${twice_model}' --factors 20:5:60 --trials 100 --threads 1 --redo")  # seconds of work: the two overlap
set(d "${OUT}/twice")
execute_process(COMMAND sh -c "(${one}; echo $? > '${d}/a.rc') > '${d}/a.log' 2>&1 & (${one}; echo $? > '${d}/b.rc') > '${d}/b.log' 2>&1 & wait")
file(READ ${OUT}/twice/a.rc rc_a)
file(READ ${OUT}/twice/b.rc rc_b)
file(READ ${OUT}/twice/a.log log_a)
file(READ ${OUT}/twice/b.log log_b)
string(STRIP "${rc_a}" rc_a)
string(STRIP "${rc_b}" rc_b)
set(rcs "${rc_a}${rc_b}")
if(NOT (rcs STREQUAL "01" OR rcs STREQUAL "10") OR NOT "${log_a}${log_b}" MATCHES "in use by another process")
  message(FATAL_ERROR "two searches of one file: expected one to succeed and one to be refused, got ${rcs}: ${log_a} ${log_b}")
endif()

# A folder with a file that is not a model: it is reported, the others are searched, exit 1.
file(COPY ${model} DESTINATION ${OUT}/mixed)
file(WRITE ${OUT}/mixed/aaa_not_a_model.mat "not a MAT file")
execute_process(COMMAND ${SEARCH} --model ${OUT}/mixed --factors 20 --trials 2 --redo
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT err MATCHES "aaa_not_a_model.mat: .*skipped" OR NOT out MATCHES "${name}: opt_scaling_factor 20"
   OR NOT err MATCHES "1 of 2 files")
  message(FATAL_ERROR "a folder search should go on past a bad file and exit 1 (${rc}): ${out} ${err}")
endif()

# The two estimators, the file's record of which was used and the history of searches; the
# evaluation is held out by default and says so, with its interval and the rate network's score.
file(COPY ${model} DESTINATION ${OUT}/estimators)
set(est_model ${OUT}/estimators/${name})
execute_process(COMMAND ${SEARCH} --model ${est_model} --factors 20:5:25 --trials 4 --estimator original
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "95 % interval \\[[01]\\.[0-9]+, [01]\\.[0-9]+\\]; the original's fresh-trials estimator")
  message(FATAL_ERROR "spikernn-search --estimator original (${rc}): ${out} ${err}")
endif()
execute_process(COMMAND ${SEARCH} --model ${est_model} --factors 20:5:25 --trials 2 --extend 1
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT err MATCHES "held a search with lif neurons and 4 trials per factor")
  message(FATAL_ERROR "a search with fewer trials should warn and keep the earlier one (${rc}): ${err}")
endif()
execute_process(COMMAND ${SEARCH} --model ${est_model} --estimator newest RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "--estimator: ")
  message(FATAL_ERROR "an unknown estimator should be refused by name (${rc}): ${err}")
endif()
execute_process(COMMAND ${EVAL} --model ${est_model} --trials 4 RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "4 held-out trials" OR NOT out MATCHES "rate network on the same trials [01]\\.[0-9]+")
  message(FATAL_ERROR "spikernn-eval should evaluate held-out trials by default (${rc}): ${out}")
endif()
execute_process(COMMAND ${EVAL} --model ${est_model} --trials 4 --in_sample RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "in-sample")
  message(FATAL_ERROR "spikernn-eval --in_sample (${rc}): ${out}")
endif()
