// Training speed of the GLIFR paper's networks (glifr_smnn_spec.md A.5-A.7) with spikernn's
// hand-written BPTT, float32, one thread, through the library's own trainer (spikernn::fit):
//   pattern_epoch/<type>: one epoch of the sine pattern task — the 6 sequences of
//     task/sine_patterns.hpp (T = 100, 1 input, 1 output) in shuffled batches of 2, MSE, Adam
//     (PyTorch form) lr 1e-4;
//   mnist_step/<type>: one training step of line-by-line MNIST — fit over a dataset of 128
//     sequences (T = 28, 28 inputs, 10 outputs; random pixel bytes normalised as MNIST, random
//     labels: timing only) with batch 128 and one epoch, last-step cross entropy, Adam lr 1e-3.
// Types: Hom and LHetA (glifr_network via glifr_variant_params), RNN (vanilla_rnn) and LSTM
// (lstm), at the v2021 parameter-matched sizes of A.6 (checked below). The GLIFR delay is
// glifr_network_params' default of 20 steps (A.5: 1 ms at dt = 0.05 ms); the v2021 RNN's is 1.
// compare_glifr.sh runs these next to glifr_pytorch.py (benchmark names are parsed there).
//
// `bench_glifr --check` instead prints, as JSON, the losses and gradient norms of every case
// from the deterministic initialisation glifr_pytorch.py --check uses (see det_values), for an
// independent check of the adjoint against PyTorch's autograd (compare_glifr.sh --check).
#include <spikernn/spikernn.hpp>
#include <spikernn/train/epoch_trainer.hpp>

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace sk = spikernn;

