# cmake -DPYTHON=… -DSCRIPT=model_interop.py -DSEARCH=… -DEVAL=… -DOUT=… -P search_scipy_model.cmake
# A model written by scipy.io.savemat in the original schema (float32 weights, logical exc/inh,
# no `task` variable) is searched and evaluated as it is; a failed search leaves it untouched.
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${PYTHON} ${SCRIPT} write ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "model_interop.py write failed")
endif()
file(SHA256 ${OUT}/original_model.mat before)
execute_process(COMMAND ${SEARCH} --model ${OUT}/original_model.mat --factors 20:5:25 --trials 4
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "task")
  message(FATAL_ERROR "a model without a task should need --task (${rc}): ${err}")
endif()
file(SHA256 ${OUT}/original_model.mat after)
if(NOT before STREQUAL after)
  message(FATAL_ERROR "a failed search changed the model file")
endif()
execute_process(COMMAND ${SEARCH} --model ${OUT}/original_model.mat --task go-nogo --factors 20:5:25 --trials 4
                RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "opt_scaling_factor")
  message(FATAL_ERROR "search of the scipy-written model failed (${rc}): ${out}")
endif()
execute_process(COMMAND ${EVAL} --model ${OUT}/original_model.mat --task go-nogo --trials 4 RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "accuracy")
  message(FATAL_ERROR "evaluation of the scipy-written model failed (${rc}): ${out}")
endif()
execute_process(COMMAND ${PYTHON} -c "import scipy.io as s; d = s.loadmat('${OUT}/original_model.mat'); assert d['scaling_factors'].shape == (1, 2), d['scaling_factors'].shape; assert d['all_perfs'].shape == (2, 1); assert d['opt_scaling_factor'].shape == (1, 1); assert d['w'].dtype.name == 'float32'; assert d['tr'].item() == 1501"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "scipy does not read the searched file back as expected")
endif()

# An impossible value inside a file (taus of 0 steps: no synaptic decay time) is the file's
# problem: the message names the file, not a flag the program does not have, and the exit code
# is that of a failed run (1), not of a usage error (2). A NaN b_out is refused on loading.
execute_process(COMMAND ${PYTHON} -c "import scipy.io as s; d = s.loadmat('${OUT}/original_model.mat'); d = {k: v for k, v in d.items() if not k.startswith('__')}; d['taus'] = d['taus'] * 0; d['taus_gaus'] = d['taus_gaus'] * 0; s.savemat('${OUT}/zero_taus.mat', d); d['taus'] = s.loadmat('${OUT}/original_model.mat')['taus']; d['b_out'] = d['b_out'] * float('nan'); s.savemat('${OUT}/nan_bias.mat', d)"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "could not write the damaged models")
endif()
foreach(run "${SEARCH};--factors;20" "${EVAL};--factor;20")
  execute_process(COMMAND ${run} --model ${OUT}/zero_taus.mat --task go-nogo --trials 2
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 1 OR NOT err MATCHES "zero_taus.mat: invalid parameter 'tau_d'" OR err MATCHES "--tau_d")
    message(FATAL_ERROR "${run} on a file with zero taus: expected exit 1 naming the file (${rc}): ${err}")
  endif()
endforeach()
execute_process(COMMAND ${EVAL} --model ${OUT}/nan_bias.mat --task go-nogo --trials 2 RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT err MATCHES "nan_bias.mat: variable 'b_out': expected a finite bias")
  message(FATAL_ERROR "a NaN b_out should be refused naming the file and the variable (${rc}): ${err}")
endif()
