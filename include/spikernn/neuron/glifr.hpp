// The GLIFR neuron: a rate-based generalised leaky integrate-and-fire unit with J after-spike
// currents (ASCs) whose intrinsic parameters can be trained (glifr_smnn_spec.md A.1-A.4).
// It holds
//  - the transforms of A.2 between trained (unconstrained) values and model values, with the
//    derivatives the adjoint needs;
//  - the per-unit update of A.3 (ASCs, voltage, smooth firing rate, in that order) and its
//    partial derivatives, as SPIKERNN_HD functions so a CUDA kernel can run the same maths as
//    the CPU loop of network/glifr_network.hpp, which the tests check;
//  - host side only: the neuron's fixed constants, which intrinsic blocks learn, containers of
//    trained and model values, and the homogeneous / heterogeneous initialisations of A.4.
// The host part (Eigen, rng) is hidden from nvcc so that .cu files can include this header
// for the device maths alone (kernels take raw pointers; see DESIGN.md).
#pragma once

#include "spikernn/config.hpp"

#include <cmath>
#include <concepts>

namespace spikernn {

// ---- A.2 transforms: trained value θ ↔ model value -----------------------------------------

/// k·dt = sigmoid(θ) ∈ (0, 1): the per-step factor of a rate constant k (k_m or k_j, 1/ms), so
/// k = sigmoid(θ)/dt. Two branches keep exp from overflowing at large |θ|.
template <std::floating_point S>
SPIKERNN_HD inline S glifr_decay_factor(S theta) {
  if (theta >= S(0)) return S(1) / (S(1) + std::exp(-theta));
  const S e = std::exp(theta);
  return e / (S(1) + e);
}

/// d(k·dt)/dθ, written in terms of k·dt itself (the adjoint has it from the forward pass).
template <std::floating_point S>
SPIKERNN_HD inline S glifr_decay_factor_slope(S k_dt) {
  return k_dt * (S(1) - k_dt);
}

/// θ = logit(k·dt), the trained value of a factor 0 < k·dt < 1 (the inverse of
/// glifr_decay_factor); log1p keeps small factors (k_m·dt = 0.0025) accurate.
template <std::floating_point S>
SPIKERNN_HD inline S glifr_decay_factor_inverse(S k_dt) {
  return std::log(k_dt) - std::log1p(-k_dt);
}

/// r = 1 − 2·sigmoid(θ) ∈ (−1, 1), the multiplicative ASC factor. Evaluated as −tanh(θ/2),
/// which is the same function without the cancellation of 1 − 2σ near θ = 0, where r lives
/// (|r| ≤ 0.1 at initialisation).
template <std::floating_point S>
SPIKERNN_HD inline S glifr_asc_r(S theta) {
  return -std::tanh(theta / S(2));
}

/// dr/dθ = −2σ(θ)(1 − σ(θ)) = −(1 − r²)/2, from r itself.
template <std::floating_point S>
SPIKERNN_HD inline S glifr_asc_r_slope(S r) {
  return -(S(1) - r * r) / S(2);
}

/// θ = ln((1 − r)/(1 + r)) = −2·atanh(r), the trained value of −1 < r < 1.
template <std::floating_point S>
SPIKERNN_HD inline S glifr_asc_r_inverse(S r) {
  return S(-2) * std::atanh(r);
}

// ---- A.3 per-unit update ---------------------------------------------------------------------

/// The fixed constants of one step in the scalar type of the loop (see glifr_constants).
template <std::floating_point S>
struct glifr_step_constants {
  S dt_over_tau = S(1);  ///< dt/τ of the ASC update and the rate reset (v2021: 1)
  S r_m = S(0.1);        ///< membrane resistance R
  S i0 = S(0);           ///< constant current I0
  S v_reset = S(0);      ///< reset voltage
  S gain = S(1);         ///< γ/σ_V, the slope factor of the firing-rate sigmoid
};

/// A.3 step 2, one ASC j of one unit: I_j(t) = (r_j·I_j(t−1) + a_j)·f(t−1)·dt/τ
/// + (1 − k_j·dt)·I_j(t−1). It uses the previous firing rate f(t−1).
template <std::floating_point S>
SPIKERNN_HD inline S glifr_asc_step(S asc_prev, S f_prev, S r, S a, S k_dt, S dt_over_tau) {
  return (r * asc_prev + a) * f_prev * dt_over_tau + (S(1) - k_dt) * asc_prev;
}

/// A.3 step 3: V(t) = I_syn(t) + k_m·dt·R·(Σ_j I_j(t) + I0) + (1 − k_m·dt)·V(t−1)
/// − dt/τ·f(t−1)·(V(t−1) − v_reset). I_syn enters unscaled (no k_m·dt, no R), and the ASC sum
/// is of this step's currents.
template <std::floating_point S>
SPIKERNN_HD inline S glifr_voltage_step(S v_prev, S f_prev, S syn, S asc_sum, S k_m_dt, const glifr_step_constants<S>& c) {
  return syn + k_m_dt * c.r_m * (asc_sum + c.i0) + (S(1) - k_m_dt) * v_prev -
         c.dt_over_tau * f_prev * (v_prev - c.v_reset);
}

/// A.3 step 4: f(t) = sigmoid(γ·(V(t) − V_th)/σ_V), with gain = γ/σ_V.
template <std::floating_point S>
SPIKERNN_HD inline S glifr_rate(S v, S v_th, S gain) {
  return glifr_decay_factor(gain * (v - v_th));  // the same stable logistic
}

/// ∂f/∂V = gain·f·(1 − f), from the rate itself; ∂f/∂V_th is its negative.
template <std::floating_point S>
SPIKERNN_HD inline S glifr_rate_slope(S f, S gain) {
  return gain * f * (S(1) - f);
}

/// Partial derivatives of glifr_asc_step with respect to each of its arguments.
template <std::floating_point S>
struct glifr_asc_partials {
  S d_asc_prev;  ///< r_j·f(t−1)·dt/τ + 1 − k_j·dt
  S d_f_prev;    ///< (r_j·I_j(t−1) + a_j)·dt/τ
  S d_r;         ///< I_j(t−1)·f(t−1)·dt/τ
  S d_a;         ///< f(t−1)·dt/τ
  S d_k_dt;      ///< −I_j(t−1)
};

template <std::floating_point S>
SPIKERNN_HD inline glifr_asc_partials<S> glifr_asc_step_partials(S asc_prev, S f_prev, S r, S a, S k_dt,
                                                                 S dt_over_tau) {
  return {r * f_prev * dt_over_tau + (S(1) - k_dt), (r * asc_prev + a) * dt_over_tau,
          asc_prev * f_prev * dt_over_tau, f_prev * dt_over_tau, -asc_prev};
}

/// Partial derivatives of glifr_voltage_step (∂V/∂I_syn = 1 is left out).
template <std::floating_point S>
struct glifr_voltage_partials {
  S d_v_prev;    ///< 1 − k_m·dt − dt/τ·f(t−1)
  S d_f_prev;    ///< −dt/τ·(V(t−1) − v_reset)
  S d_asc_sum;   ///< k_m·dt·R
  S d_k_m_dt;    ///< R·(Σ_j I_j(t) + I0) − V(t−1)
};

template <std::floating_point S>
SPIKERNN_HD inline glifr_voltage_partials<S> glifr_voltage_step_partials(S v_prev, S f_prev, S asc_sum, S k_m_dt,
                                                                         const glifr_step_constants<S>& c) {
  return {S(1) - k_m_dt - c.dt_over_tau * f_prev, -c.dt_over_tau * (v_prev - c.v_reset), k_m_dt * c.r_m,
          c.r_m * (asc_sum + c.i0) - v_prev};
}

}  // namespace spikernn

