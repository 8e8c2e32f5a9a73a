# The example programs as a user runs them: impossible flags are refused naming the flag, and a
# short run writes the model where the original would and plots it.
set(_bad_flags
  "N:--N 0"
  "P_inh:--P_inh 1.5"
  "P_rec:--P_rec -0.1"
  "som_N:--N 10 --som_N 11"
  "task:--task flip-flop"
  "act:--act tanh"
  "loss_fn:--loss_fn mse"
  "apply_dale:--apply_dale maybe"
  "decay_taus:--decay_taus 20 4"
  "n_trials:--n_trials 0")
foreach(_case IN LISTS _bad_flags)
  string(REPLACE ":" ";" _parts "${_case}")
  list(GET _parts 0 _flag)
  list(GET _parts 1 _args)
  separate_arguments(_args UNIX_COMMAND "${_args}")
  add_test(NAME program.train_refuses_${_flag} COMMAND spikernn-train ${_args} --output_dir ${CMAKE_CURRENT_BINARY_DIR}/refused)
  set_tests_properties(program.train_refuses_${_flag} PROPERTIES PASS_REGULAR_EXPRESSION "spikernn-train: --${_flag}: ")
endforeach()
add_test(NAME program.train_refuses_three_taus COMMAND spikernn-train --decay_taus 1 2 3)
set_tests_properties(program.train_refuses_three_taus PROPERTIES WILL_FAIL TRUE)

# (only spikernn-train, spikernn-search and spikernn-eval with SPIKERNN_MAIN_PROGRAMS_ONLY, as
# CI's sanitizer pass builds: the tests of the other programs are added where they are built)
if(TARGET spikernn-plot)
  add_test(NAME program.train_and_plot
    COMMAND ${CMAKE_COMMAND} -DTRAIN=$<TARGET_FILE:spikernn-train> -DPLOT=$<TARGET_FILE:spikernn-plot>
            -DOUT=${CMAKE_CURRENT_BINARY_DIR}/program_run -P ${CMAKE_CURRENT_SOURCE_DIR}/programs/train_and_plot.cmake)
endif()

# Search and evaluation: bad flags are refused by name; the whole pipeline runs on a model
# trained here, and on a model written by scipy.io.savemat in the original schema.
foreach(_case "factors=--factors 5:1" "trials=--trials 0" "threads=--threads -1" "neuron=--neuron izhikevich")
  string(REPLACE "=" ";" _parts "${_case}")
  list(GET _parts 0 _flag)
  list(GET _parts 1 _args)
  separate_arguments(_args UNIX_COMMAND "${_args}")
  add_test(NAME program.search_refuses_${_flag} COMMAND spikernn-search --model nowhere.mat ${_args})
  set_tests_properties(program.search_refuses_${_flag} PROPERTIES PASS_REGULAR_EXPRESSION "spikernn-search: --${_flag}: ")
endforeach()
add_test(NAME program.eval_refuses_missing_file COMMAND spikernn-eval --model nowhere.mat)
set_tests_properties(program.eval_refuses_missing_file PROPERTIES PASS_REGULAR_EXPRESSION "nowhere.mat: does not exist")
add_test(NAME program.eval_refuses_factor COMMAND spikernn-eval --model nowhere.mat --factor -2)
set_tests_properties(program.eval_refuses_factor PROPERTIES PASS_REGULAR_EXPRESSION "spikernn-eval: --factor: ")

add_test(NAME program.pipeline
  COMMAND ${CMAKE_COMMAND} -DTRAIN=$<TARGET_FILE:spikernn-train> -DSEARCH=$<TARGET_FILE:spikernn-search>
          -DEVAL=$<TARGET_FILE:spikernn-eval> -DEMBED=$<$<TARGET_EXISTS:embed_lif>:$<TARGET_FILE:embed_lif>>
          -DOUT=${CMAKE_CURRENT_BINARY_DIR}/pipeline
          -DSANITIZED=${SPIKERNN_SANITIZE}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/programs/pipeline.cmake)
if(SPIKERNN_SYSTEM_PYTHON)
  add_test(NAME program.search_scipy_model
    COMMAND ${CMAKE_COMMAND} -DPYTHON=${SPIKERNN_SYSTEM_PYTHON} -DSCRIPT=${CMAKE_CURRENT_SOURCE_DIR}/python/model_interop.py
            -DSEARCH=$<TARGET_FILE:spikernn-search> -DEVAL=$<TARGET_FILE:spikernn-eval>
            -DOUT=${CMAKE_CURRENT_BINARY_DIR}/scipy_model -P ${CMAKE_CURRENT_SOURCE_DIR}/programs/search_scipy_model.cmake)
endif()

