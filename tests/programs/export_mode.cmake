# cmake -DSMNN=… -DEXPORT=… -DPYTHON=<python with h5py, or empty> -DINTEROP=nir_interop.py -DDATA_SCRIPT=glifr_outputs.py
#       -DOUT=… -P export_mode.cmake
# spikernn-export on a spiking mode RNN trained here (context task): the NIR file, read back and
# simulated as a NIR graph, gives the trained network's verdict on every test trial and its
# outputs up to float32 rounding; the file has the layout NIR's own reader expects (h5py);
# --mode and --to brian2 are refused for it. With Python: the same for an MNIST network (max-over-time
# readout, on generated IDX digits).
file(REMOVE_RECURSE ${OUT})
include(${CMAKE_CURRENT_LIST_DIR}/run_ok.cmake)

run_ok("spikernn-smnn" ${SMNN} --task context --N 40 --P 3 --rounds 40 --batch 20 --test_trials 20 --steps 200
       --threads 1 --out ${OUT}/smnn)
set(model ${OUT}/smnn/N40_P3-1/modes.mat)

run_ok("export" ${EXPORT} --model ${model} --to nir --out ${OUT}/modes.nir --check 20 --threads 2)
if(NOT out MATCHES "same verdict on 20 of 20; largest output difference ([0-9.e+-]+) of")
  message(FATAL_ERROR "the mode network's NIR file did not give the network's verdicts:\n${out}")
endif()
if(CMAKE_MATCH_1 GREATER 1e-4)
  message(FATAL_ERROR "the mode network's NIR file differs by more than float32 rounding (${CMAKE_MATCH_1}):\n${out}")
endif()
run_ok("export folded" ${EXPORT} --model ${model} --to nir --fold_modes --precision double --out ${OUT}/folded.nir)

execute_process(COMMAND ${EXPORT} --model ${model} --to brian2 --out ${OUT}/b2 RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "to:[ \n]+nir")
  message(FATAL_ERROR "--to brian2 was not refused for a mode network (${rc}): ${err}")
endif()
execute_process(COMMAND ${EXPORT} --model ${model} --to nir --mode portable --out ${OUT}/p.nir RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "one[ \n]+form")
  message(FATAL_ERROR "--mode was not refused for a mode network (${rc}): ${err}")
endif()

if(PYTHON)
  run_ok("h5py check of the mode file" ${PYTHON} ${INTEROP} check ${OUT}/modes.nir mode_snn)
  run_ok("MNIST data" ${PYTHON} ${DATA_SCRIPT} make_data ${OUT}/data)
  run_ok("spikernn-smnn on MNIST" ${SMNN} --task mnist --N 20 --P 2 --epochs 2 --batches_per_epoch 2 --batch 16 --steps 20
         --data ${OUT}/data --threads 1 --out ${OUT}/mnist)
  run_ok("MNIST export" ${EXPORT} --model ${OUT}/mnist/N20_P2-1/modes.mat --to nir --out ${OUT}/mnist.nir --check 16
         --data ${OUT}/data --threads 2)
  if(NOT out MATCHES "same verdict on 16 of 16; largest output difference ([0-9.e+-]+) of" OR CMAKE_MATCH_1 GREATER 1e-4)
    message(FATAL_ERROR "the MNIST mode network's NIR file did not give the network's outputs:\n${out}")
  endif()
else()
  message(WARNING "no python3 with h5py: the NIR layout check was skipped")
endif()
