// The conformance suite: one set of checks that every trainable model family passes through the
// engine's contract (train/model.hpp) — the rate RNN, GLIFR, the RNN and LSTM baselines and the
// spiking mode RNN on events and on analog samples:
//   * the hand-written adjoint of every trainable block matches central differences (double);
//   * a deliberately corrupted block gradient is caught, in that block and no other;
//   * a float model computes what a double one does, to float rounding;
//   * the same seed gives the same bits: outputs, and the parameters after a short fit;
//   * a run resumed from a checkpoint ends on the bits of an uninterrupted one;
//   * a batch with the wrong number of input channels is refused.
// Each family is one fixture below (how to build a small model of it in a given scalar type from
// a seed, a small batch, a data source and the objective it trains with); adding a model to the
// suite is adding its fixture to `families`.
#include <spikernn/core/batch.hpp>
#include <spikernn/core/error.hpp>
#include <spikernn/core/parallel.hpp>
#include <spikernn/core/records.hpp>
#include <spikernn/core/rng.hpp>
#include <spikernn/core/types.hpp>
#include <spikernn/network/glifr_network.hpp>
#include <spikernn/network/lstm.hpp>
#include <spikernn/network/mode_snn.hpp>
#include <spikernn/network/rate_rnn.hpp>
#include <spikernn/network/vanilla_rnn.hpp>
#include <spikernn/task/go_nogo.hpp>
#include <spikernn/task/rate_encoding.hpp>
#include <spikernn/train/adam.hpp>
#include <spikernn/train/checkpoint.hpp>
#include <spikernn/train/data_source.hpp>
#include <spikernn/train/engine.hpp>
#include <spikernn/train/gradient_check.hpp>
#include <spikernn/train/hooks.hpp>
#include <spikernn/train/model.hpp>
#include <spikernn/train/objective.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

using namespace spikernn;

namespace {

// ---- fixtures -----------------------------------------------------------------------------------

/// What a fixture builds a model for.
enum class use {
  train,      ///< as trained: spikes are steps, noise is on
  gradient,   ///< differentiable everywhere (mode_snn: smooth spikes); noise is kept (it is replayed)
  precision,  ///< differentiable, and no draws whose values depend on the scalar type (rate_rnn: no noise)
};

/// n_in × T inputs U(lo, hi), n_out × T targets U(−1, 1) and a class in [0, n_out) per sample.
std::vector<sequence_sample> random_samples(index_t n_in, index_t n_out, index_t T, int count, std::uint64_t s,
                                            double lo = -1.5, double hi = 1.5) {
  rng g(seed{s}, purpose::user, 3);
  std::vector<sequence_sample> out;
  for (int k = 0; k < count; ++k) {
    sequence_sample x;
    x.u = matrix<double>::NullaryExpr(n_in, T, [&] { return g.uniform(lo, hi); });
    x.z = matrix<double>::NullaryExpr(n_out, T, [&] { return g.uniform(-1, 1); });
    x.label = k % int(n_out);
    out.push_back(std::move(x));
  }
  return out;
}

/// The part shared by the families trained on a fixed dataset (sample_batch): six samples in
/// batches of two (three steps per epoch, shuffled), a check batch of three, and samples with
/// one input channel too many.
struct dataset_fixture {
  std::vector<sequence_sample> data, bad;

  dataset_fixture(index_t n_in, index_t n_out, index_t T, double lo = -1.5, double hi = 1.5)
      : data(random_samples(n_in, n_out, T, 6, 1, lo, hi)), bad(random_samples(n_in + 1, n_out, T, 2, 2, lo, hi)) {}
  dataset_fixture(const dataset_fixture&) = delete;  // batches point into data
  dataset_fixture& operator=(const dataset_fixture&) = delete;

  using batch_type = sample_batch;
  static constexpr const char* input_parameter = "inputs";

  sample_batch batch() const {
    sample_batch b;
    for (std::size_t k = 0; k < 3; ++k) b.add(data[k]);
    return b;
  }
  sample_batch bad_batch() const {
    sample_batch b;
    for (const auto& x : bad) b.add(x);
    return b;
  }
  dataset_batches source(std::uint64_t s) const {
    return dataset_batches(std::span<const sequence_sample>(data), 2, true, seed{s});
  }
};

/// rate_rnn (Kim 2019) on Go-NoGo trials with their noise streams, the l2 loss.
struct rate_family {
  static constexpr std::string_view name = "rate_rnn";
  template <class S>
  using model = rate_rnn<S>;
  using batch_type = trial_batch;
  static constexpr const char* input_parameter = "trial.u";
  static constexpr bool float_draws_match = true;  ///< float and double models of a seed agree to rounding

