#include <spikernn/convert/readout_calibration.hpp>
#include <spikernn/convert/scaling_search.hpp>
#include <spikernn/task/go_nogo.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace spikernn;

namespace {

using spikernn::testing::refused;

/// Twelve unconnected units firing on the bias and the noise, eight of them driven by the Go
/// stimulus: their filtered spike trains carry the stimulus, so a readout can be fitted.
rate_model<double> driven_units() {
  rate_model<double> m;
  m.params.n = 12;
  m.params.n_inputs = 1;
  m.params.taus = {6};
  m.types.inh = Eigen::Array<bool, Eigen::Dynamic, 1>::Constant(12, false);
  m.types.derive(0);
  m.w = m.w0 = matrix<double>::Zero(12, 12);
  m.w_in = matrix<double>::Zero(12, 1);
  m.w_in.topRows(8).setConstant(3.0);
  m.w_out = row_vector<double>::Ones(12);
  m.taus_gaus = m.taus_gaus0 = vector<double>::Zero(12);
  return m;
}

}  // namespace

TEST_CASE("calibration target: the LIF step after t rate steps is compared with z[t - 1], as the trainer does") {
  lif_params p = leaky_if::defaults();  // 100 LIF steps per rate step
  CHECK(detail::calibration_target_index(100, p, 201) == 0);
  CHECK(detail::calibration_target_index(200, p, 201) == 1);
  CHECK(detail::calibration_target_index(20000, p, 201) == 199);
  CHECK(detail::calibration_target_index(1, p, 201) == 0);  // before the first rate step: clamped
  p.downsample = 2;  // a LIF column spans two stimulus columns
  CHECK(detail::calibration_target_index(100, p, 201) == 1);
  CHECK(detail::calibration_target_index(99999, p, 201) == 200);  // clamped at the last target
}

TEST_CASE("fit_readout: the error it reports is the fitted network's own, lower than one-to-one's, for any thread count") {
  const go_nogo task{};
  const auto net = to_lif(driven_units(), 40.0);
  const readout_calibration_options opt{.trials = 4, .ridge = 1e-3, .threads = 1, .seed = seed{3}};
  const readout_fit fit = fit_readout(net, task, opt);
  REQUIRE(fit.w_out.size() == 12);
  CHECK(fit.samples == 4 * 200);  // one sample per 5 ms rate step of a 201-column trial
  CHECK(fit.mse_after < fit.mse_before);
  CHECK(fit.mse_after < 0.25);  // the stimulus-driven units' rates carry the Go target in part

  // The same trials through the recalibrated network give the error the normal equations gave.
  auto cal = net;
  cal.set_readout(fit.w_out, fit.b_out);
  double err = 0;
  long samples = 0;
  for (std::uint64_t k = 0; k < 4; ++k) {
    rng g(seed{3}, purpose::spiking_trial, calibration_first_trial + k);
    const trial tr = task.spiking_trial(g);
    const auto res = cal.run(tr.u, g);
    for (long i = 100; i <= res.steps; i += 100) {
      err += std::pow(res.out[i - 1] - tr.z[detail::calibration_target_index(i, cal.params(), tr.z.size())], 2);
      ++samples;
    }
  }
  CHECK(samples == fit.samples);
  CHECK(err / double(samples) == doctest::Approx(fit.mse_after).epsilon(1e-6));

  readout_calibration_options two = opt;
  two.threads = 2;
  const readout_fit again = fit_readout(net, task, two);
  CHECK(again.w_out == fit.w_out);  // trial sums added in trial order
  CHECK(again.b_out == fit.b_out);

  CHECK(refused([&] { fit_readout(net, task, {.trials = 0}); }) == "calibration_trials");
  CHECK(refused([&] { fit_readout(net, task, {.ridge = -1}); }) == "ridge");
  CHECK(readout_method_of("recalibrated") == readout_method::recalibrated);
  CHECK(refused([] { readout_method_of("fitted"); }) == "readout");
}

TEST_CASE("search with a recalibrated readout: a readout per factor, fitted on calibration trials, never on scored ones") {
  const go_nogo task{};
  search_options opt{.factors = {30, 60}, .eval = {.trials = 4, .threads = 2, .seed = seed{5}}};
  opt.conversion.readout = readout_method::recalibrated;
  opt.conversion.calibration.trials = 3;
  const auto res = search_scaling(driven_units(), task, opt);
  REQUIRE(res.readouts.size() == 2);
  // what search scored at factor k is the network to_spiking builds for the evaluation's seed
  const auto net = to_spiking(driven_units(), task, 60.0, opt.conversion, seed{5}, 1);
  CHECK(net.w_out() == res.readouts[1].w_out);
  CHECK(net.b_out() == res.readouts[1].b_out);
  CHECK(evaluate_spiking(net, task, opt.eval).accuracy == res.perfs[1]);
  CHECK(search_scaling(driven_units(), task, {.factors = {30}, .eval = opt.eval}).readouts.empty());
}
