// Fixed and slow points of a rate network (Sussillo & Barak 2013): the states x where the
// network's own discrete step x' = F(x) = (1 − a) ⊙ x + a ⊙ (W φ(x) + w_in u), a = Δt/τ (the
// trainer's Euler step, noise off, input u held constant), barely moves. They are the minima of
// the speed q(x) = ½|F(x) − x|²: q = 0 at a fixed point, small on a slow point. A line
// attractor (the Mante network holding its evidence) shows as a continuum of slow points along
// which the Jacobian ∂F/∂x has one eigenvalue near 1 and the others inside the unit circle.
//
// The minimiser is Levenberg–Marquardt on the residual g(x) = F(x) − x (whose Jacobian
// J − I is analytic), started from states the caller samples from the network's own
// trajectories, as Sussillo & Barak do; nearby minima are merged.
#pragma once

#include "spikernn/activation/activation.hpp"
#include "spikernn/core/error.hpp"
#include "spikernn/core/parallel.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/network/rate_rnn.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace spikernn {

/// The rate network's step with a constant input, as a map of the state x (synaptic currents).
template <real_scalar S = double, activation Act = sigmoid>
class rate_map {
 public:
  using scalar = S;
  using activation_type = Act;

  /// From its parts: the effective recurrent matrix W (N×N), the per-unit step a = Δt/τ, and
  /// the constant drive b = w_in u.
  rate_map(matrix<S> w, array<S> a, vector<S> drive) : w_(std::move(w)), a_(std::move(a)), b_(std::move(drive)) {
    require(w_.rows() > 0 && w_.rows() == w_.cols(), "w", "a square N×N matrix");
    require(a_.size() == w_.rows() && (a_ > 0).all() && (a_ <= 1).all(), "a", "N steps Δt/τ in (0, 1]");
    require(b_.size() == w_.rows(), "drive", "N values (w_in · u)");
  }

  /// From a rate network (any scalar type) and the input u held constant (n_inputs values):
  /// the same effective weights, τ and Δt its forward pass uses.
  template <class S2, class Conn, class D>
  rate_map(const rate_rnn<S2, Act, Conn>& net, const Eigen::MatrixBase<D>& u)
      : rate_map(net.effective_weights().template cast<S>(),
                 (static_cast<S>(net.params().dt) / net.taus().template cast<S>()),
                 checked_drive(net, u)) {}

  index_t size() const { return w_.rows(); }
  const matrix<S>& w() const { return w_; }
  const array<S>& a() const { return a_; }
  const vector<S>& drive() const { return b_; }

  /// F(x): one Euler step of the network, noise off.
  vector<S> step(const vector<S>& x) const {
    const vector<S> r = Act::apply(x.array()).matrix();
    return ((S(1) - a_) * x.array() + a_ * (w_ * r + b_).array()).matrix();
  }
  /// g(x) = F(x) − x = a ⊙ (W φ(x) + b − x): the displacement of one step.
  vector<S> residual(const vector<S>& x) const {
    const vector<S> r = Act::apply(x.array()).matrix();
    return (a_ * (w_ * r + b_ - x).array()).matrix();
  }
  /// q(x) = ½|F(x) − x|²: the speed whose minima are the fixed and slow points.
  S speed(const vector<S>& x) const { return S(0.5) * residual(x).squaredNorm(); }

  /// ∂F/∂x = diag(1 − a) + diag(a) W diag(φ'(x)).
  matrix<S> jacobian(const vector<S>& x) const {
    const array<S> r = Act::apply(x.array());
    const array<S> d = Act::derivative(x.array(), r);
    matrix<S> j = a_.matrix().asDiagonal() * w_ * d.matrix().asDiagonal();
    j.diagonal().array() += S(1) - a_;
    return j;
  }
  /// ∇q = (∂F/∂x − I)ᵀ g(x), the gradient the minimiser follows (checked against finite
  /// differences in tests/analysis).
  vector<S> speed_gradient(const vector<S>& x) const {
    matrix<S> jg = jacobian(x);
    jg.diagonal().array() -= S(1);
    return jg.transpose() * residual(x);
  }

 private:
  template <class S2, class Conn, class D>
  static vector<S> checked_drive(const rate_rnn<S2, Act, Conn>& net, const Eigen::MatrixBase<D>& u) {
    require(u.size() == net.n_inputs(), "input", std::to_string(net.n_inputs()) + " values (one per input channel)");
    return (net.w_in().template cast<S>() * u.template cast<S>()).eval();
  }

  matrix<S> w_;
  array<S> a_;
  vector<S> b_;
};

