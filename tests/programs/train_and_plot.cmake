# cmake -DTRAIN=... -DPLOT=... -DOUT=... -P train_and_plot.cmake
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${TRAIN} --task go_nogo --N 20 --decay_taus 4 20 --n_trials 120 --seed 3 --quiet
                        --output_dir ${OUT}
                RESULT_VARIABLE rc OUTPUT_VARIABLE model OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "spikernn-train failed (${rc})")
endif()
# the original's layout and name, with the seed: models/<task>/P_rec_<p>_Taus_<min>_<max>/
# Task_<task>_N_<N>_Taus_..._Act_<act>_seed_<seed>_<date>.mat
set(date "[0-9][0-9][0-9][0-9]_[0-9][0-9]_[0-9][0-9]_[0-9][0-9][0-9][0-9][0-9][0-9]")
set(expected "^${OUT}/models/go-nogo/P_rec_0.2_Taus_4.0_20.0/Task_go-nogo_N_20_Taus_4.0_20.0_Act_sigmoid_seed_3_${date}.mat$")
if(NOT model MATCHES "${expected}" OR NOT EXISTS "${model}")
  message(FATAL_ERROR "unexpected model path '${model}'")
endif()
execute_process(COMMAND ${TRAIN} --N 20 --decay_taus 7 --apply_dale no --n_trials 2 --quiet --output_dir ${OUT}
                RESULT_VARIABLE rc OUTPUT_VARIABLE nodale OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0 OR NOT nodale MATCHES "/models/go-nogo/NoDale/P_rec_0.2_Tau_7.0/Task_go-nogo_N_20_Tau_7.0_Act_sigmoid_seed_1_")
  message(FATAL_ERROR "unexpected no-Dale model path '${nodale}' (${rc})")
endif()
# Three runs of one seed started together each keep their model (they used to rename over one
# another within the same second): three files, the later ones named _2, _3.
foreach(k 1 2 3)
  list(APPEND same_seed COMMAND ${TRAIN} --N 20 --decay_taus 7 --n_trials 2 --quiet --seed 9 --output_dir ${OUT}/same)
endforeach()
execute_process(${same_seed} RESULT_VARIABLE rcs)
file(GLOB_RECURSE kept ${OUT}/same/*.mat)
list(LENGTH kept n_kept)
if(NOT n_kept EQUAL 3)
  message(FATAL_ERROR "three runs of seed 9 left ${n_kept} model files (${rcs}): ${kept}")
endif()
execute_process(COMMAND ${PLOT} --model ${model} --plots ${OUT}/plots RESULT_VARIABLE rc)
foreach(f rate_output.dat rate_output.gp training_loss.dat training_loss.gp)
  if(NOT rc EQUAL 0 OR NOT EXISTS ${OUT}/plots/${f})
    message(FATAL_ERROR "spikernn-plot did not write ${f} (${rc})")
  endif()
endforeach()