# A task defined outside the library goes through training, saving, search and evaluation.
if(TARGET custom_task)
  add_test(NAME program.custom_task COMMAND custom_task --N 40 --n_trials 150 --trials 10 --output_dir ${CMAKE_CURRENT_BINARY_DIR}/custom_task)
  set_tests_properties(program.custom_task PROPERTIES PASS_REGULAR_EXPRESSION "LIF accuracy [01]\\.[0-9]+ at scaling factor")
  set_tests_properties(program.custom_task PROPERTIES FIXTURES_SETUP custom_task_model)
  # spikernn-plot draws the training loss of a model of a task it does not ship (exit 0)
  add_test(NAME program.plot_custom_task
    COMMAND sh -c "'$<TARGET_FILE:spikernn-plot>' --model '${CMAKE_CURRENT_BINARY_DIR}/custom_task/delayed_sign.mat' --plots '${CMAKE_CURRENT_BINARY_DIR}/custom_task/plots' 2>&1 | grep -q 'training loss only' && test -s '${CMAKE_CURRENT_BINARY_DIR}/custom_task/plots/training_loss.dat'")
  set_tests_properties(program.plot_custom_task PROPERTIES FIXTURES_REQUIRED custom_task_model)
endif()

# The paper-figure program on a toy scale: every output is written and bad flags are refused
# (SPIKERNN_BUILD_REPRODUCTION=OFF, as CI's sanitizer pass builds, leaves the program out).
if(TARGET reproduce_kim2019)
  # the run refuses a folder that holds an earlier run's networks.csv: start from an empty one
  add_test(NAME program.reproduce_kim2019_clean COMMAND ${CMAKE_COMMAND} -E rm -rf ${CMAKE_CURRENT_BINARY_DIR}/kim2019)
  set_tests_properties(program.reproduce_kim2019_clean PROPERTIES FIXTURES_SETUP kim2019_clean)
  add_test(NAME program.reproduce_kim2019
    COMMAND reproduce_kim2019 --figure all --M 2 --N 60 --n_trials 1600 --search_trials 4 --eval_trials 4 --threads 2
            --out ${CMAKE_CURRENT_BINARY_DIR}/kim2019)
  set_tests_properties(program.reproduce_kim2019 PROPERTIES
    PASS_REGULAR_EXPRESSION "Fig. 7 .*\\| sigmoid \\| [0-2]/2 .*Fig. 5 .*\\| fixed 35 ms \\| [0-2]/2 .*written: "
    FIXTURES_SETUP kim2019_networks FIXTURES_REQUIRED kim2019_clean)
  # The conversion methods beyond the paper, on one toy network of one condition.
  add_test(NAME program.reproduce_kim2019_methods
    COMMAND sh -c "rm -rf '${CMAKE_CURRENT_BINARY_DIR}/kim2019_methods' && '$<TARGET_FILE:reproduce_kim2019>' --figure 7 --conditions sigmoid --M 1 --seed 2 --N 60 --n_trials 1600 --search_trials 4 --eval_trials 4 --calibration_trials 3 --original_estimator --recalibrate --train_noise 0.5 --threads 1 --out '${CMAKE_CURRENT_BINARY_DIR}/kim2019_methods'")
  set_tests_properties(program.reproduce_kim2019_methods PROPERTIES PASS_REGULAR_EXPRESSION
    "original estimator [01]\\.[0-9]+; recalibrated: factor [0-9]+, fresh [01]\\.[0-9]+; noise-trained.*\\| sigmoid \\| [01]/1 \\| .*\\| softplus \\| 0/0 ")
  # Batches merge: the toy run's networks.csv alone gives back its tables; a network twice is refused.
  add_test(NAME program.reproduce_merge
    COMMAND ${CMAKE_COMMAND} -DREPRODUCE=$<TARGET_FILE:reproduce_kim2019> -DRUN=${CMAKE_CURRENT_BINARY_DIR}/kim2019
            -DOUT=${CMAKE_CURRENT_BINARY_DIR}/kim2019_merged -P ${CMAKE_CURRENT_SOURCE_DIR}/programs/reproduce_merge.cmake)
  set_tests_properties(program.reproduce_merge PROPERTIES FIXTURES_REQUIRED kim2019_networks)
  foreach(_case "figure=--figure 3" "M=--M 0" "threads=--threads -1" "min_trials=--min_trials 7000"
                "conditions=--figure 5 --conditions softplus" "train_noise=--train_noise -1")
    string(REPLACE "=" ";" _parts "${_case}")
    list(GET _parts 0 _flag)
    list(GET _parts 1 _args)
    separate_arguments(_args UNIX_COMMAND "${_args}")
    add_test(NAME program.reproduce_refuses_${_flag} COMMAND reproduce_kim2019 ${_args} --out ${CMAKE_CURRENT_BINARY_DIR}/refused)
    set_tests_properties(program.reproduce_refuses_${_flag} PROPERTIES PASS_REGULAR_EXPRESSION "reproduce_kim2019: --${_flag}: ")
  endforeach()
  # minutes under the sanitizers: the first pass of CI runs them, its sanitizer pass leaves them out
  set_tests_properties(program.reproduce_kim2019 program.reproduce_merge program.reproduce_kim2019_methods PROPERTIES LABELS slow)