#if !defined(__CUDACC__)

#include "spikernn/core/error.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"

#include <string>

namespace spikernn {

/// The fixed constants of A.2 (times in ms). Only dt/τ enters the update: τ = dt is v2021,
/// which has no τ; sigma_v is the sharpness of the rate sigmoid (annealing changes it between
/// epochs), gamma exists in v2021 only and is 1.
struct glifr_constants {
  double dt = 0.05;       ///< step (ms)
  double tau = 0.05;      ///< time scale of the ASC update and rate reset (ms), v2022
  double r_m = 0.1;       ///< membrane resistance R
  double i0 = 0.0;        ///< constant current I0
  double v_reset = 0.0;   ///< reset voltage
  double sigma_v = 1.0;   ///< sharpness σ_V: smaller is steeper
  double gamma = 1.0;     ///< v2021's extra slope factor

  void validate() const {
    require(dt > 0 && std::isfinite(dt), "dt", "a positive finite step in ms");
    require(tau > 0 && std::isfinite(tau), "tau", "a positive finite time scale in ms");
    require(sigma_v > 0 && std::isfinite(sigma_v), "sigma_v", "a positive finite sharpness");
    require(gamma > 0 && std::isfinite(gamma), "gamma", "a positive finite slope factor");
    require(std::isfinite(r_m), "r_m", "a finite membrane resistance");
    require(std::isfinite(i0), "i0", "a finite constant current");
    require(std::isfinite(v_reset), "v_reset", "a finite reset voltage");
  }

