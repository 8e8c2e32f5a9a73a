// Compile-time checks: every shipped policy models its concept, and a broken one does not.
// Built as an object library: the test is that this file compiles.
#include <spikernn/spikernn.hpp>

namespace sk = spikernn;

namespace {
struct no_derivative {
  static constexpr std::string_view name = "broken";
  static double value(double x) { return x; }
};
struct no_drift {  // constants but no membrane equation
  static constexpr std::string_view name = "broken";
  static constexpr sk::lif_params defaults() { return {}; }
};
struct no_gradient {
  static constexpr std::string_view name = "broken";
  static constexpr bool applies_dale = false;
};
struct loss_without_gradient {  // returns a value but cannot write dL/do
  double operator()(const sk::matrix<float>&, const sk::sample_batch&) const { return 0; }
};
struct optimizer_without_state {  // updates, but cannot be checkpointed
  void step(sk::vector<float>&, const sk::vector<float>&, const sk::param_layout&) {}
  long steps() const { return 0; }
  double learning_rate() const { return 1; }
  void set_learning_rate(double) {}
};
struct source_without_batch_type {
  void fill(long, sk::sample_batch&) {}
};
}  // namespace

static_assert(sk::activation<sk::sigmoid>);
static_assert(sk::activation<sk::softplus>);
static_assert(sk::activation<sk::clipped_relu>);
static_assert(!sk::activation<no_derivative>);
static_assert(sk::integrate_and_fire<sk::leaky_if>);
static_assert(sk::integrate_and_fire<sk::quadratic_if>);
static_assert(!sk::integrate_and_fire<no_drift>);
static_assert(sk::connectivity<sk::dale>);
static_assert(sk::connectivity<sk::no_dale>);
static_assert(!sk::connectivity<no_gradient>);
static_assert(sk::task<sk::go_nogo>);
static_assert(!sk::task<int>);
static_assert(sk::trainable_model<sk::rate_rnn<float, sk::sigmoid, sk::dale>>);
static_assert(sk::trainable_model<sk::rate_rnn<double, sk::softplus, sk::no_dale>>);
static_assert(!sk::trainable_model<sk::go_nogo>);
static_assert(sk::sequence_model<sk::glifr_network<float>>);
static_assert(sk::sequence_model<sk::vanilla_rnn<float>>);
static_assert(sk::sequence_model<sk::lstm<double>>);
static_assert(sk::sequence_model<sk::mode_snn<float, sk::fast_sigmoid>>);
static_assert(!sk::sequence_model<sk::rate_rnn<float, sk::sigmoid, sk::dale>>);
// the engine's families: models on their batches, objectives, optimizers, data sources
static_assert(sk::trainable_on<sk::rate_rnn<float, sk::sigmoid, sk::dale>, sk::trial_batch>);
static_assert(sk::trainable_on<sk::glifr_network<double>, sk::sample_batch>);
static_assert(sk::trainable_on<sk::vanilla_rnn<float>, sk::sample_batch>);
static_assert(sk::trainable_on<sk::lstm<float>, sk::sample_batch>);
static_assert(sk::trainable_on<sk::mode_snn<float, sk::arctan>, sk::sample_batch>);
static_assert(sk::trainable_on<sk::mode_snn<float, sk::arctan>, sk::event_batch>);
static_assert(!sk::trainable_on<sk::glifr_network<float>, sk::trial_batch>);
static_assert(sk::objective_for<sk::kim2019_objective, sk::trial_batch, float>);
static_assert(sk::objective_for<sk::sequence_objective, sk::sample_batch, double>);
static_assert(sk::objective_for<sk::spiking_objective, sk::sample_batch, float>);
static_assert(sk::objective_for<sk::spiking_objective, sk::event_batch, float>);
static_assert(!sk::objective_for<sk::kim2019_objective, sk::sample_batch, float>);
static_assert(!sk::objective_for<loss_without_gradient, sk::sample_batch, float>);
static_assert(sk::optimizer_for<sk::adam, float>);
static_assert(sk::optimizer_for<sk::adam, double>);
static_assert(!sk::optimizer_for<optimizer_without_state, float>);
static_assert(sk::data_source<sk::task_trials<sk::go_nogo>>);
static_assert(sk::epoch_source<sk::dataset_batches>);
static_assert(sk::epoch_source<sk::encoded_batches>);
static_assert(sk::epoch_source<sk::repeated_batches>);
static_assert(!sk::epoch_source<sk::task_trials<sk::go_nogo>>);
static_assert(!sk::data_source<source_without_batch_type>);
static_assert(sk::surrogate_function<sk::fast_sigmoid>);
static_assert(sk::surrogate_function<sk::arctan>);
static_assert(sk::surrogate_function<sk::sigmoid_surrogate>);
static_assert(sk::surrogate_function<sk::straight_through>);
static_assert(!sk::surrogate_function<no_derivative>);
