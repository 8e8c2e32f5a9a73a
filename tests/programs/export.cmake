# cmake -DTRAIN=… -DEXPORT=… -DPYTHON=<python with h5py, or empty> -DINTEROP=nir_interop.py -DOUT=… -P export.cmake
# spikernn-export on a model trained here: the exact NIR file (float64) reads back into the very
# network (the same trials give the same result) and simulates as a NIR graph; the exact and
# portable files have the layout NIR's own reader expects (checked with h5py); nothing is
# overwritten; --run scores a NIR file on its task; a graph written as another tool writes it
# (h5py, nir.write's conventions, a CubaLIF subgraph) simulates as NIR's equations say.
file(REMOVE_RECURSE ${OUT})
include(${CMAKE_CURRENT_LIST_DIR}/run_ok.cmake)

run_ok("spikernn-train" ${TRAIN} --N 40 --n_trials 200 --seed 3 --quiet --output_dir ${OUT})
set(model "${out}")
string(STRIP "${model}" model)

run_ok("export exact" ${EXPORT} --model ${model} --factor 25 --to nir --precision double --out ${OUT}/exact.nir
       --check 4 --threads 2)
if(NOT out MATCHES "the file, rebuilt \\(same trials, same result\\)" OR NOT out MATCHES "simulated as a NIR graph")
  message(FATAL_ERROR "the exact NIR file did not read back into the same network:\n${out}")
endif()
run_ok("export portable" ${EXPORT} --model ${model} --factor 25 --to nir --mode portable --out ${OUT}/portable.nir)

execute_process(COMMAND ${EXPORT} --model ${model} --factor 25 --to nir --out ${OUT}/exact.nir
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT err MATCHES "exact.nir: exists")
  message(FATAL_ERROR "an existing NIR file was not refused (${rc}): ${err}")
endif()
execute_process(COMMAND ${EXPORT} --model ${model} --to nir --mode fast --out ${OUT}/x.nir RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "--mode: exact or portable")
  message(FATAL_ERROR "--mode fast was not refused as a usage error (${rc}): ${err}")
endif()

run_ok("--run on the task" ${EXPORT} --run ${OUT}/portable.nir --trials 3 --threads 2)
if(NOT out MATCHES "task go-nogo, held-out trials +[01]\\.[0-9]+")
  message(FATAL_ERROR "--run did not score the file on its task:\n${out}")
endif()

if(PYTHON)
  run_ok("h5py check of the exact file" ${PYTHON} ${INTEROP} check ${OUT}/exact.nir exact)
  run_ok("h5py check of the portable file" ${PYTHON} ${INTEROP} check ${OUT}/portable.nir portable)
  run_ok("writing a foreign graph" ${PYTHON} ${INTEROP} write-foreign ${OUT}/foreign)
  run_ok("--run on a foreign graph" ${EXPORT} --run ${OUT}/foreign/foreign.nir --dt 0.001
         --input ${OUT}/foreign/input.npy --output ${OUT}/foreign/output.npy)
  run_ok("the foreign graph's outputs" ${PYTHON} ${INTEROP} compare ${OUT}/foreign)
else()
  message(WARNING "no python3 with h5py: the NIR layout checks were skipped")
endif()