  go_nogo task{{.T = 16, .stim_on = 3, .stim_dur = 5}};

  template <class S>
  model<S> make(std::uint64_t s, use u) const {
    rate_rnn_params p{.n = 12, .p_rec = 0.5, .som_n = 2, .taus = {4, 20}};
    if (u == use::precision) p.noise_sd = p.x0_sd = 0;  // float and double draw different normals
    model<S> net(p, seed{s});
    net.w_out() *= S(30);  // a readout large enough that every block matters
    return net;
  }
  trial_batch batch() const {
    trial_batch b;
    b.add(task.make(go_nogo::type::go), rng(seed{3}, purpose::trial_noise, 0));
    b.add(task.make(go_nogo::type::nogo), rng(seed{3}, purpose::trial_noise, 1));
    return b;
  }
  trial_batch bad_batch() const {
    trial_batch b = batch();
    for (auto& t : b.trials) t.u = matrix<double>::Constant(2, t.u.cols(), 0.5);
    return b;
  }
  task_trials<go_nogo> source(std::uint64_t s) const { return task_trials<go_nogo>(task, 2, seed{s}); }
  kim2019_objective objective() const { return {loss_fn::l2}; }
};

/// glifr_network with two ASCs, a delay of two steps and intrinsics far from the
/// initialisation's (so the leak, the ASCs and the rate reset all matter), mse.
struct glifr_family : dataset_fixture {
  static constexpr std::string_view name = "glifr_network";
  template <class S>
  using model = glifr_network<S>;
  static constexpr bool float_draws_match = true;

  glifr_family() : dataset_fixture(2, 2, 12) {}

  template <class S>
  model<S> make(std::uint64_t s, use) const {
    const glifr_network_params p{
        .n = 8,
        .n_inputs = 2,
        .n_outputs = 2,
        .n_asc = 2,
        .delay = 2,
        .init = glifr_init::heterogeneous,
        .neuron = {.dt = 0.05, .tau = 0.1, .r_m = 0.4, .i0 = 0.2, .v_reset = -0.3, .sigma_v = 0.6, .gamma = 1.3}};
    model<S> net(p, seed{s});
    rng g(seed{s}, purpose::user, 1);
    const index_t n = p.n, J = p.n_asc;
    const double dt = p.neuron.dt;
    const auto draw = [&](double lo, double hi) { return static_cast<S>(g.uniform(lo, hi)); };
    glifr_physical<S> ph;
    ph.v_th = vector<S>::NullaryExpr(n, [&] { return draw(-0.5, 0.8); });
    ph.k_m = vector<S>::NullaryExpr(n, [&] { return static_cast<S>(g.uniform(0.1, 0.6) / dt); });
    ph.k_j = matrix<S>::NullaryExpr(J, n, [&] { return static_cast<S>(g.uniform(0.05, 0.5) / dt); });
    ph.r_j = matrix<S>::NullaryExpr(J, n, [&] { return draw(-0.8, 0.8); });
    ph.a_j = matrix<S>::NullaryExpr(J, n, [&] { return draw(-2.0, 2.0); });
    net.set_intrinsic(glifr_from_physical(ph, dt));
    net.w_rec() *= S(3);  // recurrence strong enough to matter
    net.w_out() *= S(3);
    return net;
  }
  sequence_objective objective() const { return {sequence_loss::mse}; }
};

/// vanilla_rnn with a delay of two steps, weights large enough that tanh saturates, mse.
struct vanilla_family : dataset_fixture {
  static constexpr std::string_view name = "vanilla_rnn";
  template <class S>
  using model = vanilla_rnn<S>;
  static constexpr bool float_draws_match = true;

  vanilla_family() : dataset_fixture(2, 2, 12) {}

  template <class S>
  model<S> make(std::uint64_t s, use) const {
    model<S> net({.n = 8, .n_inputs = 2, .n_outputs = 2, .delay = 2}, seed{s});
    net.w_rec() *= S(3);
    net.w_in() *= S(2);
    net.w_out() *= S(3);
    return net;
  }
  sequence_objective objective() const { return {sequence_loss::mse}; }
};

/// lstm with gates spanning their range, classifying by its last step (cross entropy).
struct lstm_family : dataset_fixture {
  static constexpr std::string_view name = "lstm";
  template <class S>
  using model = lstm<S>;
  static constexpr bool float_draws_match = true;

