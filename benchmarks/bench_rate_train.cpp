// One training trial of the Go-NoGo rate RNN (N=200, T=200, float32, one thread): forward,
// L2 loss, BPTT, Adam — what the original does 1500-6000 times per network. Each benchmark
// reports `ms_per_trial`; compare_rate_train.sh runs it next to the PyTorch baseline.
#include <spikernn/spikernn.hpp>

#include <benchmark/benchmark.h>

namespace sk = spikernn;

namespace {

void rate_train_trial(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  const sk::go_nogo task{};
  sk::rate_rnn<float, sk::sigmoid, sk::dale> net({.n = 200, .taus = {4, 20}}, sk::seed{1});
  sk::rate_rnn<float>::tape tp;
  sk::adam opt;
  std::vector<sk::trial> trials(static_cast<std::size_t>(batch));
  std::vector<const sk::trial*> ptrs;
  for (auto& t : trials) ptrs.push_back(&t);
  std::vector<sk::rng> streams;
  sk::matrix<float> d_o(199, batch);
  sk::vector<float> grad(net.parameters().size());
  std::uint64_t index = 0;
  for (auto _ : state) {
    streams.clear();
    for (int b = 0; b < batch; ++b) {
      streams.emplace_back(sk::seed{1}, sk::purpose::training_trial, index++);
      trials[std::size_t(b)] = task.generate(streams.back());
    }
    net.forward(ptrs, streams, tp);
    for (int b = 0; b < batch; ++b) {
      auto col = d_o.col(b);
      sk::trial_loss(sk::loss_fn::l2, tp.o.col(b), trials[std::size_t(b)].z, col);
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
BENCHMARK(rate_train_trial)->ArgName("batch")->Arg(1)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();

void rate_forward_trial(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  const sk::go_nogo task{};
  const sk::rate_rnn<float> net({.n = 200, .taus = {4, 20}}, sk::seed{1});
  sk::rate_rnn<float>::tape tp;
  const sk::trial tr = task.make(sk::go_nogo::type::go);
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
BENCHMARK(rate_forward_trial)->ArgName("batch")->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
