// Training speed of the spiking mode-based RNN on MNIST (Lin & Huang, arXiv 2310.14621;
// glifr_smnn_spec.md B.1-B.4, the SMNN-Oct23 model of Figure/mnist_model.py with the double
// filter) with spikernn's hand-written surrogate-gradient BPTT, float32, one thread. One
// iteration is one training step of Figure/mnist_utils.py train() at batch 256:
//   a fresh Bernoulli rate encoding of 256 fixed images over T = 50 steps (bernoulli_rate_events,
//   one stream per image and step; synthetic images of MNIST's sparsity — see `pixels` — and
//   random labels: timing only), mode_snn<float> forward over the spike_events into a tape reused
//   from step to step (as a training loop does; the step allocates nothing in mode_snn once the
//   shapes are set), softmax_then_cross_entropy_loss (softmax, then nn.CrossEntropyLoss on it,
//   as the original), backward, clip_grad_norm(20), Adam (PyTorch form) lr 1e-3.
// Cases smnn_step/N100_P3 (the paper's default), N100_P100 and N100_full (an N × N W_rec,
// mode_snn_params::full_rank), all with MNIST-like images (spike density 0.13), and the
// secondary N100_P3_uniform: P = 3 with pixels uniform in [0, 1] (spike density 0.5, far denser
// than MNIST). The input product is input_product::automatic (event-driven at 0.13, GEMM at
// 0.5). compare_smnn.sh runs these next to smnn_pytorch.py (benchmark names are parsed there).
//
// `bench_smnn --check [LR]` instead prints, as JSON, the loss, hidden spike count and gradient
// norms of every case from the deterministic initialisation and fixed spike input that
// smnn_pytorch.py --check uses (see det_values, check_spikes), then the losses of three clip +
// Adam steps, for an independent check of the adjoint against PyTorch's autograd
// (compare_smnn.sh --check).
#include <spikernn/network/mode_snn.hpp>
#include <spikernn/task/rate_encoding.hpp>
#include <spikernn/train/adam.hpp>
#include <spikernn/train/gradient_clip.hpp>
#include <spikernn/train/spiking_loss.hpp>

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sk = spikernn;

