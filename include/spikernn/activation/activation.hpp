// Rate activation functions φ of the rate RNN (spec §1.6) as policies: each gives the scalar
// value and derivative as SPIKERNN_HD functions (shared with CUDA kernels) and the same maths
// on Eigen arrays, which Eigen vectorises for the CPU loops.
#pragma once

#include "spikernn/config.hpp"
#include "spikernn/core/types.hpp"

#include <cmath>
#include <concepts>
#include <string_view>

namespace spikernn {

/// An activation policy: a name, φ(x) and φ'(x) given x and r = φ(x), scalar and array-wise.
template <class A>
concept activation = requires(double x, double r, const array<float>& xs, const array<float>& rs) {
  { A::name } -> std::convertible_to<std::string_view>;
  { A::value(x) } -> std::same_as<double>;
  { A::derivative(x, r) } -> std::same_as<double>;
  { A::apply(xs) };
  { A::derivative(xs, rs) };
};

/// Logistic sigmoid, the activation that converts well to LIF networks.
struct sigmoid {
  static constexpr std::string_view name = "sigmoid";
  template <std::floating_point S>
  SPIKERNN_HD static S value(S x) {
    return S(1) / (S(1) + std::exp(-x));
  }
  template <std::floating_point S>
  SPIKERNN_HD static S derivative(S /*x*/, S r) {
    return r * (S(1) - r);
  }
  template <class D>
  static auto apply(const Eigen::ArrayBase<D>& x) {
    using S = typename D::Scalar;
    return S(1) / (S(1) + (-x).exp());
  }
  template <class D1, class D2>
  static auto derivative(const Eigen::ArrayBase<D1>& /*x*/, const Eigen::ArrayBase<D2>& r) {
    using S = typename D2::Scalar;
    return r * (S(1) - r);
  }
};

/// softplus clipped at 20: min(log(1 + e^x), 20).
struct softplus {
  static constexpr std::string_view name = "softplus";
  static constexpr double ceiling = 20.0;
  template <std::floating_point S>
  SPIKERNN_HD static S value(S x) {
    const S v = std::log1p(std::exp(x));
    return v < S(ceiling) ? v : S(ceiling);
  }
  template <std::floating_point S>
  SPIKERNN_HD static S derivative(S x, S r) {
    return r < S(ceiling) ? S(1) / (S(1) + std::exp(-x)) : S(0);
  }
  template <class D>
  static auto apply(const Eigen::ArrayBase<D>& x) {
    using S = typename D::Scalar;
    return x.exp().log1p().min(S(ceiling));
  }
  template <class D1, class D2>
  static auto derivative(const Eigen::ArrayBase<D1>& x, const Eigen::ArrayBase<D2>& r) {
    using S = typename D1::Scalar;
    return (r < S(ceiling)).select(S(1) / (S(1) + (-x).exp()), S(0));
  }
};

/// ReLU clipped at 20: min(max(x, 0), 20).
struct clipped_relu {
  static constexpr std::string_view name = "clipped_relu";
  static constexpr double ceiling = 20.0;
  template <std::floating_point S>
  SPIKERNN_HD static S value(S x) {
    return x <= S(0) ? S(0) : (x < S(ceiling) ? x : S(ceiling));
  }
  template <std::floating_point S>
  SPIKERNN_HD static S derivative(S x, S /*r*/) {
    return (x > S(0) && x < S(ceiling)) ? S(1) : S(0);
  }
  template <class D>
  static auto apply(const Eigen::ArrayBase<D>& x) {
    using S = typename D::Scalar;
    return x.max(S(0)).min(S(ceiling));
  }
  template <class D1, class D2>
  static auto derivative(const Eigen::ArrayBase<D1>& x, const Eigen::ArrayBase<D2>& /*r*/) {
    using S = typename D1::Scalar;
    return ((x > S(0)) && (x < S(ceiling))).template cast<S>();
  }
};

}  // namespace spikernn