  lstm_family() : dataset_fixture(2, 3, 10) {}

  template <class S>
  model<S> make(std::uint64_t s, use) const {
    model<S> net({.n = 6, .n_inputs = 2, .n_outputs = 3}, seed{s});
    net.w_in() *= S(3);
    net.w_rec() *= S(3);
    net.b_ih() *= S(2);
    net.w_out() *= S(3);
    return net;
  }
  sequence_objective objective() const { return {sequence_loss::cross_entropy_last}; }
};

/// The mode SNN's parameters for the fixtures below: lif neurons with a lower threshold and mode
/// scores 60 times the initialisation's, so that the recurrence moves the loss as much as the
/// input and the readout do (at the initialisation the mode blocks' gradients are ~1e-5, near
/// the rounding floor of central differences).
template <class S>
mode_snn<S> make_mode_snn(mode_snn_params p, std::uint64_t s, use u) {
  p.v_thr = 0.5;
  p.smooth_spikes = u != use::train;  // finite differences need a differentiable forward pass
  mode_snn<S> net(p, seed{s});
  net.lambda() *= S(60);
  return net;
}

/// mode_snn as on MNIST (B.4): Bernoulli spike events in, the double filter, the max-over-time
/// readout, softmax-then-cross-entropy against labels, encoded afresh at every step.
struct snn_events_family {
  static constexpr std::string_view name = "mode_snn (events)";
  template <class S>
  using model = mode_snn<S>;
  using batch_type = event_batch;
  static constexpr const char* input_parameter = "inputs";
  /// mode_snn draws its weights with rng::fill_normal, whose float and double draws differ.
  static constexpr bool float_draws_match = false;
  static constexpr index_t n_in = 10, T = 16;

  std::vector<vector<double>> images;
  std::vector<int> labels;

  snn_events_family() {
    rng g(seed{4}, purpose::user);
    for (int k = 0; k < 6; ++k) {
      images.push_back(vector<double>::NullaryExpr(n_in, [&] { return g.uniform(0.0, 0.8); }));
      labels.push_back(k % 3);
    }
  }
  snn_events_family(const snn_events_family&) = delete;  // sources point into images
  snn_events_family& operator=(const snn_events_family&) = delete;

  template <class S>
  model<S> make(std::uint64_t s, use u) const {
    mode_snn_params p;
    p.n = 8;
    p.n_inputs = int(n_in);
    p.n_outputs = 3;
    p.p = 2;
    p.neuron = mode_neuron::lif;
    p.filter = mode_filter::double_mnist;
    p.readout = mode_readout::max_over_time;
    return make_mode_snn<S>(p, s, u);
  }
  event_batch batch() const {
    event_batch b;
    for (std::size_t k = 0; k < 3; ++k) {
      rng g(seed{5}, purpose::spike_encoding, k);
      b.add(bernoulli_rate_events(images[k], T, g), labels[k]);
    }
    return b;
  }
  event_batch bad_batch() const {
    event_batch b;
    rng g(seed{6}, purpose::spike_encoding);
    b.add(bernoulli_rate_events(vector<double>::Constant(n_in + 1, 0.5), T, g), 0);
    return b;
  }
  encoded_batches source(std::uint64_t s) const {
    return encoded_batches(std::span<const vector<double>>(images), std::span<const int>(labels), int(T), 2, 3,
                           seed{s});
  }
  spiking_objective objective() const { return {spiking_loss::softmax_then_cross_entropy}; }
};

/// mode_snn as on the context task (B.5): analog inputs, the mante filter, a readout at every
/// step, the l2 norm against target sequences.
struct snn_samples_family : dataset_fixture {
  static constexpr std::string_view name = "mode_snn (samples)";
  template <class S>
  using model = mode_snn<S>;
  static constexpr bool float_draws_match = false;

  snn_samples_family() : dataset_fixture(3, 2, 14, -0.5, 2.0) {}

