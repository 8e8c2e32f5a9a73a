// The event-driven input product of the spiking mode RNN: W_in·x summed over the non-zero inputs
// of every column (rate-coded MNIST is about 13% ones), and its transpose for the W_in gradient.
// W_in is padded to whole SIMD vectors so each column's sum forms in registers while the events
// stream past. Used by network/mode_snn.hpp; the layout of the events is its tape's (CSR by
// column, time-major).
#pragma once

#include "spikernn/core/types.hpp"

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace spikernn {

namespace detail {
/// Rows per SIMD vector (64 bytes: one AVX-512 register, two AVX ones). The event-driven
/// kernels pad W_in and its gradient to a multiple of this (N = 100 floats → 112) and keep up
/// to 8 vectors (512 bytes) of a column in registers while the events stream past.
template <class S>
inline constexpr index_t event_lane = index_t(64 / sizeof(S));
/// Rows per block of the event-driven input product (8 vectors).
template <class S>
inline constexpr index_t event_block = 8 * event_lane<S>;
/// The padded row count of an n-row matrix for the event kernels.
template <class S>
constexpr index_t event_rows(index_t n) {
  return (n + event_lane<S> - 1) / event_lane<S> * event_lane<S>;
}

/// Calls f(std::integral_constant<int, V>{}, r0) for row blocks of V ≤ 8 vectors covering np
/// rows (np a multiple of event_lane).
template <class S, class F>
void for_event_blocks(index_t np, F&& f) {
  constexpr index_t L = event_lane<S>;
  for (index_t r0 = 0; r0 < np; r0 += 8 * L) {
    switch (std::min<index_t>(8, (np - r0) / L)) {
      case 1:
        f(std::integral_constant<int, 1>{}, r0);
        break;
      case 2:
        f(std::integral_constant<int, 2>{}, r0);
        break;
      case 3:
        f(std::integral_constant<int, 3>{}, r0);
        break;
      case 4:
        f(std::integral_constant<int, 4>{}, r0);
        break;
      case 5:
        f(std::integral_constant<int, 5>{}, r0);
        break;
      case 6:
        f(std::integral_constant<int, 6>{}, r0);
        break;
      case 7:
        f(std::integral_constant<int, 7>{}, r0);
        break;
      default:
        f(std::integral_constant<int, 8>{}, r0);
        break;
    }
  }
}

/// The events of a batch (CSR: column c's events are k = start[c] … start[c + 1] − 1, input
/// index[k], value value[k]) regrouped for the event-driven kernels: the columns are cut into
/// groups of `group` (≤ 2¹⁶) consecutive columns, and each group's events are sorted by input
/// (a counting sort, stable: within an input, in column order), for event_gradient.
template <class S>
struct event_groups {
  index_t group = 0, n_in = 0, cols = 0;
  bool unit = false;                ///< every value is 1: val is empty, products are skipped
  std::vector<std::int32_t> start;  ///< group q, input j: events start[q·(n_in + 1) + j] … (absolute)
  std::vector<std::uint16_t> col;   ///< the event's column within its group
  std::vector<S> val;               ///< its value (empty when unit)
  std::vector<std::int32_t> next;   ///< scratch of the sort, n_in
  vector<S> scratch;                ///< np × group: one group's columns with padded rows

  index_t groups() const { return group > 0 ? (cols + group - 1) / group : 0; }

  void build(const std::vector<std::int32_t>& cstart, const std::vector<std::int32_t>& index,
             const std::vector<S>& value, index_t n_cols, index_t n_inputs, index_t group_cols, bool unit_values) {
    group = std::clamp<index_t>(group_cols, 1, 65536);
    n_in = n_inputs;
    cols = n_cols;
    unit = unit_values;
    const index_t G = groups(), stride = n_in + 1;
    const std::size_t total = std::size_t(cstart[std::size_t(cols)]);
    start.resize(std::size_t(G * stride));
    col.resize(total);
    val.resize(unit ? 0 : total);
    next.resize(std::size_t(n_in));
    for (index_t q = 0; q < G; ++q) {
      const index_t c0 = q * group, g = std::min(group, cols - c0);
      const std::int32_t k0 = cstart[std::size_t(c0)], k1 = cstart[std::size_t(c0 + g)];
      std::int32_t* const st = start.data() + q * stride;
      std::int32_t* const nx = next.data();
      std::fill(nx, nx + n_in, 0);
      for (std::int32_t k = k0; k < k1; ++k) ++nx[index[std::size_t(k)]];
      std::int32_t at = k0;
      for (index_t j = 0; j < n_in; ++j) {
        st[j] = at;
        at += nx[j];
        nx[j] = st[j];
      }
      st[n_in] = at;
      for (index_t c = 0; c < g; ++c) {
        const std::int32_t e0 = cstart[std::size_t(c0 + c)], e1 = cstart[std::size_t(c0 + c + 1)];
        for (std::int32_t k = e0; k < e1; ++k) {
          const std::size_t to = std::size_t(nx[index[std::size_t(k)]]++);
          col[to] = std::uint16_t(c);
          if (!unit) val[to] = value[std::size_t(k)];
        }
      }
    }
  }
};

/// out(:, c) = Σ_k value[k]·W(:, index[k]) over the events k of column c, for every column;
/// `wp` is W with its rows padded with zeros to event_rows(n), out has n rows. Each column's sum
/// forms in registers (up to 8 vectors) while its events stream past. (Adding each input's
/// column of W into the columns of a group, the order of event_gradient, was measured slower:
/// 7 stores per event instead of 7 loads.) `unit`: every value is 1 (spike events).
template <class S>
void event_product(const matrix<S>& wp, const std::vector<std::int32_t>& start, const std::vector<std::int32_t>& index,
                   const std::vector<S>& value, matrix<S>& out, bool unit) {
  const index_t np = wp.rows(), n = out.rows(), cols = out.cols();
  for_event_blocks<S>(np, [&](auto v, index_t r0) {
    constexpr index_t R = decltype(v)::value * event_lane<S>;
    using block_t = Eigen::Array<S, R, 1>;
    const index_t m = std::min(R, n - r0);
    const std::int32_t* const idx = index.data();
    for (index_t c = 0; c < cols; ++c) {
      const std::int32_t k0 = start[std::size_t(c)], k1 = start[std::size_t(c + 1)];
      block_t acc = block_t::Zero();
      if (unit)
        for (std::int32_t k = k0; k < k1; ++k) acc += Eigen::Map<const block_t>(wp.data() + idx[k] * np + r0);
      else
        for (std::int32_t k = k0; k < k1; ++k)
          acc += value[std::size_t(k)] * Eigen::Map<const block_t>(wp.data() + idx[k] * np + r0);
      out.col(c).segment(r0, m) = acc.head(m).matrix();
    }
  });
}

/// gp(:, index[k]) += value[k]·d(:, c) over the events k of every column c (the transpose of
/// event_product); gp has d's rows padded as wp. Group by group: the group's columns of d are
/// copied to a padded scratch (in L1), each input's sum over its events forms in registers, and
/// gp's column is read and written once per input and group instead of once per event.
template <class S>
void event_gradient(const matrix<S>& d, event_groups<S>& ev, matrix<S>& gp) {
  const index_t np = gp.rows(), n = d.rows(), n_in = ev.n_in, stride = n_in + 1;
  ev.scratch.resize(np * ev.group);
  for (index_t q = 0; q < ev.groups(); ++q) {
    const index_t c0 = q * ev.group, g = std::min(ev.group, ev.cols - c0);
    const std::int32_t* const st = ev.start.data() + q * stride;
    if (st[0] == st[n_in]) continue;
    Eigen::Map<matrix<S>> dp(ev.scratch.data(), np, g);
    dp.topRows(n) = d.middleCols(c0, g);
    if (np > n) dp.bottomRows(np - n).setZero();
    for_event_blocks<S>(np, [&](auto v, index_t r0) {
      constexpr index_t R = decltype(v)::value * event_lane<S>;
      using block_t = Eigen::Array<S, R, 1>;
      for (index_t j = 0; j < n_in; ++j) {
        const std::int32_t e0 = st[j], e1 = st[j + 1];
        if (e0 == e1) continue;
        block_t acc = block_t::Zero();
        if (ev.unit)
          for (std::int32_t e = e0; e < e1; ++e)
            acc += Eigen::Map<const block_t>(dp.data() + index_t(ev.col[std::size_t(e)]) * np + r0);
        else
          for (std::int32_t e = e0; e < e1; ++e)
            acc += ev.val[std::size_t(e)] *
                   Eigen::Map<const block_t>(dp.data() + index_t(ev.col[std::size_t(e)]) * np + r0);
        Eigen::Map<block_t>(gp.data() + j * np + r0) += acc;
      }
    });
  }
}
}  // namespace detail

}  // namespace spikernn