endif()

# Every option of the original, end to end on tiny networks.
add_test(NAME program.every_option
  COMMAND ${CMAKE_COMMAND} -DTRAIN=$<TARGET_FILE:spikernn-train> -DSEARCH=$<TARGET_FILE:spikernn-search>
          -DEVAL=$<TARGET_FILE:spikernn-eval> -DOUT=${CMAKE_CURRENT_BINARY_DIR}/every_option
          -P ${CMAKE_CURRENT_SOURCE_DIR}/programs/options.cmake)

# The GLIFR paper's network types on its tasks: files a Python user reads, and refusals by name.
if(TARGET spikernn-glifr)
  if(SPIKERNN_SYSTEM_PYTHON)
    add_test(NAME program.glifr
      COMMAND ${CMAKE_COMMAND} -DGLIFR=$<TARGET_FILE:spikernn-glifr> -DPYTHON=${SPIKERNN_SYSTEM_PYTHON}
              -DSCRIPT=${CMAKE_CURRENT_SOURCE_DIR}/python/glifr_outputs.py -DOUT=${CMAKE_CURRENT_BINARY_DIR}/glifr
              -P ${CMAKE_CURRENT_SOURCE_DIR}/programs/glifr.cmake)
  endif()
  foreach(_case "task=--task cifar" "types=--types Hom,GRU" "paper_version=--paper_version 2020" "runs=--runs 0" "sigma_v=--sigma_v 0"
                "data=--task lmnist --data ${CMAKE_CURRENT_BINARY_DIR}/missing_data_folder")
    string(REPLACE "=" ";" _parts "${_case}")
    list(GET _parts 0 _flag)
    list(GET _parts 1 _args)
    separate_arguments(_args UNIX_COMMAND "${_args}")
    add_test(NAME program.glifr_refuses_${_flag} COMMAND spikernn-glifr ${_args} --out ${CMAKE_CURRENT_BINARY_DIR}/refused)
    set_tests_properties(program.glifr_refuses_${_flag} PROPERTIES PASS_REGULAR_EXPRESSION "spikernn-glifr: .*${_flag}")
  endforeach()
endif()

