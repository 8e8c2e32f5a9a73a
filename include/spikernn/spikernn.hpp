// Umbrella header: the whole host-side library with no optional dependency (MAT files need
// <spikernn/io/mat_model.hpp> and the spikernn::matio target).
#pragma once

#include "spikernn/config.hpp"
#include "spikernn/core/error.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/activation/activation.hpp"
#include "spikernn/connectivity/dale.hpp"
#include "spikernn/connectivity/init.hpp"
#include "spikernn/network/rate_rnn.hpp"
#include "spikernn/task/task.hpp"
#include "spikernn/task/go_nogo.hpp"
#include "spikernn/train/parameters.hpp"
#include "spikernn/train/loss.hpp"
#include "spikernn/train/adam.hpp"
#include "spikernn/train/trainer.hpp"
#include "spikernn/train/gradient_check.hpp"
#include "spikernn/observe/progress.hpp"
