// Initial connectivity of a rate RNN (spec §1.2-1.3): unit types by Bernoulli(P_inh), the
// sparse Bernoulli(P_rec) recurrent matrix with gaussian or gamma magnitudes, the Dale sign
// vector (the diagonal of the original's `m`), and the somatostatin (SOM) mask.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"

#include <cmath>
#include <string>
#include <vector>

namespace spikernn {

/// How connected entries of w are drawn.
enum class weight_init {
  gaussian,  ///< N(0,1) · gain / sqrt(N · P_rec) (the original's 'gaus', its only used value)
  gamma,     ///< Gamma(shape 2, scale 0.003), unscaled
};

struct connectivity_params {
  int n = 200;            ///< number of units
  double p_inh = 0.2;     ///< probability that a unit is inhibitory (Dale networks only)
  double p_rec = 0.2;     ///< probability that an entry of w is connected
  double gain = 1.5;      ///< scale of the gaussian initial weights
  int som_n = 0;          ///< number of somatostatin units (first inhibitory units by index)
  weight_init init = weight_init::gaussian;

  void validate() const {
    require(n > 0, "N", "a positive number of units, got " + std::to_string(n));
    require(p_inh >= 0 && p_inh <= 1, "P_inh", "a probability in [0, 1], got " + std::to_string(p_inh));
    require(p_rec > 0 && p_rec <= 1, "P_rec", "a probability in (0, 1], got " + std::to_string(p_rec));
    require(gain > 0 && std::isfinite(gain), "gain", "a positive finite gain, got " + std::to_string(gain));
    require(som_n >= 0 && som_n <= n, "som_N",
            "a count in [0, N=" + std::to_string(n) + "], got " + std::to_string(som_n));
  }
};

/// Which units are excitatory, inhibitory and SOM, and the masks derived from that.
template <class S>
struct unit_types {
  Eigen::Array<bool, Eigen::Dynamic, 1> inh;  ///< N, true for inhibitory units
  vector<S> sign;                             ///< N, +1 excitatory / -1 inhibitory presynaptic
  std::vector<index_t> som;                   ///< indices of SOM units (ascending)
  matrix<S> som_mask;                         ///< N×N; row i of a SOM unit is 0 on inhibitory columns

  index_t size() const { return inh.size(); }
  Eigen::Array<bool, Eigen::Dynamic, 1> exc() const { return !inh; }
  index_t n_inh() const { return inh.count(); }
  index_t n_exc() const { return size() - n_inh(); }
  /// The original's N×N diagonal sign matrix `m`.
  matrix<S> sign_matrix() const { return sign.asDiagonal(); }

  /// Rebuilds sign and som_mask from inh and the SOM count (also used when loading files).
  void derive(int som_n) {
    const index_t n = inh.size();
    sign = inh.select(vector<S>::Constant(n, S(-1)), vector<S>::Ones(n));
    som.clear();
    for (index_t i = 0; i < n && static_cast<int>(som.size()) < som_n; ++i)
      if (inh[i]) som.push_back(i);
    som_mask = matrix<S>::Ones(n, n);
    for (index_t i : som)
      for (index_t j = 0; j < n; ++j)
        if (inh[j]) som_mask(i, j) = S(0);
  }
};

/// Draws the unit types: inhibitory with probability p_inh when Dale applies, none otherwise.
template <class S>
unit_types<S> draw_unit_types(const connectivity_params& p, bool apply_dale, seed s) {
  p.validate();
  unit_types<S> types;
  types.inh = Eigen::Array<bool, Eigen::Dynamic, 1>::Constant(p.n, false);
  rng g(s, purpose::unit_types);
  for (int i = 0; i < p.n; ++i) {
    const bool is_inh = g.uniform() < p.p_inh;  // drawn even without Dale: streams stay aligned
    types.inh[i] = apply_dale && is_inh;
  }
  types.derive(p.som_n);
  return types;
}

/// Draws the raw recurrent matrix w (row = postsynaptic, column = presynaptic); for Dale
/// networks the magnitudes are made non-negative (w := |w|), as in the original.
template <class S>
matrix<S> draw_recurrent_weights(const connectivity_params& p, bool apply_dale, seed s) {
  p.validate();
  const index_t n = p.n;
  rng g(s, purpose::recurrent_weights);
  Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic> connected(n, n);
  for (index_t k = 0; k < n * n; ++k) connected(k) = g.uniform() < p.p_rec;
  matrix<S> w = matrix<S>::Zero(n, n);
  const double scale = p.init == weight_init::gaussian ? p.gain / std::sqrt(double(n) * p.p_rec) : 1.0;
  for (index_t k = 0; k < n * n; ++k) {
    if (!connected(k)) continue;
    const double v = p.init == weight_init::gaussian ? g.normal() : g.gamma_integer_shape(2, 0.003);
    w(k) = static_cast<S>(scale * v);
  }
  if (apply_dale) w = w.cwiseAbs();
  return w;
}

}  // namespace spikernn