  template <std::floating_point S>
  glifr_step_constants<S> step() const {
    return {static_cast<S>(dt / tau), static_cast<S>(r_m), static_cast<S>(i0), static_cast<S>(v_reset),
            static_cast<S>(gamma / sigma_v)};
  }
};

/// Which intrinsic blocks are trained (A.6 "learnparams" switches all of them together).
struct glifr_learn {
  bool thresh = true;
  bool k_m = true;
  bool k_j = true;
  bool r_j = true;
  bool a_j = true;

  static constexpr glifr_learn all() { return {}; }
  static constexpr glifr_learn none() { return {false, false, false, false, false}; }
  constexpr bool any() const { return thresh || k_m || k_j || r_j || a_j; }
};

/// The trained (unconstrained) intrinsic values of N units with J ASCs, named after the
/// original's variables. ASC blocks are J × N: row j is ASC j.
template <real_scalar S>
struct glifr_intrinsic {
  vector<S> thresh;     ///< V_th (identity transform)
  vector<S> trans_k_m;  ///< k_m = sigmoid(θ)/dt
  matrix<S> trans_k_j;  ///< k_j = sigmoid(θ)/dt
  matrix<S> trans_r_j;  ///< r_j = 1 − 2·sigmoid(θ)
  matrix<S> a_j;        ///< a_j (identity transform)

  index_t size() const { return thresh.size(); }
  index_t n_asc() const { return trans_k_j.rows(); }
};

/// The model values of the same parameters: V_th, k_m and k_j in 1/ms, r_j, a_j.
template <real_scalar S>
struct glifr_physical {
  vector<S> v_th;
  vector<S> k_m;
  matrix<S> k_j;
  matrix<S> r_j;
  matrix<S> a_j;

