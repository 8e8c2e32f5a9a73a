// Helpers shared by the tests of the sequence models (glifr_network, vanilla_rnn, lstm, …):
// random inputs and targets, and the central finite-difference check of every entry of every
// trainable block against a model's adjoint.
#pragma once

#include <spikernn/core/rng.hpp>
#include <spikernn/core/types.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace spikernn::testing {

/// Random inputs, n_in × T per trial.
inline std::vector<matrix<double>> random_inputs(index_t n_in, index_t T, index_t B, std::uint64_t s) {
  rng g(seed{s}, purpose::user);
  std::vector<matrix<double>> out;
  for (index_t b = 0; b < B; ++b) out.push_back(matrix<double>::NullaryExpr(n_in, T, [&] { return g.uniform(-1.5, 1.5); }));
  return out;
}

/// ½ Σ (o − z)² over every output, step and trial.
inline double half_sse(const matrix<double>& o, const matrix<double>& z) { return 0.5 * (o - z).squaredNorm(); }

struct block_error {
  std::string name;
  index_t compared = 0;
  index_t above_floor = 0;  ///< entries whose gradient stands clear of the rounding floor
  double max_rel = 0;       ///< max |analytic − numeric| / (|analytic| + |numeric|), entries above the floor
  double max_abs = 0;
  bool ok = true;           ///< every entry within rtol·(|a| + |n|) + atol
};

template <class Net>
using backward_fn = std::function<void(typename Net::tape&, const matrix<double>&, vector<double>&)>;

/// Central differences of ½Σ(o − z)² against the adjoint, for EVERY entry of every trainable
/// block. Tolerance: with h = 1e-5 the truncation error O(h²·L‴) was measured below 1e-9 on the
/// GLIFR network (it falls as h² down to h = 1e-6), and the rounding error of a difference of
/// two losses is a few ε·L/h; so an entry passes when |a − n| ≤ 1e-6·(|a| + |n|) +
/// 10·ε·max(L, 1)/h: 1e-6 relative on every entry whose gradient stands above the rounding
/// floor (a 1% slip in any term is caught), the floor for the rest. `backward` replaces the
/// model's adjoint (to show that the check catches a broken one).
template <class Net>
std::vector<block_error> fd_check(Net& net, const std::vector<matrix<double>>& inputs, const matrix<double>& z,
                                  const backward_fn<Net>& backward = {}) {
  typename Net::tape tp;
  net.forward(std::span<const matrix<double>>(inputs), tp);
  const matrix<double> d_o = tp.o - z;
  vector<double> grad = vector<double>::Zero(net.parameters().size());
  if (backward)
    backward(tp, d_o, grad);
  else
    net.backward(tp, d_o, grad);
  auto& theta = net.parameters();
  typename Net::tape t2;
  const auto loss = [&] {
    net.forward(std::span<const matrix<double>>(inputs), t2);
    return half_sse(t2.o, z);
  };
  const double l0 = half_sse(tp.o, z);
  const double h = 1e-5, rtol = 1e-6;
  const double atol = 10 * std::numeric_limits<double>::epsilon() * std::max(l0, 1.0) / h;
  std::vector<block_error> out;
  for (const auto& blk : net.layout()) {
    if (!blk.trainable) continue;
    block_error e{blk.name};
    for (index_t k = blk.offset; k < blk.offset + blk.size; ++k) {
      const double saved = theta[k];
      theta[k] = saved + h;
      const double lp = loss();
      theta[k] = saved - h;
      const double lm = loss();
      theta[k] = saved;
      const double numeric = (lp - lm) / (2 * h), analytic = grad[k];
      const double err = std::abs(analytic - numeric), mag = std::abs(analytic) + std::abs(numeric);
      e.max_abs = std::max(e.max_abs, err);
      if (mag > atol / rtol) {
        e.max_rel = std::max(e.max_rel, err / mag);
        ++e.above_floor;
      }
      if (err > rtol * mag + atol) e.ok = false;
      ++e.compared;
    }
    out.push_back(e);
  }
  return out;
}

/// Random targets for T steps of B trials, time-major like the outputs.
template <class Net>
matrix<double> random_targets(const Net& net, index_t T, index_t B, std::uint64_t s) {
  rng g(seed{s}, purpose::user, 7);
  return matrix<double>::NullaryExpr(net.n_outputs(), T * B, [&] { return g.uniform(-1, 1); });
}

/// Every block of the layout is checked, passes, and (unless `tiny_blocks` names it) has
/// entries whose gradient stands clear of the rounding floor, so it is held to 1e-6 relative.
template <class Net>
void check_all_pass(Net& net, index_t T, index_t B, std::uint64_t s, const std::vector<std::string>& tiny_blocks = {}) {
  const auto inputs = random_inputs(net.n_inputs(), T, B, s);
  const auto res = fd_check(net, inputs, random_targets(net, T, B, s));
  CHECK(res.size() == net.layout().size());
  for (const auto& r : res) {
    CAPTURE(r.name);
    CAPTURE(r.max_rel);
    CAPTURE(r.max_abs);
    CAPTURE(r.above_floor);
    CHECK(r.compared > 0);
    if (std::find(tiny_blocks.begin(), tiny_blocks.end(), r.name) == tiny_blocks.end()) CHECK(r.above_floor > 0);
    CHECK(r.ok);
  }
}

/// The result for block `name`.
inline block_error find_block(const std::vector<block_error>& res, const std::string& name) {
  for (const auto& r : res)
    if (r.name == name) return r;
  FAIL("no block " << name);
  return block_error{};
}

/// Checks that m's entries look like U(±bound) draws: inside the interval, mean and variance
/// b²/3 within 5 standard errors.
template <class M>
void check_uniform(const M& m, double bound) {
  CHECK(m.minCoeff() >= -bound);
  CHECK(m.maxCoeff() < bound);
  const double count = double(m.size());
  CHECK(std::abs(m.mean()) < 5 * bound / std::sqrt(3.0 * count));
  const double var = m.array().square().mean();
  CHECK(std::abs(var - bound * bound / 3) < 5 * std::sqrt(std::pow(bound, 4) * (1.0 / 5 - 1.0 / 9) / count));
}

}  // namespace spikernn::testing
