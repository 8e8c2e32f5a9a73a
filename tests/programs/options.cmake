# cmake -DTRAIN=… -DSEARCH=… -DEVAL=… -DOUT=… -P options.cmake
# Every option of the original runs end to end on a tiny network: each training variant is
# trained for a few trials, saved, searched and evaluated, and each conversion variant is
# searched and evaluated on one of them. (Whether they learn is tested elsewhere; this is
# about every flag reaching the code that implements it.)
file(REMOVE_RECURSE ${OUT})
set(variants
  "--task go-nogo --act softplus --loss_fn l1 --som_N 3"
  "--task go-nogo --act clipped_relu --apply_dale false --decay_taus 7"
  "--task go-nogo --w_dist gamma --decay_taus 4 10"
  "--task xor --decay_taus 4 50"
  "--task mante"
  "--task mante_port --act softplus")
set(i 0)
foreach(v IN LISTS variants)
  separate_arguments(args UNIX_COMMAND "${v}")
  execute_process(COMMAND ${TRAIN} --N 30 --n_trials 3 --quiet ${args} --output_dir ${OUT}/${i}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE model OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0 OR NOT EXISTS "${model}")
    message(FATAL_ERROR "spikernn-train ${v} failed (${rc})")
  endif()
  execute_process(COMMAND ${SEARCH} --model ${model} --factors 10,20 --trials 2 RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "opt_scaling_factor (10|20) ")
    message(FATAL_ERROR "spikernn-search after ${v} failed (${rc}): ${out}")
  endif()
  execute_process(COMMAND ${EVAL} --model ${model} --trials 2 RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "accuracy [01]\\.[0-9]+")
    message(FATAL_ERROR "spikernn-eval after ${v} failed (${rc}): ${out}")
  endif()
  if(i EQUAL 0)
    set(first ${model})
  endif()
  math(EXPR i "${i} + 1")
endforeach()
foreach(v "--tau_r 0" "--downsample 2" "--use_initial_weights" "--neuron qif" "--tau_r 0 --downsample 4 --neuron qif")
  separate_arguments(args UNIX_COMMAND "${v}")
  execute_process(COMMAND ${SEARCH} --model ${first} --factors 10,20 --trials 2 ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "opt_scaling_factor (10|20) ")
    message(FATAL_ERROR "spikernn-search ${v} failed (${rc}): ${out}")
  endif()
  execute_process(COMMAND ${EVAL} --model ${first} --trials 2 ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "accuracy [01]\\.[0-9]+")
    message(FATAL_ERROR "spikernn-eval ${v} failed (${rc}): ${out}")
  endif()
endforeach()
