// embed_lif: how a host simulator drives a converted spiking network from its own time loop.
// The host owns time and stimulus: each step it sets the network's external input, advances
// it one step, and reads spikes and output — the network allocates nothing per step. Here the
// "host" delivers a Go pulse through the model's input weights and writes a "t id" raster.
//
//   embed_lif --model FILE [--factor F] [--raster spikes.txt]
#include <spikernn/convert/rate_to_lif.hpp>
#include <spikernn/io/mat_model.hpp>
#include <spikernn/io/raster.hpp>

#include <CLI/CLI.hpp>

#include "command_line.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>

namespace sk = spikernn;

int main(int argc, char** argv) {
  std::string model_path, raster = "embedded_spikes.txt";
  double factor = 0;
  CLI::App app{"Drive a LIF network converted from a rate model from an outer simulation loop.", "embed_lif"};
  app.add_option("--model", model_path, "A trained Go-NoGo model .mat file")->required();
  app.add_option("--factor", factor, "Scaling factor (default: the file's opt_scaling_factor, else 20)")
      ->check(CLI::PositiveNumber);
  app.add_option("--raster", raster, "Where to write the spikes as 't id' lines")->capture_default_str();
  if (const auto rc = sk::programs::parse_command_line(app, argc, argv)) return *rc;
  return sk::programs::run_guarded(app, [&] {
    const auto model = sk::io::load_rate_model<float>(model_path);
    if (factor <= 0) {
      const sk::io::mat_reader in(model_path);
      factor = in.has("opt_scaling_factor") ? in.scalar("opt_scaling_factor") : 20.0;
    }
    auto net = sk::to_lif<double>(model, factor);
    const double dt = net.params().step();

    // The host's own loop: 1 s of simulated time, a pulse of 1 on input channel 0 from
    // 0.25 s to 0.375 s (the Go stimulus), delivered as the current w_in · u.
    sk::rng noise(sk::seed{1}, sk::purpose::user);
    net.reset(noise);
    const sk::vector<double> pulse = net.w_in().col(0).cast<double>();
    const sk::vector<double> silence = sk::vector<double>::Zero(net.size());
    std::vector<std::pair<long, sk::index_t>> spikes;
    double peak_after = -1e9;
    bool on = false;
    net.set_input(silence);
    const long steps = std::lround(1.0 / dt);
    for (long i = 1; i <= steps; ++i) {
      const double t = double(i) * dt;
      const bool want = t >= 0.25 && t < 0.375;
      if (want != on) {  // the host changes the input only when its stimulus changes
        net.set_input(want ? pulse : silence);
        on = want;
      }
      net.step(noise);
      for (sk::index_t unit : net.spiked()) spikes.emplace_back(i, unit);
      net.reset_spiked();
      if (t >= 0.5) peak_after = std::max(peak_after, double(net.output()));
    }
    sk::io::write_raster(raster, spikes, dt);
    std::printf("%zu spikes written to %s; output peak after 0.5 s: %.2f (%s)\n", spikes.size(), raster.c_str(),
                peak_after, peak_after > 0.7 ? "Go response" : "no Go response");
    return 0;
  });
}
