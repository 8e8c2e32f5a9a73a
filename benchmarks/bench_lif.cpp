// The LIF side: one Go trial of a converted Go-NoGo network (N=200, 20,000 steps of 0.05 ms,
// only the output recorded) on one core, and the whole default scaling-factor search
// (12 factors × 100 trials) on all cores. The model is SPIKERNN_BENCH_MODEL (a MAT file) or,
// without it, a network trained here first (N=200, seed 4); the factor is SPIKERNN_BENCH_FACTOR,
// else the file's opt_scaling_factor, else 20. compare_lif.sh runs this next to numpy and Brian2.
#include <spikernn/convert/scaling_search.hpp>
#include <spikernn/io/mat_model.hpp>
#include <spikernn/spikernn.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>

namespace sk = spikernn;

namespace {

struct fixture {
  sk::rate_model<float> model;
  double factor = 20;
};

const fixture& the_model() {
  static const fixture shared = [] {
    fixture fx;
    if (const char* path = std::getenv("SPIKERNN_BENCH_MODEL")) {
      fx.model = sk::io::load_rate_model<float>(path);
      const sk::io::mat_reader in(path);
      if (in.has("opt_scaling_factor")) fx.factor = in.scalar("opt_scaling_factor");
    } else {
      const sk::go_nogo task{};
      sk::rate_rnn<float> net({.n = 200, .taus = {4, 20}}, sk::seed{4});
      const auto fit = sk::train(net, task, sk::adam{}, sk::kim2019_stop(task), {.n_trials = 6000, .seed = sk::seed{4}});
      fx.model = sk::to_rate_model(net, &fit.initial_parameters);
    }
    if (const char* factor = std::getenv("SPIKERNN_BENCH_FACTOR")) fx.factor = std::atof(factor);
    return fx;
  }();
  return shared;
}

void lif_go_trial(benchmark::State& state) {
  const auto& fx = the_model();
  auto net = sk::to_lif<double>(fx.model, fx.factor);
  const sk::go_nogo task{};
  const sk::trial tr = task.make_spiking(sk::go_nogo::type::go);
  std::uint64_t k = 0;
  long spikes = 0;
  for (auto _ : state) {
    sk::rng g(sk::seed{1}, sk::purpose::user, k++);
    const auto res = net.run(tr.u, g);
    spikes += res.total_spikes;
    benchmark::DoNotOptimize(res.out.data());
  }
  state.counters["ms_per_trial"] = benchmark::Counter(1.0 / 1e3, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["spikes_per_trial"] = double(spikes) / double(state.iterations());
}
BENCHMARK(lif_go_trial)->Unit(benchmark::kMillisecond)->UseRealTime();

void lif_search_default(benchmark::State& state) {
  const auto& fx = the_model();
  double seconds = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto res = sk::search_scaling(fx.model, sk::go_nogo{}, {});
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    benchmark::DoNotOptimize(res.best_index);
  }
  state.counters["s_total"] = seconds / double(state.iterations());
  state.counters["threads"] = sk::thread_count(0);
}
BENCHMARK(lif_search_default)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