  index_t size() const { return v_th.size(); }
  index_t n_asc() const { return k_j.rows(); }
};

namespace detail {
template <class M>
void require_glifr_shapes(const M& thresh, const M& second, index_t n, const auto& k_j, const auto& r_j,
                          const auto& a_j, const char* what) {
  const index_t j = k_j.rows();
  require(thresh.size() == n && second.size() == n, what, "N entries in the threshold and k_m blocks");
  require(k_j.cols() == n && r_j.rows() == j && r_j.cols() == n && a_j.rows() == j && a_j.cols() == n, what,
          "J × N blocks k_j, r_j and a_j of one shape");
}
}  // namespace detail

/// Model values from trained ones at step dt (ms).
template <real_scalar S>
glifr_physical<S> glifr_to_physical(const glifr_intrinsic<S>& in, double dt) {
  detail::require_glifr_shapes(in.thresh, in.trans_k_m, in.size(), in.trans_k_j, in.trans_r_j, in.a_j,
                               "glifr_intrinsic");
  require(dt > 0 && std::isfinite(dt), "dt", "a positive finite step in ms");
  const S inv_dt = static_cast<S>(1.0 / dt);
  glifr_physical<S> out;
  out.v_th = in.thresh;
  out.k_m = in.trans_k_m.unaryExpr([&](S t) { return glifr_decay_factor(t) * inv_dt; });
  out.k_j = in.trans_k_j.unaryExpr([&](S t) { return glifr_decay_factor(t) * inv_dt; });
  out.r_j = in.trans_r_j.unaryExpr([](S t) { return glifr_asc_r(t); });
  out.a_j = in.a_j;
  return out;
}

/// Trained values from model values at step dt (ms). Refuses, naming the block, a rate
/// constant with k·dt outside (0, 1) or an r_j outside (−1, 1): no θ gives them.
template <real_scalar S>
glifr_intrinsic<S> glifr_from_physical(const glifr_physical<S>& in, double dt) {
  detail::require_glifr_shapes(in.v_th, in.k_m, in.size(), in.k_j, in.r_j, in.a_j, "glifr_physical");
  require(dt > 0 && std::isfinite(dt), "dt", "a positive finite step in ms");
  const auto factor_ok = [&](const auto& k) {
    return ((k.array().template cast<double>() * dt > 0.0) && (k.array().template cast<double>() * dt < 1.0)).all();
  };
  require(factor_ok(in.k_m), "k_m", "0 < k_m·dt < 1 (dt = " + std::to_string(dt) + " ms)");
  require(factor_ok(in.k_j), "k_j", "0 < k_j·dt < 1 (dt = " + std::to_string(dt) + " ms)");
  require((in.r_j.array().abs() < S(1)).all(), "r_j", "values in (−1, 1)");
  require(in.v_th.allFinite() && in.a_j.allFinite(), "v_th/a_j", "finite values");
  const auto logit = [&](S k) { return static_cast<S>(glifr_decay_factor_inverse(double(k) * dt)); };
  glifr_intrinsic<S> out;
  out.thresh = in.v_th;
  out.trans_k_m = in.k_m.unaryExpr(logit);
  out.trans_k_j = in.k_j.unaryExpr(logit);
  out.trans_r_j = in.r_j.unaryExpr([](S r) { return static_cast<S>(glifr_asc_r_inverse(double(r))); });
  out.a_j = in.a_j;
  return out;
}

/// The two initialisations of A.4 (v2021 `hetinit`).
enum class glifr_init { homogeneous, heterogeneous };

/// A.4 homogeneous ("hom"): V_th = 1, k_m = 0.05 /ms, k_j = 2 /ms for every unit, and r_j, a_j
/// ~ U(−0.01, 0.01) (random even here, as in the original). Draw order: r_j then a_j, each
/// ASC-major (all units of ASC 0, then ASC 1, …). k·dt must stay below 1, so dt < 0.5 ms with
/// ASCs. (v2022's k_m quirk at dt ≠ 0.05, A.4, is not reproduced: k_m is exactly 0.05 /ms.)
template <real_scalar S>
glifr_intrinsic<S> glifr_homogeneous_init(index_t n, index_t n_asc, double dt, rng& g) {
  require(n > 0, "n", "at least one unit");
  require(n_asc >= 0, "n_asc", "a non-negative number of after-spike currents");
  glifr_physical<S> p;
  p.v_th = vector<S>::Constant(n, S(1));
  p.k_m = vector<S>::Constant(n, S(0.05));
  p.k_j = matrix<S>::Constant(n_asc, n, S(2));
  p.r_j.resize(n_asc, n);
  p.a_j.resize(n_asc, n);
  for (index_t j = 0; j < n_asc; ++j)
    for (index_t i = 0; i < n; ++i) p.r_j(j, i) = static_cast<S>(g.uniform(-0.01, 0.01));
  for (index_t j = 0; j < n_asc; ++j)
    for (index_t i = 0; i < n; ++i) p.a_j(j, i) = static_cast<S>(g.uniform(-0.01, 0.01));
  return glifr_from_physical(p, dt);
}

/// A.4 heterogeneous (v2021 "het"): V_th ~ U(−1, 1), k_m ~ U(0.04, 0.06) /ms,
/// k_j ~ U(1.5, 2.5) /ms, r_j ~ U(−0.1, 0.1), a_j ~ U(−0.1, 0.1), drawn in that order (ASC
/// blocks ASC-major). v2022's het instead resamples a trained network's values; that needs a
/// trained network and is not done here.
template <real_scalar S>
glifr_intrinsic<S> glifr_heterogeneous_init(index_t n, index_t n_asc, double dt, rng& g) {
  require(n > 0, "n", "at least one unit");
  require(n_asc >= 0, "n_asc", "a non-negative number of after-spike currents");
  glifr_physical<S> p;
  p.v_th.resize(n);
  p.k_m.resize(n);
  p.k_j.resize(n_asc, n);
  p.r_j.resize(n_asc, n);
  p.a_j.resize(n_asc, n);
  for (index_t i = 0; i < n; ++i) p.v_th(i) = static_cast<S>(g.uniform(-1.0, 1.0));
  for (index_t i = 0; i < n; ++i) p.k_m(i) = static_cast<S>(g.uniform(0.04, 0.06));
  const auto fill = [&](matrix<S>& m, double lo, double hi) {
    for (index_t j = 0; j < n_asc; ++j)
      for (index_t i = 0; i < n; ++i) m(j, i) = static_cast<S>(g.uniform(lo, hi));
  };
  fill(p.k_j, 1.5, 2.5);
  fill(p.r_j, -0.1, 0.1);
  fill(p.a_j, -0.1, 0.1);
  return glifr_from_physical(p, dt);
}

/// Either initialisation by name.
template <real_scalar S>
glifr_intrinsic<S> glifr_initial(glifr_init kind, index_t n, index_t n_asc, double dt, rng& g) {
  return kind == glifr_init::homogeneous ? glifr_homogeneous_init<S>(n, n_asc, dt, g)
                                         : glifr_heterogeneous_init<S>(n, n_asc, dt, g);
}

}  // namespace spikernn

#endif  // !__CUDACC__