  template <class S>
  model<S> make(std::uint64_t s, use u) const {
    mode_snn_params p = mode_snn_params::mante();
    p.n = 8;
    p.n_inputs = 3;
    p.n_outputs = 2;
    p.p = 2;
    return make_mode_snn<S>(p, s, u);
  }
  spiking_objective objective() const { return {spiking_loss::l2_norm}; }
};

/// Every model family of the suite: ONE line per family.
using families = std::tuple<rate_family, glifr_family, vanilla_family, lstm_family, snn_events_family,
                            snn_samples_family>;

/// A family trained in scalar type S (the determinism, resume and refusal checks run each family
/// in float and in double).
template <class F, class S>
struct in_scalar : F {
  using scalar = S;
};
template <class Tuple>
struct in_both_scalars;
template <class... F>
struct in_both_scalars<std::tuple<F...>> {
  using type = std::tuple<in_scalar<F, float>..., in_scalar<F, double>...>;
};
using trained_families = in_both_scalars<families>::type;

// ---- helpers ------------------------------------------------------------------------------------

/// Central differences in double: h = 1e-5, and an entry passes at 1e-5 relative. The
/// truncation error O(h²·L‴) stays far below that on these models, but an entry whose gradient
/// is tiny (a mode SNN unit that hardly moves the loss, a sum over steps that nearly cancels)
/// meets the rounding floor of a difference of two losses, about ε·L/h, first. check_gradients
/// reports each block's largest relative and absolute errors, so a block passes when its largest
/// relative error is below gradient_rtol or, failing that, when even its largest absolute error
/// is within the rounding floor gradient_atol(L) = 200·ε·max(L, 1)/h while the block's gradient
/// stands at least 1e4 times above that floor (no slip of 1e-4 of the block's scale hides under it).
constexpr double gradient_step = 1e-5;
constexpr double gradient_rtol = 1e-5;
double gradient_atol(double loss) {
  return 200 * std::numeric_limits<double>::epsilon() * std::max(std::abs(loss), 1.0) / gradient_step;
}
/// `scale`: the largest |dL/dθ| of the block.
bool passes(const gradient_check_result& r, double atol, double scale) {
  return r.max_rel_error < gradient_rtol || (r.max_abs_error < atol && scale > 1e4 * atol);
}

/// Output agreement of float and double, relative to the largest output: float rounding
/// (ε_f ≈ 6e-8) grown over ≤ 16 steps of a small network stays far below it.
constexpr double float_output_rtol = 1e-4;

template <class M>
std::size_t trainable_blocks(const M& m) {
  return std::size_t(std::count_if(m.layout().begin(), m.layout().end(), [](const auto& b) { return b.trainable; }));
}

/// The model's loss and its gradient on `batch` (a copy, so noise streams replay).
template <class M, class Batch, class Loss>
std::pair<double, vector<typename M::scalar>> gradient_on(const M& m, const Batch& batch, const Loss& loss) {
  using S = typename M::scalar;
  Batch b = batch;
  typename M::tape tp;
  m.forward(b, tp);
  matrix<S> d_o;
  loss_detail info;
  const double l = loss(tp.o, b, d_o, info);
  vector<S> grad = vector<S>::Zero(layout_size(m.layout()));
  m.backward(tp, d_o, grad);
  return {l, grad};
}

/// The largest |entry| of block `name` of a gradient.
template <class M>
double block_scale(const M& m, const vector<double>& grad, const std::string& name) {
  for (const auto& b : m.layout())
    if (b.name == name) return grad.segment(b.offset, b.size).cwiseAbs().maxCoeff();
  FAIL("no block " << name);
  return 0;
}

/// The model's outputs on a copy of `batch`.
template <class M, class Batch>
matrix<typename M::scalar> outputs_on(const M& m, const Batch& batch) {
  Batch b = batch;
  typename M::tape tp;
  m.forward(b, tp);
  return tp.o;
}

/// A model that forwards everything to `inner` but hands back a corrupted gradient for one block:
/// g → 1.1·g + δ·sign(g) with δ = 1e-3·max|g| over the block, so that every entry is off by at
/// least 4.7% of |a| + |n| (entries whose true gradient is 0 by 100%).
template <trainable_model M>
struct broken {
  using scalar = typename M::scalar;
  using tape = typename M::tape;

  M* inner;
  std::size_t block;  ///< index into inner->layout()

