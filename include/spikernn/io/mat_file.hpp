// MAT v5 files through matio: mat_reader (io/mat_reader.hpp: typed, coercing, shape-checked
// reads) and mat_writer (io/mat_writer.hpp: typed writes into a temporary, renamed into place on
// commit); io/mat_layout.hpp holds the layer both stand on.
//
// Needs matio: only compiled where the CMake target spikernn::matio is linked.
#pragma once

#include "spikernn/io/mat_reader.hpp"
#include "spikernn/io/mat_writer.hpp"