namespace {

constexpr int n_hidden = 100, n_pixels = 784, batch = 256, steps = 50;
constexpr double clip_norm = 20.0;  // Figure/mnist_utils.py
constexpr int full_rank = 0;        // P = 0 below means full rank

sk::mode_snn_params case_params(int p) {
  sk::mode_snn_params q = sk::mode_snn_params::mnist();  // double filter, max-over-time readout
  q.n = n_hidden;
  q.n_inputs = n_pixels;
  q.n_outputs = 10;
  q.full_rank = p == full_rank;
  q.p = p == full_rank ? 1 : p;
  return q;
}

/// The pixels of the images: MNIST's sparsity — a pixel is non-zero with probability 0.19 and
/// then uniform in [0.38, 1] (mean intensity 0.13, spike density 0.13; smnn_pytorch.py
/// MNISTLIKE_ON, MNISTLIKE_LO) — or, secondary, uniform in [0, 1] (spike density 0.5).
enum class pixels { uniform, mnist_like };

/// One training step per iteration: encoding, forward, loss, backward, clip, Adam.
void smnn_step(benchmark::State& state, int p, pixels px) {
  sk::mode_snn<float> model(case_params(p), sk::seed{1});
  // 256 fixed images, random labels
  sk::rng g(sk::seed{1}, sk::purpose::user);
  std::vector<sk::vector<double>> images(batch);
  std::vector<int> labels(batch);
  for (int b = 0; b < batch; ++b) {
    images[std::size_t(b)] = sk::vector<double>::NullaryExpr(n_pixels, [&] {
      if (px == pixels::uniform) return g.uniform();
      const double on = g.uniform(), v = g.uniform(0.38, 1.0);
      return on < 0.19 ? v : 0.0;
    });
    labels[std::size_t(b)] = static_cast<int>(g.uniform() * 10.0);
  }
  sk::adam opt({.lr = 1e-3, .form = sk::adam_form::pytorch});
  std::vector<sk::spike_events> events(batch);
  sk::vector<float> grad(model.parameters().size());
  sk::mode_snn<float>::tape tp;  // reused: a training loop keeps its tape
  sk::matrix<float> d_o;
  std::uint64_t step = 0;
  double input_spikes = 0, hidden_spikes = 0, loss = 0;
  for (auto _ : state) {
    for (int b = 0; b < batch; ++b) {
      sk::rng e(sk::seed{1}, sk::purpose::spike_encoding, step * batch + std::uint64_t(b));
      events[std::size_t(b)] = sk::bernoulli_rate_events(images[std::size_t(b)], steps, e);
    }
    ++step;
    model.forward(std::span<const sk::spike_events>(events), tp);
    loss = sk::softmax_then_cross_entropy_loss(tp.o, std::span<const int>(labels), d_o);
    grad.setZero();
    model.backward(tp, d_o, grad);
    sk::clip_grad_norm(grad, model.layout(), clip_norm);
    opt.step(model.parameters(), grad, model.layout());
    benchmark::DoNotOptimize(model.parameters().data());
    input_spikes = double(tp.x_index.size());
    hidden_spikes = double(tp.s.sum());
  }
  state.counters["event_product"] = tp.event_product ? 1 : 0;
  state.counters["N"] = n_hidden;
  state.counters["P"] = p == full_rank ? n_hidden : p;
  state.counters["input_density"] = input_spikes / (double(batch) * steps * n_pixels);
  state.counters["hidden_spikes_per_trial"] = hidden_spikes / batch;
  state.counters["loss"] = loss;
}

// Names parsed by compare_smnn.sh: smnn_step/<case>.
BENCHMARK_CAPTURE(smnn_step, N100_P3, 3, pixels::mnist_like)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(smnn_step, N100_P100, 100, pixels::mnist_like)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(smnn_step, N100_full, full_rank, pixels::mnist_like)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(smnn_step, N100_P3_uniform, 3, pixels::uniform)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- --check: deterministic initialisation and spikes shared with smnn_pytorch.py --check ---
// Every block, in spikernn's orientation (the original's: Win N × 784, pin / pout N × P, l as a
// P × 1 column, Wout 10 × N, W_rec N × N), is offset + scale·sin(0.37 r + 0.91 c + phase),
// computed in double, stored as float; ξ_in, ξ_out are then divided by √P and W_rec by N.

template <class M>
void det_values(M&& m, double scale, double phase, double offset = 0.0, double divide = 1.0) {
  for (sk::index_t r = 0; r < m.rows(); ++r)
    for (sk::index_t c = 0; c < m.cols(); ++c)
      m(r, c) = static_cast<float>(
          static_cast<float>(offset + scale * std::sin(0.37 * double(r) + 0.91 * double(c) + phase)) / float(divide));
}

// (scale, phase, offset) of each block: smnn_pytorch.py CHECK_SCALES
void det_init(sk::mode_snn<float>& m) {
  det_values(m.w_in(), 0.1, 0.1);
  det_values(m.w_out(), 0.5, 0.4);
  if (m.full_rank()) {
    det_values(m.w_rec(), 3.0, 0.5, 0.0, double(m.size()));
  } else {
    const double sp = std::sqrt(double(m.modes()));
    det_values(m.xi_in(), 1.0, 0.2, 0.0, sp);
    det_values(m.xi_out(), 1.0, 0.3, 0.0, sp);
    det_values(m.lambda(), 3.0, 0.25);
  }
}

constexpr int check_batch = 8, check_steps = 50, check_adam_steps = 3;
/// Gradient blocks are also projected onto det_values(·, 1, proj_phase): their direction.
constexpr double proj_phase = 1.234;

/// smnn_pytorch.py check_spikes: input c of trial b spikes at step t iff, with
/// v = 7919 c + 104729 t + 1299709 b, (v² mod 1000003) mod 7 < 2; labels b mod 10.
std::vector<sk::spike_events> check_spikes() {
  std::vector<sk::spike_events> ev(check_batch);
  for (int b = 0; b < check_batch; ++b) {
    auto& e = ev[std::size_t(b)];
    e.channels = n_pixels;
    e.steps = check_steps;
    e.start.assign(1, 0);
    for (std::int64_t t = 0; t < check_steps; ++t) {
      for (std::int64_t c = 0; c < n_pixels; ++c) {
        const std::int64_t v = 7919 * c + 104729 * t + 1299709 * std::int64_t(b);
        if ((v * v) % 1000003 % 7 < 2) e.index.push_back(std::int32_t(c));
      }
      e.start.push_back(std::int32_t(e.index.size()));
    }
  }
  return ev;
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

/// The JSON object of one case (the keys of smnn_pytorch.py check_case).
std::string check_case(int p, double lr) {
  sk::mode_snn<float> model(case_params(p), sk::seed{1});
  det_init(model);
  const auto events = check_spikes();
  std::vector<int> labels(check_batch);
  for (int b = 0; b < check_batch; ++b) labels[std::size_t(b)] = b % 10;
  sk::mode_snn<float>::tape tp;
  sk::matrix<float> d_o;
  sk::vector<float> grad(model.parameters().size());
  const auto loss_and_grad = [&] {
    model.forward(std::span<const sk::spike_events>(events), tp);
    const double l = sk::softmax_then_cross_entropy_loss(tp.o, std::span<const int>(labels), d_o);
    grad.setZero();
    model.backward(tp, d_o, grad);
    return l;
  };
  const double initial = loss_and_grad();
  std::string out = "{\"initial_loss\": " + num(initial) + ", \"hidden_spikes\": " + num(double(tp.s.sum())) +
                    ", \"grad_norms\": {";
  std::string proj = "}, \"grad_projections\": {";
  bool first = true;
  for (const auto& b : model.layout()) {
    if (!b.trainable) continue;
    const std::string name(b.name);
    const sk::index_t rows = name == "w_in" || name == "xi_in" || name == "xi_out" || name == "w_rec" ? model.size()
                             : name == "w_out"                                                      ? model.n_outputs()
                                                                                                    : model.modes();
    const sk::matrix<double> gb =
        Eigen::Map<const sk::matrix<float>>(grad.data() + b.offset, rows, b.size / rows).cast<double>();
    sk::matrix<double> pattern(gb.rows(), gb.cols());
    det_values(pattern, 1.0, proj_phase);
    const std::string key = std::string(first ? "\"" : ", \"") + name + "\": ";
    out += key + num(gb.norm());
    proj += key + num(gb.cwiseProduct(pattern).sum());
    first = false;
  }
  out += proj + "}";
  sk::adam opt({.lr = lr, .form = sk::adam_form::pytorch});
  std::string losses = ", \"step_losses\": [", norms = "], \"clip_norms\": [";
  for (int k = 0; k < check_adam_steps; ++k) {
    const double l = loss_and_grad();
    const double norm = sk::clip_grad_norm(grad, model.layout(), clip_norm);
    opt.step(model.parameters(), grad, model.layout());
    losses += (k ? ", " : "") + num(l);
    norms += (k ? ", " : "") + num(norm);
  }
  model.forward(std::span<const sk::spike_events>(events), tp);
  const double final_loss = sk::softmax_then_cross_entropy_loss(tp.o, std::span<const int>(labels), d_o);
  return out + losses + norms + "], \"final_loss\": " + num(final_loss) + "}";
}

int run_check(double lr) {
  std::string out = "{\"check\": {";
  const std::pair<const char*, int> cases[] = {{"N100_P3", 3}, {"N100_P100", 100}, {"N100_full", full_rank}};
  bool first = true;
  for (const auto& [name, p] : cases) {
    out += std::string(first ? "\"" : ", \"") + name + "\": {\"spikernn\": " + check_case(p, lr) + "}";
    first = false;
  }
  out += "}, \"check_lr\": " + num(lr) + ", \"check_batch\": " + std::to_string(check_batch) +
         ", \"check_steps\": " + std::to_string(check_steps) + ", \"check_adam_steps\": " +
         std::to_string(check_adam_steps) + "}";
  std::puts(out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a(argv[i]);
    if (a == "--check") {
      double lr = 1e-3;  // smnn_pytorch.py --check-lr default
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