struct fixed_point_options {
  int starts = 64;               ///< initial states sampled from the given trajectory states
  double start_noise = 0.0;      ///< SD of Gaussian noise added to each start (decorrelates repeats)
  int max_iterations = 200;      ///< Levenberg–Marquardt iterations per start
  double gradient_tolerance = 1e-10;  ///< stop when |∇q|∞ falls below
  double step_tolerance = 1e-12;      ///< stop when |δx| / (1 + |x|) falls below
  double stop_speed = 0.0;       ///< stop a search once q < stop_speed (0: run to the minimum); see below
  double max_speed = 1e-4;       ///< keep minima with q below this (slow points); others are counted
  double merge_distance = 1e-3;  ///< minima closer than this (Euclidean, in x) are one point
  int eigenvalues = 6;           ///< leading Jacobian eigenvalues (by modulus) kept per point
  spikernn::seed seed{1};        ///< start k comes from the stream (seed, user, k)
  int threads = 1;               ///< starts minimised in parallel (0: all cores); no effect on the result
};

/// One fixed or slow point.
template <class S>
struct fixed_point {
  vector<S> x;                                   ///< state (synaptic currents)
  S speed = 0;                                   ///< q(x) = ½|F(x) − x|²
  int iterations = 0;                            ///< Levenberg–Marquardt iterations it took
  std::vector<std::complex<double>> eigenvalues;  ///< of ∂F/∂x, largest modulus first
};

template <class S>
struct fixed_point_result {
  std::vector<fixed_point<S>> points;  ///< slow points (q < max_speed) after merging, slowest first
  int starts = 0;                      ///< minimisations run
  int too_fast = 0;                    ///< minima whose q stayed above max_speed (dropped)
  int merged = 0;                      ///< slow minima merged into a point already found
};

/// Minimises q from x0 by Levenberg–Marquardt on g(x) = F(x) − x: the step δ solves
/// (GᵀG + λ I) δ = −Gᵀg with G = ∂F/∂x − I, λ shrinking after a step that lowers q and growing
/// after one that does not. Near a fixed point this is Gauss–Newton (quadratic convergence);
/// on a slow point (q > 0 at the minimum) the damping keeps it a descent method.
/// With opt.stop_speed > 0 the search stops as soon as q < stop_speed, as Sussillo & Barak
/// stop theirs: a continuous attractor built by training is only approximately flat, so run to
/// convergence every start slides along it to one of its few exact fixed points, while stopped
/// on the slow manifold the starts map out the manifold itself (the line attractor).
template <class S, class Act>
fixed_point<S> minimise_speed(const rate_map<S, Act>& f, vector<S> x, const fixed_point_options& opt = {}) {
  require(x.size() == f.size(), "x0", "N=" + std::to_string(f.size()) + " values");
  fixed_point<S> p;
  vector<S> g = f.residual(x);
  S q = S(0.5) * g.squaredNorm();
  S lambda = S(1e-3);
  for (int it = 0; it < opt.max_iterations && !(q < static_cast<S>(opt.stop_speed)); ++it) {
    p.iterations = it + 1;
    matrix<S> jg = f.jacobian(x);
    jg.diagonal().array() -= S(1);
    const vector<S> grad = jg.transpose() * g;
    if (grad.template lpNorm<Eigen::Infinity>() < static_cast<S>(opt.gradient_tolerance)) break;
    const matrix<S> h = jg.transpose() * jg;
    bool improved = false;
    for (int tries = 0; tries < 30 && !improved; ++tries) {
      matrix<S> damped = h;
      damped.diagonal().array() += lambda * (S(1) + h.diagonal().array());  // Marquardt's scaling
      const vector<S> delta = -damped.ldlt().solve(grad);
      const vector<S> x_new = x + delta;
      const vector<S> g_new = f.residual(x_new);
      const S q_new = S(0.5) * g_new.squaredNorm();
      if (std::isfinite(q_new) && q_new <= q) {
        const bool tiny = delta.norm() / (S(1) + x.norm()) < static_cast<S>(opt.step_tolerance);
        x = x_new;
        g = g_new;
        q = q_new;
        lambda = std::max(lambda / S(10), S(1e-12));
        improved = true;
        if (tiny) it = opt.max_iterations;  // converged: no step moves it any more
      } else {
        lambda *= S(10);
      }
    }
    if (!improved) break;  // no damping helps: a minimum to the precision of S
  }
  p.x = std::move(x);
  p.speed = q;
  return p;
}

/// The eigenvalues of ∂F/∂x at x, largest modulus first, at most `count` of them.
template <class S, class Act>
std::vector<std::complex<double>> leading_eigenvalues(const rate_map<S, Act>& f, const vector<S>& x, int count) {
  const Eigen::EigenSolver<matrix<double>> es(f.jacobian(x).template cast<double>(), false);
  std::vector<std::complex<double>> ev(es.eigenvalues().data(), es.eigenvalues().data() + es.eigenvalues().size());
  // modulus first, then real part, then imaginary part: an order that does not depend on the solver's
  std::sort(ev.begin(), ev.end(), [](const auto& l, const auto& r) {
    if (std::abs(l) != std::abs(r)) return std::abs(l) > std::abs(r);
    if (l.real() != r.real()) return l.real() > r.real();
    return l.imag() > r.imag();
  });
  ev.resize(std::min<std::size_t>(ev.size(), std::size_t(std::max(count, 0))));
  return ev;
}

