// Connectivity policies: how the trained raw matrix w becomes the effective recurrent matrix
// (spec §1.4) and how a gradient on the effective matrix flows back to w.
//   dale:    W = (relu(w) · diag(sign)) ⊙ som_m  — column j carries the sign of presynaptic j;
//            relu is a re-parametrisation, so entries at or below zero (including the
//            unconnected ones, which start at exactly 0) receive no gradient and stay inactive.
//   no_dale: W = w ⊙ som_m  — a free network, every entry trainable.
#pragma once

#include "spikernn/core/types.hpp"

#include <concepts>
#include <string_view>

namespace spikernn {

/// A connectivity policy computes W_eff from (w, sign, som_m) and maps dL/dW_eff to dL/dw.
template <class C>
concept connectivity = requires(const matrix<float>& w, const vector<float>& sign,
                                const matrix<float>& mask, matrix<float>& out) {
  { C::name } -> std::convertible_to<std::string_view>;
  { C::applies_dale } -> std::convertible_to<bool>;
  C::effective(w, sign, mask, out);
  C::gradient(w, sign, mask, out, out);
  C::exported(w, out);
};

struct dale {
  static constexpr std::string_view name = "dale";
  static constexpr bool applies_dale = true;

  template <class W, class S>
  static void effective(const Eigen::MatrixBase<W>& w, const vector<S>& sign, const matrix<S>& som_mask,
                        matrix<S>& out) {
    out = ((w.array().max(S(0))).rowwise() * sign.transpose().array() * som_mask.array()).matrix();
  }
  /// dL/dw from dL/dW_eff; element-wise, so `d_w` may be `d_eff`.
  template <class W, class S>
  static void gradient(const Eigen::MatrixBase<W>& w, const vector<S>& sign, const matrix<S>& som_mask,
                       const matrix<S>& d_eff, matrix<S>& d_w) {
    d_w = ((w.array() > S(0)).template cast<S>().rowwise() * sign.transpose().array() *
           som_mask.array() * d_eff.array())
              .matrix();
  }
  /// The recurrent matrix as the original code saves it (`w` after relu).
  template <class W, class S>
  static void exported(const Eigen::MatrixBase<W>& w, matrix<S>& out) {
    out = w.array().max(S(0)).matrix();
  }
};

struct no_dale {
  static constexpr std::string_view name = "no_dale";
  static constexpr bool applies_dale = false;

  template <class W, class S>
  static void effective(const Eigen::MatrixBase<W>& w, const vector<S>& /*sign*/, const matrix<S>& som_mask,
                        matrix<S>& out) {
    out = (w.array() * som_mask.array()).matrix();
  }
  template <class W, class S>
  static void gradient(const Eigen::MatrixBase<W>& /*w*/, const vector<S>& /*sign*/, const matrix<S>& som_mask,
                       const matrix<S>& d_eff, matrix<S>& d_w) {
    d_w = (som_mask.array() * d_eff.array()).matrix();
  }
  template <class W, class S>
  static void exported(const Eigen::MatrixBase<W>& w, matrix<S>& out) {
    out = w;
  }
};

}  // namespace spikernn