  vector<scalar>& parameters() { return inner->parameters(); }
  const param_layout& layout() const { return inner->layout(); }
  template <class B>
    requires trainable_on<M, B>
  void forward(B& batch, tape& tp) const {
    inner->forward(batch, tp);
  }
  void backward(tape& tp, const matrix<scalar>& d_o, vector<scalar>& grad) const {
    vector<scalar> own = vector<scalar>::Zero(grad.size());
    inner->backward(tp, d_o, own);
    const auto& b = inner->layout()[block];
    auto g = own.segment(b.offset, b.size);
    const scalar delta = std::max(scalar(1e-3) * g.cwiseAbs().maxCoeff(), scalar(1e-6));
    g = g.unaryExpr([&](scalar v) { return scalar(1.1) * v + (v < 0 ? -delta : delta); });
    grad += own;
  }
};

/// A fresh directory under the system's temporary one, removed with everything in it.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    static int counter = 0;
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path = std::filesystem::temp_directory_path() /
           ("spikernn-conformance-" + std::to_string(stamp) + "-" + std::to_string(std::random_device{}()) + "-" +
            std::to_string(counter++));
    std::filesystem::create_directories(path);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

/// A fit of a fresh model (seed 41) with a fresh optimizer and data source: the parameters it
/// ends with and what fit() reports.
template <class F>
std::pair<vector<typename F::scalar>, fit_outcome> train(const F& fx, const fit_options& o) {
  using S = typename F::scalar;
  auto net = fx.template make<S>(41, use::train);
  auto data = fx.source(42);
  adam opt({.lr = 1e-2, .form = adam_form::pytorch});
  const fit_outcome out = fit(net, data, fx.objective(), opt, o, clip_gradient_norm{1.0});
  return {net.parameters(), out};
}

}  // namespace

// ---- 1. gradients -------------------------------------------------------------------------------

TEST_CASE_TEMPLATE_DEFINE("conformance: the adjoint of every trainable block matches central differences", F,
                          conformance_gradients) {
  INFO("family: " << F::name);
  const F fx{};
  auto net = fx.template make<double>(11, use::gradient);
  const auto batch = fx.batch();
  const auto res = check_gradients(net, batch, fx.objective(), {.entries_per_block = 24, .step = gradient_step});
  CHECK(res.size() == trainable_blocks(net));
  const auto [loss, grad] = gradient_on(net, batch, fx.objective());
  const double atol = gradient_atol(loss);
  CAPTURE(atol);
  for (const auto& r : res) {
    const double scale = block_scale(net, grad, r.block);
    CAPTURE(r.block);
    CAPTURE(r.compared);
    CAPTURE(r.at_kinks);
    CAPTURE(r.max_abs_error);
    CAPTURE(r.max_rel_error);
    CAPTURE(scale);
    CHECK(r.compared > 0);
    CHECK(scale > 100 * atol);  // the block's gradient stands clear of the rounding floor: not vacuous
    CHECK(passes(r, atol, scale));
  }
}
TEST_CASE_TEMPLATE_APPLY(conformance_gradients, families);

TEST_CASE_TEMPLATE_DEFINE("conformance: backward adds into grad and leaves frozen blocks at zero", F,
                          conformance_accumulates) {
  INFO("family: " << F::name);
  const F fx{};
  const auto net = fx.template make<double>(12, use::train);
  auto batch = fx.batch();
  typename F::template model<double>::tape tp;
  net.forward(batch, tp);
  matrix<double> d_o;
  loss_detail info;
  fx.objective()(tp.o, batch, d_o, info);
  const index_t n = index_t(layout_size(net.layout()));
  vector<double> once = vector<double>::Zero(n);
  net.backward(tp, d_o, once);
  CHECK(once.allFinite());
  CHECK(once.cwiseAbs().maxCoeff() > 0.0);
  vector<double> twice = once;
  net.backward(tp, d_o, twice);
  CHECK((twice - 2 * once).cwiseAbs().maxCoeff() <= 1e-12 * once.cwiseAbs().maxCoeff());
  for (const auto& b : net.layout()) {
    if (!b.trainable && b.size > 0) {
      CAPTURE(b.name);
      CHECK(once.segment(b.offset, b.size).cwiseAbs().maxCoeff() == 0.0);
    }
  }
}
TEST_CASE_TEMPLATE_APPLY(conformance_accumulates, families);

// ---- 2. a broken gradient is caught ---------------------------------------------------------------