/// Sussillo–Barak: minimises q from `opt.starts` states drawn (uniformly, with replacement)
/// from the columns of `states` (N × M: the network's own trajectories, so the search looks
/// where the dynamics go), keeps the minima slower than max_speed, merges those within
/// merge_distance (keeping the slower), and gives each its leading eigenvalues. Start k uses
/// only the stream (seed, user, k), so the result does not depend on the thread count.
template <class S, class Act, class D>
fixed_point_result<S> find_fixed_points(const rate_map<S, Act>& f, const Eigen::MatrixBase<D>& states,
                                        const fixed_point_options& opt = {}) {
  require(states.rows() == f.size() && states.cols() > 0, "states", "N × M trajectory states (M > 0)");
  require(opt.starts > 0, "starts", "at least one start");
  require(opt.max_iterations > 0, "max_iterations", "at least one iteration");
  require(opt.max_speed > 0 && opt.stop_speed >= 0 && opt.merge_distance >= 0 && opt.start_noise >= 0, "max_speed",
          "a positive speed threshold, non-negative stopping speed, merge distance and start noise");
  fixed_point_result<S> res;
  res.starts = opt.starts;
  std::vector<fixed_point<S>> minima(static_cast<std::size_t>(opt.starts));
  parallel_for(opt.starts, opt.threads, [&](long k, int) {
    rng g(opt.seed, purpose::analysis_sample, std::uint64_t(k));
    const auto col = std::min<index_t>(index_t(g.uniform() * double(states.cols())), states.cols() - 1);
    vector<S> x0 = states.col(col).template cast<S>();
    if (opt.start_noise > 0)
      for (index_t i = 0; i < x0.size(); ++i) x0[i] += static_cast<S>(g.normal() * opt.start_noise);
    minima[std::size_t(k)] = minimise_speed(f, std::move(x0), opt);
  });
  std::vector<fixed_point<S>> found;  // in start order, so merging does not depend on the threads
  for (auto& p : minima) {
    if (!(p.speed < static_cast<S>(opt.max_speed))) {
      ++res.too_fast;
      continue;
    }
    found.push_back(std::move(p));
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& l, const auto& r) { return l.speed < r.speed; });
  for (auto& p : found) {
    const bool near = std::any_of(res.points.begin(), res.points.end(), [&](const auto& kept) {
      return (kept.x - p.x).norm() < static_cast<S>(opt.merge_distance);
    });
    if (near) {
      ++res.merged;
      continue;
    }
    res.points.push_back(std::move(p));
  }
  parallel_for(long(res.points.size()), opt.threads, [&](long k, int) {
    auto& p = res.points[std::size_t(k)];
    p.eigenvalues = leading_eigenvalues(f, p.x, opt.eigenvalues);
  });
  return res;
}

/// The curve that leaves a fixed point along its leading eigenvector v (the eigenvalue of
/// largest modulus; the real part of v when it is complex): the states F^t(x* ± ε·v/|v|) for
/// t = 0 … steps, one N × (steps + 1) matrix per sign. From a saddle between two attractors this
/// is its unstable manifold, the curve the network's state slides along from one attractor to
/// the other — for a trained line attractor, the line itself; how many steps the slide takes
/// measures how slow the line is.
template <class S, class Act>
std::array<matrix<S>, 2> leading_manifold(const rate_map<S, Act>& f, const vector<S>& x, double epsilon, int steps) {
  require(x.size() == f.size(), "x", "N=" + std::to_string(f.size()) + " values");
  require(epsilon > 0 && steps >= 0, "epsilon", "a positive displacement and steps ≥ 0");
  const Eigen::EigenSolver<matrix<double>> es(f.jacobian(x).template cast<double>(), true);
  index_t lead = 0;
  es.eigenvalues().cwiseAbs().maxCoeff(&lead);
  vector<double> v = es.eigenvectors().col(lead).real();
  if (v.norm() == 0) v = es.eigenvectors().col(lead).imag();
  v.normalize();
  std::array<matrix<S>, 2> branches;
  for (int b = 0; b < 2; ++b) {
    matrix<S>& m = branches[std::size_t(b)];
    m.resize(f.size(), steps + 1);
    m.col(0) = (x.template cast<double>() + (b == 0 ? epsilon : -epsilon) * v).template cast<S>();
    for (int t = 1; t <= steps; ++t) m.col(t) = f.step(m.col(t - 1));
  }
  return branches;
}

}  // namespace spikernn
