// Mixed selectivity by linear regression (Mante, Sussillo, Shenoy & Newsome 2013; Kim et al.
// 2019 SI Fig. S5A): each unit's binned rate on trial k is modelled as
//   r_{i,t}(k) = β_{i,t,0} + Σ_v β_{i,t,v} X_v(k) + ε
// over the task variables X (for the Mante task: motion and colour evidence, context, choice),
// by ordinary least squares per unit and time bin. A unit with large coefficients for several
// variables is mixed-selective; the t-statistics say which coefficients the trial-to-trial
// noise cannot explain away.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/task/mante.hpp"

#include <Eigen/LU>
#include <Eigen/QR>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace spikernn {

/// Coefficients of every unit in every bin, one matrix (units × bins) per variable.
struct selectivity {
  std::vector<std::string> variables;  ///< the regressors (the intercept is not listed)
  std::vector<matrix<double>> beta;    ///< per variable: units × bins
  std::vector<matrix<double>> t;       ///< per variable: β / its standard error (NaN with no residual dof)
  matrix<double> intercept;            ///< units × bins
};

/// Regresses `rates` (per trial: units × bins, all the same shape) on the design `x` (trials ×
/// variables; the intercept column is added here). Solved once for every unit and bin with
/// one column-pivoted QR of the design (Eigen), so the cost is one factorisation plus a product.
inline selectivity regress_rates(const std::vector<matrix<double>>& rates, const matrix<double>& x,
                                 std::vector<std::string> names) {
  const auto k = index_t(rates.size());
  require(k > 0 && x.rows() == k, "design", "one row per trial (" + std::to_string(k) + ")");
  require(index_t(names.size()) == x.cols(), "variables", "one name per design column");
  const index_t n = rates[0].rows(), bins = rates[0].cols(), p = x.cols() + 1;
  require(k > p, "trials", "more trials than regressors + 1 (" + std::to_string(p) + ")");
  matrix<double> design(k, p);
  design.col(0).setOnes();
  design.rightCols(p - 1) = x;
  const Eigen::ColPivHouseholderQR<matrix<double>> qr(design);
  require(qr.rank() == p, "design", "independent regressors (the variables are collinear over these trials)");
  matrix<double> y(k, n * bins);  // column u + n·t: unit u in bin t
  for (index_t j = 0; j < k; ++j) {
    const auto& r = rates[std::size_t(j)];
    require(r.rows() == n && r.cols() == bins, "rates", "every trial with the same units × bins");
    y.row(j) = Eigen::Map<const row_vector<double>>(r.data(), n * bins);
  }
  const matrix<double> b = qr.solve(y);                       // p × (n·bins)
  const row_vector<double> rss = (y - design * b).colwise().squaredNorm();
  const vector<double> var_diag = (design.transpose() * design).inverse().diagonal();
  const double dof = double(k - p);
  selectivity s;
  s.variables = std::move(names);
  s.intercept = Eigen::Map<const matrix<double>>(b.row(0).eval().data(), n, bins);
  for (index_t v = 1; v < p; ++v) {
    const row_vector<double> bv = b.row(v);
    row_vector<double> tv(n * bins);
    for (index_t c = 0; c < n * bins; ++c) {
      const double se = std::sqrt(rss[c] / dof * var_diag[v]);
      tv[c] = se > 0 ? bv[c] / se : (bv[c] == 0 ? 0.0 : std::numeric_limits<double>::quiet_NaN());
    }
    s.beta.push_back(Eigen::Map<const matrix<double>>(bv.data(), n, bins));
    s.t.push_back(Eigen::Map<const matrix<double>>(tv.data(), n, bins));
  }
  return s;
}

/// The Mante task variables of one trial, derived from what the trial carries: the motion and
/// colour evidence (the mean of input channels 1 and 2 over the stimulus window — the ±0.5
/// offset plus the mean of that trial's noise), the context (+1 when channel 3 cues channel 1,
/// −1 when channel 4 cues channel 2) and the network's `choice` (±1, from its output).
struct mante_variables {
  double motion = 0, colour = 0, context = 0, choice = 0;
  static std::vector<std::string> names() { return {"motion", "colour", "context", "choice"}; }
};

inline mante_variables mante_trial_variables(const trial& tr, const mante_params& p, double choice) {
  require(tr.u.rows() == 4 && tr.u.cols() >= p.stim_on + p.stim_dur, "trial",
          "a Mante trial (4 input channels, at least stim_on + stim_dur columns)");
  mante_variables v;
  v.motion = tr.u.row(0).segment(p.stim_on, p.stim_dur).mean();
  v.colour = tr.u.row(1).segment(p.stim_on, p.stim_dur).mean();
  v.context = tr.u(2, 0) > tr.u(3, 0) ? 1.0 : -1.0;
  v.choice = choice;
  return v;
}

/// The design matrix (trials × 4: motion, colour, context, choice) of Mante trials.
inline matrix<double> mante_design(const std::vector<mante_variables>& vars) {
  matrix<double> x(index_t(vars.size()), 4);
  for (std::size_t k = 0; k < vars.size(); ++k)
    x.row(index_t(k)) << vars[k].motion, vars[k].colour, vars[k].context, vars[k].choice;
  return x;
}

}  // namespace spikernn