TEST_CASE_TEMPLATE_DEFINE("conformance: a corrupted block gradient is caught in that block only", F,
                          conformance_broken) {
  INFO("family: " << F::name);
  const F fx{};
  auto net = fx.template make<double>(13, use::gradient);
  const auto batch = fx.batch();
  const auto [loss, grad] = gradient_on(net, batch, fx.objective());
  const double atol = gradient_atol(loss);
  const auto& layout = net.layout();
  int corrupted = 0;
  for (std::size_t k = 0; k < layout.size(); ++k) {
    if (!layout[k].trainable || layout[k].size == 0) continue;
    CAPTURE(layout[k].name);
    broken<typename F::template model<double>> bad{&net, k};
    static_assert(trainable_on<decltype(bad), typename F::batch_type>);
    const auto res = check_gradients(bad, batch, fx.objective(), {.entries_per_block = 12, .step = gradient_step});
    REQUIRE(res.size() == trainable_blocks(net));
    for (const auto& r : res) {
      CAPTURE(r.block);
      CAPTURE(r.max_rel_error);
      CHECK(r.compared > 0);
      const double scale = block_scale(net, grad, r.block);
      if (r.block == layout[k].name) {
        CHECK(r.max_rel_error > 0.03);
        CHECK_FALSE(passes(r, atol, scale));
      } else {
        CHECK(passes(r, atol, scale));
      }
    }
    ++corrupted;
  }
  CHECK(std::size_t(corrupted) == trainable_blocks(net));
}
TEST_CASE_TEMPLATE_APPLY(conformance_broken, families);

// ---- 3. float and double --------------------------------------------------------------------------

TEST_CASE_TEMPLATE_DEFINE("conformance: a float model computes what a double one does to float rounding", F,
                          conformance_float_double) {
  INFO("family: " << F::name);
  const F fx{};
  auto nf = fx.template make<float>(21, use::precision);
  auto nd = fx.template make<double>(21, use::precision);
  REQUIRE(nf.parameters().size() == nd.parameters().size());
  const vector<double> from_float = nf.parameters().template cast<double>();
  if constexpr (F::float_draws_match) {
    // the same seed gives the same numbers, rounded to float (up to the float arithmetic of
    // transforms such as GLIFR's logits): within 1e-6 of each block's scale
    for (const auto& b : nd.layout()) {
      if (b.size == 0) continue;
      CAPTURE(b.name);
      const auto d = nd.parameters().segment(b.offset, b.size);
      CHECK((from_float.segment(b.offset, b.size) - d).cwiseAbs().maxCoeff() <=
            1e-6 * std::max(d.cwiseAbs().maxCoeff(), 1e-30));
    }
  }  // else (mode_snn): rng::fill_normal draws different normals for float and double, so the
     // two models of one seed differ; they are compared below on the float model's weights
  nd.parameters() = from_float;  // one model: what is left is the arithmetic
  const auto batch = fx.batch();
  const matrix<double> od = outputs_on(nd, batch);
  const matrix<double> of = outputs_on(nf, batch).template cast<double>();
  REQUIRE(of.rows() == od.rows());
  REQUIRE(of.cols() == od.cols());
  const double scale = od.cwiseAbs().maxCoeff();
  CAPTURE(scale);
  CHECK(scale > 0.0);
  CHECK((of - od).cwiseAbs().maxCoeff() <= float_output_rtol * scale);
  // and so does the adjoint: 1e-3 of the largest gradient entry (float rounding in the loss's
  // dL/do and in T steps of back-propagation)
  const vector<double> gd = gradient_on(nd, batch, fx.objective()).second;
  const vector<double> gf = gradient_on(nf, batch, fx.objective()).second.template cast<double>();
  CHECK((gf - gd).cwiseAbs().maxCoeff() <= 1e-3 * gd.cwiseAbs().maxCoeff());
}
TEST_CASE_TEMPLATE_APPLY(conformance_float_double, families);

// ---- 4. determinism -------------------------------------------------------------------------------

