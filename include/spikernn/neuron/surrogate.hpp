// Surrogate spike functions (glifr_smnn_spec.md B.2, snnTorch v0.6.2 surrogate.py) as policies:
// the forward pass is always the Heaviside step S(u) = 1[u > 0] (strictly greater), and the
// backward pass replaces its derivative by a smooth pseudo-derivative grad(u). Each policy also
// gives smooth(u), a smooth function whose derivative is exactly grad(u): a network run with
// smooth(u) in place of the step is differentiable, so the tests can hold its hand-written
// surrogate-gradient adjoint to central finite differences (smooth() is for that only; it is
// not what any original code runs).
//
// Every function exists for scalars (SPIKERNN_HD, so CUDA kernels share the maths) and for
// Eigen array expressions (which Eigen vectorises in the CPU loops). The array forms name no
// Eigen type, so under nvcc the header is Eigen-free (kernels take raw pointers) and only the
// concept, which probes Eigen arrays, is left out. The parameters (slope, alpha)
// are std::ratio template arguments so a policy is a type — basic_fast_sigmoid<std::ratio<50>>
// is a steeper one — portably (clang 14 has no floating-point template arguments).
#pragma once

#include "spikernn/config.hpp"
#if !defined(__CUDACC__)
#include "spikernn/core/types.hpp"
#endif

#include <cmath>
#include <concepts>
#include <numbers>
#include <ratio>
#include <string_view>
#include <type_traits>

namespace spikernn {

/// An Eigen array expression (the array forms' argument): it has a Scalar type.
template <class D>
concept array_expression = requires {
  typename D::Scalar;
}
&&!std::is_arithmetic_v<D>;

#if !defined(__CUDACC__)
/// A surrogate spike policy: a name, and spike / grad / smooth for float and double scalars and
/// for Eigen arrays. grad is the pseudo-derivative used in backward; d smooth/du == grad.
template <class F>
concept surrogate_function = requires(double u, float uf, const array2d<double>& ua, const array2d<float>& ufa) {
  { F::name } -> std::convertible_to<std::string_view>;
  { F::spike(u) } -> std::same_as<double>;
  { F::grad(u) } -> std::same_as<double>;
  { F::smooth(u) } -> std::same_as<double>;
  { F::spike(uf) } -> std::same_as<float>;
  { F::grad(uf) } -> std::same_as<float>;
  { F::smooth(uf) } -> std::same_as<float>;
  {array2d<double>(F::spike(ua))};
  {array2d<double>(F::grad(ua))};
  {array2d<double>(F::smooth(ua))};
  {array2d<float>(F::grad(ufa))};
};
#endif

namespace detail {
/// The forward pass every surrogate shares: 1 if u > 0 else 0.
template <std::floating_point S>
SPIKERNN_HD constexpr S heaviside(S u) {
  return u > S(0) ? S(1) : S(0);
}
template <array_expression D>
auto heaviside(const D& u) {
  using S = typename D::Scalar;
  return (u > S(0)).template cast<S>();
}
}  // namespace detail

/// snnTorch fast_sigmoid(slope): grad = 1 / (slope·|u| + 1)²; smooth = u / (1 + slope·|u|).
/// The only surrogate the SMNN code uses (slope 25).
template <class Slope>
struct basic_fast_sigmoid {
  static constexpr double slope = double(Slope::num) / double(Slope::den);
  static_assert(slope > 0, "the slope of a fast sigmoid is positive");
  static constexpr std::string_view name = "fast_sigmoid";

  template <std::floating_point S>
  SPIKERNN_HD static S spike(S u) {
    return detail::heaviside(u);
  }
  template <std::floating_point S>
  SPIKERNN_HD static S grad(S u) {
    const S d = S(slope) * std::abs(u) + S(1);
    return S(1) / (d * d);
  }
  template <std::floating_point S>
  SPIKERNN_HD static S smooth(S u) {
    return u / (S(1) + S(slope) * std::abs(u));
  }

  template <array_expression D>
  static auto spike(const D& u) {
    return detail::heaviside(u);
  }
  template <array_expression D>
  static auto grad(const D& u) {
    using S = typename D::Scalar;
    return (S(slope) * u.abs() + S(1)).square().inverse();
  }
  template <array_expression D>
  static auto smooth(const D& u) {
    using S = typename D::Scalar;
    return u / (S(1) + S(slope) * u.abs());
  }
};

/// snnTorch atan(alpha), its default surrogate: grad = (alpha/2) / (1 + (π/2·alpha·u)²);
/// smooth = atan(π/2·alpha·u)/π + 1/2.
template <class Alpha>
struct basic_arctan {
  static constexpr double alpha = double(Alpha::num) / double(Alpha::den);
  static_assert(alpha > 0, "alpha of the arctan surrogate is positive");
  static constexpr std::string_view name = "arctan";

