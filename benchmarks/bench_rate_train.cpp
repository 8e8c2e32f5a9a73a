// One training trial of the rate RNN (float32, one thread, sigmoid, Dale, taus 4 20): forward,
// L2 loss, BPTT, Adam — what the original does 1500-6000 times per network — for Go-NoGo
// (N=200, T=200) and Mante (N=250, T=500, 4 inputs). Each benchmark reports `ms_per_trial`;
// compare_rate_train.sh [--task mante] runs it next to the PyTorch baseline.
#include <spikernn/spikernn.hpp>

#include <benchmark/benchmark.h>

namespace sk = spikernn;

namespace {

constexpr int go_nogo_n = 200;  ///< units of the Go-NoGo network
constexpr int mante_n = 250;    ///< units of the Mante network (the paper's example, spec §8)

/// One training step of `batch` trials of `task` per iteration (task generation, forward,
/// L2 loss, BPTT, Adam); the loop shared by the per-task benchmarks below.
template <class Task>
void train_trials(benchmark::State& state, const Task& task, int n) {
  const int batch = static_cast<int>(state.range(0));
  sk::rate_rnn<float, sk::sigmoid, sk::dale> net({.n = n, .taus = {4, 20}, .n_inputs = task.n_inputs()},
                                                 sk::seed{1});
  sk::rate_rnn<float>::tape tp;
  sk::adam opt;
  std::vector<sk::trial> trials(static_cast<std::size_t>(batch));
  std::vector<const sk::trial*> ptrs;
  for (auto& t : trials) ptrs.push_back(&t);
  std::vector<sk::rng> streams;
  sk::matrix<float> d_o(1, (task.n_steps() - 1) * batch);  // time-major, as tape::o
  sk::vector<float> grad(net.parameters().size());
  std::uint64_t index = 0;
  for (auto _ : state) {
    streams.clear();
    for (int b = 0; b < batch; ++b) {
      streams.emplace_back(sk::seed{1}, sk::purpose::training_trial, index++);
      trials[std::size_t(b)] = task.generate(streams.back());
    }
    net.forward(ptrs, streams, tp);
    for (int b = 0; b < batch; ++b) {  // trial b's outputs: every batch-th column (time-major)
      const Eigen::Map<const sk::row_vector<float>, 0, Eigen::InnerStride<>> o(tp.o.data() + b, tp.o.cols() / batch,
                                                                               Eigen::InnerStride<>(batch));
      Eigen::Map<sk::row_vector<float>, 0, Eigen::InnerStride<>> g(d_o.data() + b, tp.o.cols() / batch,
                                                                   Eigen::InnerStride<>(batch));
      sk::trial_loss(sk::loss_fn::l2, o, trials[std::size_t(b)].z, g);
    }
    d_o /= float(batch);
    grad.setZero();
    net.backward(tp, d_o, grad);
    opt.step(net.parameters(), grad, net.layout());
    benchmark::DoNotOptimize(net.parameters().data());
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["ms_per_trial"] =
      benchmark::Counter(double(batch) / 1e3, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

/// Forward rollouts only (no gradients) of `batch` copies of one fixed trial per iteration.
void forward_trials(benchmark::State& state, const sk::trial& tr, int n) {
  const int batch = static_cast<int>(state.range(0));
  const sk::rate_rnn<float> net({.n = n, .taus = {4, 20}, .n_inputs = static_cast<int>(tr.u.rows())}, sk::seed{1});
  sk::rate_rnn<float>::tape tp;
  std::vector<const sk::trial*> ptrs(static_cast<std::size_t>(batch), &tr);
  std::vector<sk::rng> streams;
  std::uint64_t index = 0;
  for (auto _ : state) {
    streams.clear();
    for (int b = 0; b < batch; ++b) streams.emplace_back(sk::seed{1}, sk::purpose::user, index++);
    net.forward(ptrs, streams, tp);
    benchmark::DoNotOptimize(tp.o.data());
  }
  state.counters["ms_per_trial"] =
      benchmark::Counter(double(batch) / 1e3, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// ---- Go-NoGo: N = 200, T = 200, 1 input (names parsed by compare_rate_train.sh) -------------
void rate_train_trial(benchmark::State& state) { train_trials(state, sk::go_nogo{}, go_nogo_n); }
BENCHMARK(rate_train_trial)->ArgName("batch")->Arg(1)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();

void rate_forward_trial(benchmark::State& state) {
  forward_trials(state, sk::go_nogo{}.make(sk::go_nogo::type::go), go_nogo_n);
}
BENCHMARK(rate_forward_trial)->ArgName("batch")->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- Mante (original noisy format, spec §2.3): N = 250, T = 500, 4 inputs --------------------
// (compare_rate_train.sh --task mante)
void rate_train_trial_mante(benchmark::State& state) { train_trials(state, sk::mante{}, mante_n); }
BENCHMARK(rate_train_trial_mante)->ArgName("batch")->Arg(1)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();

void rate_forward_trial_mante(benchmark::State& state) {
  sk::rng g(sk::seed{1}, sk::purpose::user);
  forward_trials(state, sk::mante{}.generate(g), mante_n);
}
BENCHMARK(rate_forward_trial_mante)->ArgName("batch")->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