TEST_CASE_TEMPLATE_DEFINE("conformance: the same seed gives the same bits - outputs and a short fit", F,
                          conformance_determinism) {
  using S = typename F::scalar;
  INFO("family: " << F::name);
  CAPTURE(sizeof(S));
  const F fx{};
  const auto a = fx.template make<S>(31, use::train), b = fx.template make<S>(31, use::train);
  const auto c = fx.template make<S>(32, use::train);
  auto pa = a.parameters();
  CHECK(pa == b.parameters());
  CHECK(pa != c.parameters());
  const matrix<S> oa = outputs_on(a, fx.batch());
  CHECK(oa.allFinite());
  CHECK(oa == outputs_on(b, fx.batch()));
  // a tape that has held another pass gives the bits of a fresh one
  typename F::template model<S>::tape tp;
  auto other = fx.batch(), same = fx.batch();
  c.forward(other, tp);
  a.forward(same, tp);
  CHECK(tp.o == oa);

  const auto [first, out1] = train(fx, {.steps = 5});
  const auto [second, out2] = train(fx, {.steps = 5});
  CHECK(out1.steps_done == 5);
  CHECK(first.allFinite());
  CHECK(first == second);
  CHECK(first != fx.template make<S>(41, use::train).parameters());  // it trained
  // two runs at once, one per thread, end on the same bits: a model keeps no state shared
  // between instances, so a program may train one network per thread (results do not depend
  // on the thread count)
  std::vector<vector<S>> concurrent(2);
  parallel_for(2, 2, [&](long k, int) { concurrent[std::size_t(k)] = train(fx, {.steps = 5}).first; });
  CHECK(concurrent[0] == first);
  CHECK(concurrent[1] == first);
}
TEST_CASE_TEMPLATE_APPLY(conformance_determinism, trained_families);

// ---- 5. checkpoint and resume ---------------------------------------------------------------------

TEST_CASE_TEMPLATE_DEFINE("conformance: a run resumed from its checkpoint ends on the bits of an uninterrupted one", F,
                          conformance_resume) {
  using S = typename F::scalar;
  INFO("family: " << F::name);
  CAPTURE(sizeof(S));
  const F fx{};
  const temp_dir dir;
  const long K = 7, k1 = 3;  // 3 steps per epoch for the dataset sources: the resume crosses an epoch's end
  const auto [whole, out_whole] = train(fx, {.steps = K});
  CHECK(out_whole.steps_done == K);

  // interrupted after k1 + 1 steps; its checkpoint is the state after k1 steps
  const auto ck = dir.path / "at_k1.ckpt";
  train(fx, {.steps = k1 + 1, .checkpoint = ck, .checkpoint_every = k1});
  REQUIRE(std::filesystem::exists(ck));
  const checkpoint saved = checkpoint::load(ck);
  CHECK(saved.get_int("engine/step") == k1);
  CHECK(saved.get_vector<S>("model/parameters") == train(fx, {.steps = k1}).first);
  const auto [resumed, out_resumed] = train(fx, {.steps = K, .resume = ck});
  CHECK(out_resumed.steps_done == K);
  CHECK(resumed.size() == whole.size());
  CHECK(resumed == whole);

  // the checkpoints of a K-step run itself (the last at step 6): resuming it repeats the last step
  const auto periodic = dir.path / "periodic.ckpt";
  const auto [with_checkpoints, out_ck] = train(fx, {.steps = K, .checkpoint = periodic, .checkpoint_every = k1});
  CHECK(with_checkpoints == whole);  // writing checkpoints changes nothing
  REQUIRE(std::filesystem::exists(periodic));
  CHECK(checkpoint::load(periodic).get_int("engine/step") == 2 * k1);
  CHECK(train(fx, {.steps = K, .resume = periodic}).first == whole);
}
TEST_CASE_TEMPLATE_APPLY(conformance_resume, trained_families);

// ---- 6. shapes ----------------------------------------------------------------------------------

TEST_CASE_TEMPLATE_DEFINE("conformance: a batch with the wrong number of input channels is refused", F,
                          conformance_shapes) {
  using S = typename F::scalar;
  INFO("family: " << F::name);
  CAPTURE(sizeof(S));
  const F fx{};
  const auto net = fx.template make<S>(51, use::train);
  typename F::template model<S>::tape tp;
  auto bad = fx.bad_batch();
  CHECK_THROWS_AS(net.forward(bad, tp), spikernn::invalid_parameter);
  CHECK(spikernn::testing::refused([&] { net.forward(bad, tp); }) == F::input_parameter);
  // the tape of a refused pass still serves a good one
  auto good = fx.batch();
  net.forward(good, tp);
  CHECK(tp.o == outputs_on(net, fx.batch()));
}
TEST_CASE_TEMPLATE_APPLY(conformance_shapes, trained_families);
