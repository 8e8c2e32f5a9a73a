// Readout recalibration, a conversion method beyond the paper: the one-to-one conversion reads
// the LIF network out through w_out / factor, the rate network's readout, although the filtered
// spike trains it reads are the rate network's r plus spiking noise and a distortion that depends
// on the factor. Fitting the readout (w_out and a bias) by least squares to the task's targets on
// the LIF network's own filtered spike trains, on calibration trials that neither a search nor a
// held-out evaluation ever scores, lets the readout average that noise away: minimising the mean
// squared error weighs signal against the noise variance each unit brings. The recurrent network
// is untouched, so the spiking dynamics stay the paper's.
//
// Calibration trial k is the stream (seed, spiking_trial, calibration_first_trial + k): disjoint
// from the trials of every search (below 2^54) and of held-out evaluations (from 2^62 on).
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/parallel.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/network/lif_network.hpp"
#include "spikernn/task/task.hpp"

#include <Eigen/Cholesky>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spikernn {

/// The first trial index of calibration trials.
inline constexpr std::uint64_t calibration_first_trial = std::uint64_t(1) << 61;

/// How the LIF network is read out.
enum class readout_method {
  one_to_one,    ///< the rate network's w_out / factor, no bias (the paper's)
  recalibrated,  ///< least squares on the LIF network's own filtered spike trains
};
constexpr std::string_view to_string(readout_method m) { return m == readout_method::one_to_one ? "one_to_one" : "recalibrated"; }
inline readout_method readout_method_of(std::string_view name) {
  if (name == "one_to_one") return readout_method::one_to_one;
  if (name == "recalibrated") return readout_method::recalibrated;
  throw invalid_parameter("readout", "one_to_one (the rate network's readout / factor) or recalibrated (least squares on "
                                     "the LIF network's filtered spike trains), got '" + std::string(name) + "'");
}

struct readout_calibration_options {
  int trials = 100;     ///< calibration trials
  double ridge = 1e-3;  ///< Tikhonov term, relative to the mean diagonal of the rates' Gram matrix
  int threads = 0;      ///< 0: all cores
  spikernn::seed seed{1};
  std::uint64_t first_trial = calibration_first_trial;

  void validate() const {
    require(trials > 0, "calibration_trials", "a positive number of calibration trials");
    require(ridge >= 0 && std::isfinite(ridge), "ridge", "a non-negative, finite ridge");
  }
};

/// A fitted readout and how well it fits the calibration trials.
struct readout_fit {
  row_vector<double> w_out;
  double b_out = 0;
  double mse_before = 0;  ///< mean squared error of the network's readout before the fit
  double mse_after = 0;   ///< … and of the fitted one, on the same samples
  long samples = 0;       ///< (trial, time) samples fitted
};

namespace detail {
/// The target the LIF output is compared with at step i: the rate network's output after t
/// steps (t = i / steps_per_column columns, downsampled by d) is o_t, which the trainer compares
/// with z[t·d − 1].
inline index_t calibration_target_index(long step, const lif_params& p, index_t z_size) {
  const double columns = double(step) / double(p.steps_per_column) * double(p.downsample);
  return std::clamp<index_t>(index_t(std::lround(columns)) - 1, 0, z_size - 1);
}
}  // namespace detail

/// Fits w_out and a bias of `net` to the task's targets by ridge least squares over the filtered
/// spike trains of opt.trials calibration trials, sampled once per rate step (5 ms: the trains
/// are smooth on that scale, so denser sampling adds cost, not information). The same for any
/// thread count: each trial's sums are added in trial order.
template <spiking_task Task, real_scalar S, integrate_and_fire Neuron>
readout_fit fit_readout(const lif_network<S, Neuron>& net, const Task& tk, const readout_calibration_options& opt = {}) {
  opt.validate();
  require(net.n_inputs() == tk.n_inputs(), "task",
          "a task with " + std::to_string(net.n_inputs()) + " input channels like the network's w_in (" +
              std::string(tk.name()) + " has " + std::to_string(tk.n_inputs()) + ")");
  const index_t n = net.size(), f = n + 1;  // features: the N filtered trains and a constant
  const long every = std::max<long>(1, long(net.params().steps_per_column));
  const int workers = std::min(thread_count(opt.threads), opt.trials);
  std::vector<lif_network<S, Neuron>> nets(static_cast<std::size_t>(workers), net);
  struct sums {
    matrix<double> gram;       // Σ x xᵀ
    vector<double> cross;      // Σ x z
    double zz = 0, err0 = 0;   // Σ z², Σ (network output − z)²
    long samples = 0;
  };
  std::vector<sums> per_trial(static_cast<std::size_t>(opt.trials));
  parallel_for(opt.trials, workers, [&](long k, int worker) {
    rng g(opt.seed, purpose::spiking_trial, opt.first_trial + static_cast<std::uint64_t>(k));
    const trial tr = tk.spiking_trial(g);
    require(tr.z.size() > 0, "task", "trials with targets to fit a readout to");
    auto& lif = nets[std::size_t(worker)];
    const auto res = lif.run(tr.u, g, {.rates = true, .rate_every = every});
    const index_t m = res.rates.cols();
    matrix<double> x(f, m);
    x.topRows(n) = res.rates.template cast<double>();
    x.row(n).setOnes();
    vector<double> z(m);
    for (index_t j = 0; j < m; ++j) z[j] = tr.z[detail::calibration_target_index(long(j + 1) * every, lif.params(), tr.z.size())];
    sums& s = per_trial[std::size_t(k)];
    s.gram = matrix<double>::Zero(f, f);
    s.gram.template selfadjointView<Eigen::Lower>().rankUpdate(x);
    s.cross = x * z;
    s.zz = z.squaredNorm();
    for (index_t j = 0; j < m; ++j) s.err0 += std::pow(double(res.out[(j + 1) * every - 1]) - z[j], 2);
    s.samples = m;
  });
  matrix<double> gram = matrix<double>::Zero(f, f);
  vector<double> cross = vector<double>::Zero(f);
  double zz = 0, err0 = 0;
  long samples = 0;
  for (const auto& s : per_trial) {
    gram += s.gram;
    cross += s.cross;
    zz += s.zz;
    err0 += s.err0;
    samples += s.samples;
  }
  gram.template triangularView<Eigen::StrictlyUpper>() = gram.transpose();
  // The ridge keeps silent units (all-zero rows) and collinear ones from blowing the weights up;
  // the bias is not shrunk.
  const double scale = gram.diagonal().head(n).mean();
  matrix<double> a = gram;
  a.diagonal().head(n).array() += opt.ridge * (scale > 0 ? scale : 1.0);
  const vector<double> w = a.ldlt().solve(cross);
  require(w.allFinite(), "readout", "a readout fit that converged (the calibration trials' rates are degenerate)");
  readout_fit fit;
  fit.w_out = w.head(n).transpose();
  fit.b_out = w[n];
  fit.samples = samples;
  fit.mse_before = err0 / double(samples);
  fit.mse_after = std::max(0.0, (zz - 2 * w.dot(cross) + w.dot(gram * w)) / double(samples));
  return fit;
}

/// `net` with its readout refitted on calibration trials (fit_readout).
template <spiking_task Task, real_scalar S, integrate_and_fire Neuron>
lif_network<S, Neuron> recalibrated(lif_network<S, Neuron> net, const Task& tk, const readout_calibration_options& opt = {}) {
  const readout_fit fit = fit_readout(net, tk, opt);
  net.set_readout(fit.w_out.template cast<S>(), static_cast<S>(fit.b_out));
  return net;
}

}  // namespace spikernn
