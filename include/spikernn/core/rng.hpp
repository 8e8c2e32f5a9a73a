// Seeded random streams. Every draw in spikernn comes from a stream derived from
// (seed, purpose, index), so a run is identical for any thread count or batch arrangement and
// any trial can be regenerated from its index alone. The generator is SplitMix64 (Steele, Lea &
// Flood 2014; it passes BigCrush): its state advances by a constant, so a block of draws is a
// pure function of the counter and vectorises — the LIF loop needs millions of normals per
// trial. The distributions are written here rather than taken from <random>, whose
// distributions differ between standard libraries and would break reproducibility.
#pragma once

#include "spikernn/core/types.hpp"

#include <cmath>
#include <cstdint>
#include <numbers>
#include <type_traits>
#include <algorithm>
#include <span>
#include <utility>

namespace spikernn {

/// A user-facing seed (strong type, so it is never confused with a count).
struct seed {
  std::uint64_t value = 0;
};

/// What a stream is used for; streams of different purposes never overlap.
enum class purpose : std::uint64_t {
  unit_types = 1,
  recurrent_weights,
  input_weights,
  output_weights,
  time_constants,
  training_trial,
  evaluation_trial,
  initial_run,
  trial_noise,
  spiking_trial,
  batch_order,        ///< the shuffled order of a dataset in each epoch
  neuron_parameters,  ///< intrinsic neuron parameters (GLIFR thresholds, time constants …)
  input_modes,        ///< the input modes ξ_in of a mode-based (low-rank) network
  output_modes,       ///< the output modes ξ_out of a mode-based network
  mode_scores,        ///< the mode scores λ of a mode-based network
  spike_encoding,     ///< Bernoulli rate encoding of an input (one stream per sample)
  analysis_sample,    ///< draws of an analysis (the starting states of a fixed-point search)
  user = 1000,  ///< first value free for user code
};

namespace detail {
inline constexpr std::uint64_t golden_gamma = 0x9E3779B97F4A7C15ULL;
constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += golden_gamma);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
}  // namespace detail

/// A SplitMix64 stream with the distributions spikernn needs.
class rng {
 public:
  /// The stream for (seed, purpose, index).
  rng(seed s, purpose p, std::uint64_t index = 0) noexcept {
    std::uint64_t k = s.value;
    std::uint64_t mix = detail::splitmix64(k) ^ (static_cast<std::uint64_t>(p) * 0xD1B54A32D192ED03ULL);
    mix = detail::splitmix64(mix) ^ (index * 0x8CB92BA72F3D8DD7ULL);
    state_ = detail::splitmix64(mix);
  }

  std::uint64_t next_u64() noexcept { return detail::splitmix64(state_); }

  /// U[0, 1) with 53 random bits.
  double uniform() noexcept { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  /// U(0, 1], safe for a logarithm.
  double uniform_open0() noexcept { return (static_cast<double>(next_u64() >> 11) + 1.0) * 0x1.0p-53; }
  double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }
  bool bernoulli(double p) noexcept { return uniform() < p; }

  /// One standard normal draw (Box-Muller; the pair's second value is kept for the next call).
  double normal() noexcept {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double radius = std::sqrt(-2.0 * std::log(uniform_open0()));
    const double angle = 2.0 * std::numbers::pi * uniform();
    spare_ = radius * std::sin(angle);
    has_spare_ = true;
    return radius * std::cos(angle);
  }
  double normal(double mean, double sd) noexcept { return mean + sd * normal(); }

  /// Gamma(shape k, scale theta) for a whole-number shape: a sum of k exponentials.
  double gamma_integer_shape(int k, double theta) noexcept {
    double sum = 0.0;
    for (int i = 0; i < k; ++i) sum -= std::log(uniform_open0());
    return theta * sum;
  }

  /// Fills `out` with N(0, sd^2) draws: Box-Muller on blocks of uniforms generated from the
  /// counter (vectorised), about a nanosecond a draw. float uses 24-bit uniforms (two per
  /// 64-bit draw; the tail is cut beyond 5.8 SD), double 53-bit ones.
  template <class Derived>
  void fill_normal(Eigen::DenseBase<Derived>& out, typename Derived::Scalar sd) noexcept {
    using S = typename Derived::Scalar;
    constexpr int pairs = 64;
    Eigen::Array<S, pairs, 1> u1, u2;
    std::uint64_t bits[2 * pairs];
    const index_t n = out.size();
    auto flat = out.derived().reshaped();  // column-major linear order, for vectors and matrices
    for (index_t i = 0; i < n;) {
      constexpr int draws = std::is_same_v<S, float> ? pairs : 2 * pairs;
      for (int k = 0; k < draws; ++k) {  // the SplitMix64 step, unrolled over a block
        std::uint64_t z = state_ + std::uint64_t(k + 1) * detail::golden_gamma;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        bits[k] = z ^ (z >> 31);
      }
      state_ += std::uint64_t(draws) * detail::golden_gamma;
      for (int k = 0; k < pairs; ++k) {
        if constexpr (std::is_same_v<S, float>) {
          u1[k] = static_cast<float>((bits[k] >> 40) + 1) * 0x1.0p-24f;  // (0, 1]
          u2[k] = static_cast<float>((bits[k] >> 8) & 0xFFFFFFu) * 0x1.0p-24f;
        } else {
          u1[k] = static_cast<S>((bits[2 * k] >> 11) + 1) * S(0x1.0p-53);
          u2[k] = static_cast<S>(bits[2 * k + 1] >> 11) * S(0x1.0p-53);
        }
      }
      const Eigen::Array<S, pairs, 1> radius = (S(-2) * u1.log()).sqrt() * sd;
      const Eigen::Array<S, pairs, 1> angle = u2 * static_cast<S>(2 * std::numbers::pi);
      const Eigen::Array<S, pairs, 1> z0 = radius * angle.cos();
      const Eigen::Array<S, pairs, 1> z1 = radius * angle.sin();
      const index_t m = std::min<index_t>(pairs, n - i);
      flat.segment(i, m) = z0.head(m);
      i += m;
      const index_t m1 = std::min<index_t>(pairs, n - i);
      flat.segment(i, m1) = z1.head(m1);
      i += m1;
    }
  }
  template <class Derived>
  void fill_normal(Eigen::DenseBase<Derived>&& out, typename Derived::Scalar sd) noexcept {
    fill_normal(out, sd);
  }

 private:
  std::uint64_t state_ = 0;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

/// Fisher–Yates shuffle of `items` from the stream `g` (the one shuffle of the library: the
/// epochs of a dataset and the mode SNN's random batches use it, so their orders agree).
template <class T>
void shuffle(std::span<T> items, rng& g) noexcept {
  for (std::size_t i = items.size(); i-- > 1;)
    std::swap(items[i], items[std::min(i, static_cast<std::size_t>(g.uniform() * double(i + 1)))]);
}

}  // namespace spikernn