namespace {

enum class kind { hom, l_het_a, rnn, lstm };
enum class task { pattern, mnist };

constexpr const char* kind_name(kind k) {
  constexpr const char* names[] = {"Hom", "LHetA", "RNN", "LSTM"};
  return names[static_cast<int>(k)];
}

struct task_shape {
  int n_inputs, n_outputs;
  int ref_n;  ///< hidden size of the v2021 reference network (GLIFR, learned intrinsics, J = 2)
};
constexpr task_shape shape_of(task t) { return t == task::pattern ? task_shape{1, 1, 128} : task_shape{28, 10, 256}; }

/// The A.6 parameter-matched hidden size of a type for a task.
constexpr int hidden_size(kind k, task t) {
  const task_shape s = shape_of(t);
  const long ref = sk::glifr_trainable_count(s.ref_n, s.n_inputs, s.n_outputs, 2, true);
  switch (k) {
    case kind::hom: return int(sk::glifr_matched_size(ref, s.n_inputs, s.n_outputs, 0, false));
    case kind::l_het_a: return int(sk::glifr_matched_size(ref, s.n_inputs, s.n_outputs, 2, true));
    case kind::rnn: return int(sk::vanilla_rnn_matched_size(ref, s.n_inputs, s.n_outputs));
    case kind::lstm: return int(sk::lstm_matched_size(ref, s.n_inputs, s.n_outputs));
  }
  return 0;
}
// The sizes of A.6 (and of glifr_pytorch.py).
static_assert(hidden_size(kind::hom, task::pattern) == 131 && hidden_size(kind::l_het_a, task::pattern) == 128 &&
              hidden_size(kind::rnn, task::pattern) == 131 && hidden_size(kind::lstm, task::pattern) == 64);
static_assert(hidden_size(kind::hom, task::mnist) == 259 && hidden_size(kind::l_het_a, task::mnist) == 256 &&
              hidden_size(kind::rnn, task::mnist) == 259 && hidden_size(kind::lstm, task::mnist) == 123);

/// The recurrent delay of the GLIFR networks: the library default (glifr_pytorch.py --delay).
const int delay_steps = sk::glifr_network_params{}.delay;
/// The v2021 RNN baseline (RNNC) sees the previous step (glifr_pytorch.py --rnn-delay).
const int rnn_delay_steps = 1;

/// Builds the model of type k for task t and calls fn(model).
template <class Fn>
void with_model(kind k, task t, sk::seed s, Fn&& fn) {
  const task_shape sh = shape_of(t);
  const int n = hidden_size(k, t);
  switch (k) {
    case kind::hom:
    case kind::l_het_a: {
      const auto v = k == kind::hom ? sk::glifr_variant::hom : sk::glifr_variant::l_het_a;
      sk::glifr_network<float> m(
          sk::glifr_variant_params(v, {.n = n, .n_inputs = sh.n_inputs, .n_outputs = sh.n_outputs, .delay = delay_steps}),
          s);
      fn(m);
      break;
    }
    case kind::rnn: {
      sk::vanilla_rnn<float> m({.n = n, .n_inputs = sh.n_inputs, .n_outputs = sh.n_outputs, .delay = rnn_delay_steps}, s);
      fn(m);
      break;
    }
    case kind::lstm: {
      sk::lstm<float> m({.n = n, .n_inputs = sh.n_inputs, .n_outputs = sh.n_outputs}, s);
      fn(m);
      break;
    }
  }
}

constexpr int mnist_batch = 128;

/// 128 line-by-line MNIST-shaped samples: random pixel bytes normalised as sequential_mnist
/// does ((x/255 − 0.1307)/0.3081), 28 inputs × 28 steps, random labels.
std::vector<sk::sequence_sample> random_mnist_samples() {
  sk::rng g(sk::seed{1}, sk::purpose::user);
  const sk::sequential_mnist_params p;
  std::vector<sk::sequence_sample> data(mnist_batch);
  for (auto& s : data) {
    s.u.resize(28, 28);
    for (sk::index_t k = 0; k < s.u.size(); ++k) {
      const auto byte = static_cast<int>(g.uniform() * 256.0);
      s.u(k) = (double(byte) / 255.0 - p.mean) / p.stddev;
    }
    s.label = static_cast<int>(g.uniform() * 10.0);
  }
  return data;
}

/// One training epoch of the pattern task per iteration (a fresh shuffle each time).
void pattern_epoch(benchmark::State& state, kind k) {
  const auto samples = sk::sine_patterns{}.samples();
  with_model(k, task::pattern, sk::seed{1}, [&](auto& model) {
    sk::adam opt({.lr = 1e-4, .form = sk::adam_form::pytorch});
    std::uint64_t epoch = 0;
    for (auto _ : state) {
      const auto res = sk::fit(model, std::span<const sk::sequence_sample>(samples), opt,
                               {.epochs = 1, .batch = 2, .shuffle = true, .loss = sk::sequence_loss::mse,
                                .seed = sk::seed{++epoch}});
      benchmark::DoNotOptimize(res.losses.data());
    }
  });
  state.counters["N"] = hidden_size(k, task::pattern);
}

/// One training step on a batch of 128 line-by-line MNIST sequences per iteration.
void mnist_step(benchmark::State& state, kind k) {
  const auto samples = random_mnist_samples();
  with_model(k, task::mnist, sk::seed{1}, [&](auto& model) {
    sk::adam opt({.lr = 1e-3, .form = sk::adam_form::pytorch});
    for (auto _ : state) {
      const auto res = sk::fit(model, std::span<const sk::sequence_sample>(samples), opt,
                               {.epochs = 1, .batch = mnist_batch, .shuffle = true,
                                .loss = sk::sequence_loss::cross_entropy_last});
      benchmark::DoNotOptimize(res.losses.data());
    }
  });
  state.counters["N"] = hidden_size(k, task::mnist);
}

// Names parsed by compare_glifr.sh: pattern_epoch/<type>, mnist_step/<type>.
BENCHMARK_CAPTURE(pattern_epoch, Hom, kind::hom)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(pattern_epoch, LHetA, kind::l_het_a)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(pattern_epoch, RNN, kind::rnn)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(pattern_epoch, LSTM, kind::lstm)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(mnist_step, Hom, kind::hom)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(mnist_step, LHetA, kind::l_het_a)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(mnist_step, RNN, kind::rnn)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(mnist_step, LSTM, kind::lstm)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- --check: deterministic initialisation shared with glifr_pytorch.py --check -------------
// Every block, in spikernn's orientation (postsynaptic rows), is
// value(r, c) = offset + scale·sin(0.37 r + 0.91 c + phase), computed in double, stored as float.

template <class M>
void det_values(M&& m, double scale, double phase, double offset = 0.0) {
  for (sk::index_t r = 0; r < m.rows(); ++r)
    for (sk::index_t c = 0; c < m.cols(); ++c)
      m(r, c) = static_cast<float>(offset + scale * std::sin(0.37 * double(r) + 0.91 * double(c) + phase));
}

void det_init(sk::glifr_network<float>& m) {
  const double w = 1.0 / std::sqrt(double(m.size())), dt = m.params().neuron.dt;
  det_values(m.w_in(), w, 0.1);
  det_values(m.w_rec(), w, 0.2);
  det_values(m.w_out(), w, 0.3);
  det_values(m.b_out(), w, 0.4);
  det_values(m.thresh(), 0.2, 0.5, 1.0);
  det_values(m.trans_k_m(), 0.3, 0.6, std::log(0.05 * dt / (1 - 0.05 * dt)));
  det_values(m.trans_k_j(), 0.3, 0.7, std::log(2 * dt / (1 - 2 * dt)));
  det_values(m.trans_r_j(), 0.2, 0.8);
  det_values(m.a_j(), 0.5, 0.9);
}
void det_init(sk::vanilla_rnn<float>& m) {
  const double w = 1.0 / std::sqrt(double(m.size()));
  det_values(m.w_in(), w, 0.1);
  det_values(m.w_rec(), w, 0.2);
  det_values(m.w_out(), w, 0.3);
  det_values(m.b_out(), w, 0.4);
  det_values(m.b_rec(), w, 0.5);
}
void det_init(sk::lstm<float>& m) {
  const double w = 1.0 / std::sqrt(double(m.size()));
  det_values(m.w_in(), w, 0.1);
  det_values(m.w_rec(), w, 0.2);
  det_values(m.w_out(), w, 0.3);
  det_values(m.b_out(), w, 0.4);
  det_values(m.b_ih(), w, 0.5);
  det_values(m.b_hh(), w, 0.6);
}

/// Gradient blocks are also projected onto det_values(·, 1, proj_phase), which checks their
/// direction, not only their norm (glifr_pytorch.py PROJ_PHASE).
constexpr double proj_phase = 1.234;

/// Rows of a named parameter block (its columns follow from the size).
template <class M>
sk::index_t block_rows(const M& m, const std::string& name) {
  if (name == "w_out" || name == "b_out") return m.n_outputs();
  if constexpr (std::is_same_v<M, sk::glifr_network<float>>) {
    if (name == "trans_k_j" || name == "trans_r_j" || name == "a_j") return m.n_asc();
  }
  if constexpr (std::is_same_v<M, sk::lstm<float>>) return 4 * m.size();
  return m.size();
}

constexpr int check_mnist_samples = 8, check_mnist_batch = 4;

/// pattern: the 6 sequences; mnist: 8 sequences x(t, c) = sin(0.5 t + 0.9 c + 1.3 s), label s % 10.
std::vector<sk::sequence_sample> check_data(task t) {
  if (t == task::pattern) return sk::sine_patterns{}.samples();
  std::vector<sk::sequence_sample> d(check_mnist_samples);
  for (int s = 0; s < check_mnist_samples; ++s) {
    auto& smp = d[std::size_t(s)];
    smp.u.resize(28, 28);
    for (int step = 0; step < 28; ++step)
      for (int c = 0; c < 28; ++c) smp.u(c, step) = std::sin(0.5 * step + 0.9 * c + 1.3 * s);
    smp.label = s % 10;
  }
  return d;
}

/// The JSON object of one case: initial loss and per-block gradient norms over the whole check
/// set, the batch losses of one epoch in sample order (Adam, PyTorch form, lr), the final loss.
template <class M>
std::string check_case(M& model, task t, double lr) {
  const auto data = check_data(t);
  const std::span<const sk::sequence_sample> all(data);
  const sk::sequence_loss kind_of_loss = t == task::pattern ? sk::sequence_loss::mse : sk::sequence_loss::cross_entropy_last;
  det_init(model);
  // Gradient of the loss over all samples at once.
  typename M::tape tp;
  sk::matrix<float> d_o;
  std::vector<const sk::sequence_sample*> ptrs;
  std::vector<const sk::matrix<double>*> inputs;
  for (const auto& s : data) {
    ptrs.push_back(&s);
    inputs.push_back(&s.u);
  }
  model.forward(std::span<const sk::matrix<double>* const>(inputs), tp);
  const double initial = sk::batch_loss(kind_of_loss, tp.o, std::span<const sk::sequence_sample* const>(ptrs), d_o);
  sk::vector<float> grad = sk::vector<float>::Zero(model.parameters().size());
  model.backward(tp, d_o, grad);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", initial);
  std::string out = std::string("{\"initial_loss\": ") + buf + ", \"grad_norms\": {";
  std::string proj = "}, \"grad_projections\": {";
  bool first = true;
  for (const auto& b : model.layout()) {
    if (!b.trainable) continue;
    const auto rows = block_rows(model, b.name);
    const sk::matrix<double> g =
        Eigen::Map<const sk::matrix<float>>(grad.data() + b.offset, rows, b.size / rows).template cast<double>();
    sk::matrix<double> pattern(g.rows(), g.cols());
    det_values(pattern, 1.0, proj_phase);
    const std::string key = std::string(first ? "\"" : ", \"") + b.name + "\": ";
    std::snprintf(buf, sizeof buf, "%.9g", g.norm());
    out += key + buf;
    std::snprintf(buf, sizeof buf, "%.9g", g.cwiseProduct(pattern).sum());
    proj += key + buf;
    first = false;
  }
  out += proj;
  sk::adam opt({.lr = lr, .form = sk::adam_form::pytorch});
  const int batch = t == task::pattern ? 2 : check_mnist_batch;
  out += "}, \"batch_losses\": [";
  for (std::size_t k = 0; k < data.size(); k += std::size_t(batch)) {
    const auto res = sk::fit(model, all.subspan(k, std::min(std::size_t(batch), data.size() - k)), opt,
                             {.epochs = 1, .batch = batch, .shuffle = false, .loss = kind_of_loss});
    std::snprintf(buf, sizeof buf, "%.9g", res.losses.back());
    out += (k == 0 ? "" : ", ") + std::string(buf);
  }
  std::snprintf(buf, sizeof buf, "%.9g", sk::evaluate_sequences(model, all, kind_of_loss).loss);
  out += std::string("], \"final_loss\": ") + buf + "}";
  return out;
}

int run_check(double lr) {
  std::string out = "{\"check\": {";
  bool first = true;
  for (const task t : {task::pattern, task::mnist})
    for (const kind k : {kind::hom, kind::l_het_a, kind::rnn, kind::lstm}) {
      std::string one;
      with_model(k, t, sk::seed{1}, [&](auto& model) { one = check_case(model, t, lr); });
      out += std::string(first ? "\"" : ", \"") + (t == task::pattern ? "pattern/" : "mnist/") + kind_name(k) +
             "\": {\"spikernn\": " + one + "}";
      first = false;
    }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", lr);
  out += std::string("}, \"check_lr\": ") + buf + ", \"delay\": " + std::to_string(delay_steps) +
         ", \"rnn_delay\": " + std::to_string(rnn_delay_steps) + "}";
  std::puts(out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a(argv[i]);
    if (a == "--check") {
      double lr = 1e-3;  // glifr_pytorch.py --check-lr default
      if (i + 1 < argc && std::string_view(argv[i + 1]).rfind("--", 0) != 0) lr = std::stod(argv[i + 1]);
      return run_check(lr);
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