# Interrupted (Ctrl-C / kill) and resumed runs give the models of runs never stopped.
if(SPIKERNN_SYSTEM_PYTHON)
  add_test(NAME program.train_resume
    COMMAND ${SPIKERNN_SYSTEM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/python/resume_program.py train
            $<TARGET_FILE:spikernn-train> ${CMAKE_CURRENT_BINARY_DIR}/train_resume)
endif()
if(SPIKERNN_SYSTEM_PYTHON AND TARGET spikernn-smnn)
  add_test(NAME program.smnn_resume
    COMMAND ${SPIKERNN_SYSTEM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/python/resume_program.py smnn
            $<TARGET_FILE:spikernn-smnn> ${CMAKE_CURRENT_BINARY_DIR}/smnn_resume)
endif()

# Spiking mode-based RNNs: files a Python user reads, and refusals by name.
if(TARGET spikernn-smnn)
  if(SPIKERNN_SYSTEM_PYTHON)
    add_test(NAME program.smnn
      COMMAND ${CMAKE_COMMAND} -DSMNN=$<TARGET_FILE:spikernn-smnn> -DPYTHON=${SPIKERNN_SYSTEM_PYTHON}
              -DDATA_SCRIPT=${CMAKE_CURRENT_SOURCE_DIR}/python/glifr_outputs.py
              -DSCRIPT=${CMAKE_CURRENT_SOURCE_DIR}/python/smnn_outputs.py -DOUT=${CMAKE_CURRENT_BINARY_DIR}/smnn
              -P ${CMAKE_CURRENT_SOURCE_DIR}/programs/smnn.cmake)
  endif()
  foreach(_case "task=--task cifar" "N=--N 0" "P=--P three" "neuron=--neuron izhikevich" "filter=--filter triple"
                "surrogate=--task context --rounds 1 --steps 20 --batch 2 --test_trials 2 --surrogate heaviside")
    string(REPLACE "=" ";" _parts "${_case}")
    list(GET _parts 0 _flag)
    list(GET _parts 1 _args)
    separate_arguments(_args UNIX_COMMAND "${_args}")
    add_test(NAME program.smnn_refuses_${_flag} COMMAND spikernn-smnn ${_args} --out ${CMAKE_CURRENT_BINARY_DIR}/refused)
    set_tests_properties(program.smnn_refuses_${_flag} PROPERTIES PASS_REGULAR_EXPRESSION "spikernn-smnn: --${_flag}: ")
  endforeach()
endif()

# The analyses of a converted network (firing statistics, PSTHs, PCA, fixed points, selectivity).
if(TARGET spikernn-analyze)
  add_test(NAME program.analyze
    COMMAND ${CMAKE_COMMAND} -DTRAIN=$<TARGET_FILE:spikernn-train> -DANALYZE=$<TARGET_FILE:spikernn-analyze>
            -DOUT=${CMAKE_CURRENT_BINARY_DIR}/analyze -P ${CMAKE_CURRENT_SOURCE_DIR}/programs/analyze.cmake)
endif()

# Exports to NIR (and the NIR files of other tools): tests/programs/export.cmake says what is checked.
if(TARGET spikernn-export AND TARGET spikernn-smnn)
  set(_h5py_python "")
  if(SPIKERNN_SYSTEM_PYTHON)
    execute_process(COMMAND ${SPIKERNN_SYSTEM_PYTHON} -c "import h5py, numpy" RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
    if(_rc EQUAL 0)
      set(_h5py_python ${SPIKERNN_SYSTEM_PYTHON})
    endif()
  endif()
  add_test(NAME program.export_nir
    COMMAND ${CMAKE_COMMAND} -DTRAIN=$<TARGET_FILE:spikernn-train> -DEXPORT=$<TARGET_FILE:spikernn-export>
            -DPYTHON=${_h5py_python} -DINTEROP=${PROJECT_SOURCE_DIR}/tests/python/nir_interop.py
            -DOUT=${CMAKE_CURRENT_BINARY_DIR}/export_nir -P ${CMAKE_CURRENT_SOURCE_DIR}/programs/export.cmake)
  add_test(NAME program.export_mode_nir
    COMMAND ${CMAKE_COMMAND} -DSMNN=$<TARGET_FILE:spikernn-smnn> -DEXPORT=$<TARGET_FILE:spikernn-export>
            -DPYTHON=${_h5py_python} -DINTEROP=${PROJECT_SOURCE_DIR}/tests/python/nir_interop.py
            -DDATA_SCRIPT=${PROJECT_SOURCE_DIR}/tests/python/glifr_outputs.py -DOUT=${CMAKE_CURRENT_BINARY_DIR}/export_mode_nir -P ${CMAKE_CURRENT_SOURCE_DIR}/programs/export_mode.cmake)
  if(SPIKERNN_SYSTEM_PYTHON)  # Brian2 compiles its code the first time: about a minute
    add_test(NAME program.export_brian2
      COMMAND ${CMAKE_COMMAND} -DTRAIN=$<TARGET_FILE:spikernn-train> -DEXPORT=$<TARGET_FILE:spikernn-export>
              -DPYTHON=${SPIKERNN_SYSTEM_PYTHON} -DCHECK=${PROJECT_SOURCE_DIR}/tests/python/brian2_export_check.py
              -DOUT=${CMAKE_CURRENT_BINARY_DIR}/export_brian2 -P ${CMAKE_CURRENT_SOURCE_DIR}/programs/export_brian2.cmake)
    set_tests_properties(program.export_brian2 PROPERTIES LABELS slow SKIP_REGULAR_EXPRESSION "brian2 is not installed: skipped")
  endif()
endif()

# One command-line contract for every program: --version, exit 2 for usage errors.
set(_contract_programs)
foreach(_p spikernn-train spikernn-search spikernn-eval spikernn-plot spikernn-glifr spikernn-smnn reproduce_kim2019
           embed_lif custom_task spikernn-analyze spikernn-export)
  if(TARGET ${_p})
    list(APPEND _contract_programs $<TARGET_FILE:${_p}>)
  endif()
endforeach()
add_test(NAME program.command_line_contract
  COMMAND ${CMAKE_COMMAND} "-DPROGRAMS=${_contract_programs}" -DOUT=${CMAKE_CURRENT_BINARY_DIR}/contract
          -P ${CMAKE_CURRENT_SOURCE_DIR}/programs/contract.cmake)

# The command-line reference in docs/ is the programs' own --help (all of them built).
if(TARGET reproduce_kim2019 AND TARGET spikernn-export)
add_test(NAME program.cli_reference
  COMMAND ${CMAKE_COMMAND} -DSCRIPT=${PROJECT_SOURCE_DIR}/scripts/cli_reference.sh -DBIN=$<TARGET_FILE_DIR:spikernn-train>
          -DDOC=${PROJECT_SOURCE_DIR}/docs/cli.md -DOUT=${CMAKE_CURRENT_BINARY_DIR}/cli.md
          -P ${CMAKE_CURRENT_SOURCE_DIR}/programs/cli_reference.cmake)
endif()
