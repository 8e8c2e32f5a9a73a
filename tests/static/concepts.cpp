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
static_assert(sk::surrogate_function<sk::fast_sigmoid>);
static_assert(sk::surrogate_function<sk::arctan>);
static_assert(sk::surrogate_function<sk::sigmoid_surrogate>);
static_assert(sk::surrogate_function<sk::straight_through>);
static_assert(!sk::surrogate_function<no_derivative>);
