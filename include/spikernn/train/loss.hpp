// Training losses of the original (spec §3.1) on the T − 1 outputs o_1 … o_{T−1} against the
// targets z_0 … z_{T−2} (the original's one-step offset, spec §2.1):
//   l2: L = sqrt(Σ (o_{k+1} − z_k)²)  — the root of the summed squares, no mean;
//   l1: L = Σ |o_{k+1} − z_k|.
// The loss is O(T) per trial, so it is chosen at run time rather than as a template parameter.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <string_view>

namespace spikernn {

enum class loss_fn { l2, l1 };

inline std::string_view to_string(loss_fn l) { return l == loss_fn::l2 ? "l2" : "l1"; }

/// Parses "l1" / "l2" (case-insensitive, as the original).
inline loss_fn parse_loss(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (s == "l2") return loss_fn::l2;
  if (s == "l1") return loss_fn::l1;
  throw invalid_parameter("loss_fn", "l1 or l2, got '" + s + "'");
}

/// The loss of one trial and its gradient dL/do (written into `d_o`, same length as `o`).
/// `o` holds o_1 … o_{T−1}; `z` holds the T targets, of which z_0 … z_{T−2} are used.
template <class DO, class DZ, class DG>
double trial_loss(loss_fn kind, const Eigen::MatrixBase<DO>& o, const Eigen::MatrixBase<DZ>& z,
                  Eigen::MatrixBase<DG>& d_o) {
  using S = typename DG::Scalar;
  const index_t n = o.size();
  require(z.size() >= n, "target", "at least as many targets as outputs + 1");
  double loss = 0.0;
  if (kind == loss_fn::l2) {
    double sum = 0.0;
    for (index_t k = 0; k < n; ++k) {
      const double e = static_cast<double>(o(k)) - static_cast<double>(z(k));
      sum += e * e;
    }
    loss = std::sqrt(sum);
    for (index_t k = 0; k < n; ++k)
      d_o(k) = loss > 0 ? static_cast<S>((static_cast<double>(o(k)) - static_cast<double>(z(k))) / loss) : S(0);
  } else {
    for (index_t k = 0; k < n; ++k) {
      const double e = static_cast<double>(o(k)) - static_cast<double>(z(k));
      loss += std::abs(e);
      d_o(k) = static_cast<S>((e > 0) - (e < 0));
    }
  }
  return loss;
}

}  // namespace spikernn
