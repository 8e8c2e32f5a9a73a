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