  template <std::floating_point S>
  SPIKERNN_HD static S spike(S u) {
    return detail::heaviside(u);
  }
  template <std::floating_point S>
  SPIKERNN_HD static S grad(S u) {
    const S a = std::numbers::pi_v<S> / S(2) * S(alpha) * u;
    return S(alpha / 2) / (S(1) + a * a);
  }
  template <std::floating_point S>
  SPIKERNN_HD static S smooth(S u) {
    return std::atan(std::numbers::pi_v<S> / S(2) * S(alpha) * u) / std::numbers::pi_v<S> + S(0.5);
  }

  template <array_expression D>
  static auto spike(const D& u) {
    return detail::heaviside(u);
  }
  template <array_expression D>
  static auto grad(const D& u) {
    using S = typename D::Scalar;
    return S(alpha / 2) / (S(1) + (std::numbers::pi_v<S> / S(2) * S(alpha) * u).square());
  }
  template <array_expression D>
  static auto smooth(const D& u) {
    using S = typename D::Scalar;
    return (std::numbers::pi_v<S> / S(2) * S(alpha) * u).atan() / std::numbers::pi_v<S> + S(0.5);
  }
};

/// snnTorch sigmoid(slope): grad = slope·e^{−slope·u} / (1 + e^{−slope·u})², the derivative of
/// the logistic function logistic(slope·u) = smooth. grad is even in u, so it is computed from
/// e^{−slope·|u|} ∈ (0, 1], which never overflows.
template <class Slope>
struct basic_sigmoid_surrogate {
  static constexpr double slope = double(Slope::num) / double(Slope::den);
  static_assert(slope > 0, "the slope of a sigmoid surrogate is positive");
  static constexpr std::string_view name = "sigmoid";

  template <std::floating_point S>
  SPIKERNN_HD static S spike(S u) {
    return detail::heaviside(u);
  }
  template <std::floating_point S>
  SPIKERNN_HD static S grad(S u) {
    const S e = std::exp(-S(slope) * std::abs(u));
    return S(slope) * e / ((S(1) + e) * (S(1) + e));
  }
  template <std::floating_point S>
  SPIKERNN_HD static S smooth(S u) {
    return S(1) / (S(1) + std::exp(-S(slope) * u));  // exp → ∞ gives 0, as it should
  }

  template <array_expression D>
  static auto spike(const D& u) {
    return detail::heaviside(u);
  }
  template <array_expression D>
  static auto grad(const D& u) {
    using S = typename D::Scalar;
    const auto e = (-S(slope) * u.abs()).exp();
    return S(slope) * e / (S(1) + e).square();
  }
  template <array_expression D>
  static auto smooth(const D& u) {
    using S = typename D::Scalar;
    return S(1) / (S(1) + (-S(slope) * u).exp());
  }
};

/// snnTorch straight_through_estimator: the gradient passes unchanged (1); smooth = u.
struct straight_through {
  static constexpr std::string_view name = "straight_through";

  template <std::floating_point S>
  SPIKERNN_HD static S spike(S u) {
    return detail::heaviside(u);
  }
  template <std::floating_point S>
  SPIKERNN_HD static S grad(S /*u*/) {
    return S(1);
  }
  template <std::floating_point S>
  SPIKERNN_HD static S smooth(S u) {
    return u;
  }

  template <array_expression D>
  static auto spike(const D& u) {
    return detail::heaviside(u);
  }
  template <array_expression D>
  static auto grad(const D& u) {
    using S = typename D::Scalar;
    return D::Constant(u.rows(), u.cols(), S(1));
  }
  template <array_expression D>
  static auto smooth(const D& u) {
    return u;
  }
};

/// The snnTorch defaults: fast_sigmoid(slope = 25), atan(alpha = 2), sigmoid(slope = 25).
using fast_sigmoid = basic_fast_sigmoid<std::ratio<25>>;
using arctan = basic_arctan<std::ratio<2>>;
using sigmoid_surrogate = basic_sigmoid_surrogate<std::ratio<25>>;

}  // namespace spikernn
