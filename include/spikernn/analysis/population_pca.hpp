// Population trajectories in principal-component space: the condition-averaged activity of
// all units (units × time, one matrix per condition) is pooled, centred, and its covariance
// diagonalised (Eigen's SelfAdjointEigenSolver); each condition's trajectory is then projected
// on the leading axes, and the fraction of the variance each axis explains says how
// low-dimensional the dynamics are (SI Fig. S2: 3 PCs explain 99 % of Go-NoGo activity).
// Other states (fixed points, single trials) are projected on the same axes with project().
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <string>
#include <vector>

namespace spikernn {

struct pca {
  vector<double> mean;        ///< units: the mean the data were centred on
  matrix<double> axes;        ///< units × k, orthonormal columns, largest variance first
  vector<double> explained;   ///< k: fraction of the total variance along each axis
  std::vector<matrix<double>> trajectories;  ///< per condition: k × time
};

/// The top `k` principal axes of the columns of `data` (units × samples). Each axis's sign is
/// fixed so that its largest-magnitude entry is positive: the same data give the same picture
/// on every machine.
inline pca fit_pca(const matrix<double>& data, int k) {
  require(data.rows() > 0 && data.cols() > 1, "data", "units × samples with at least 2 samples");
  require(k > 0 && k <= data.rows(), "components", "1 … units (" + std::to_string(data.rows()) + ")");
  pca p;
  p.mean = data.rowwise().mean();
  const matrix<double> c = data.colwise() - p.mean;
  const matrix<double> cov = c * c.transpose() / double(data.cols() - 1);
  const Eigen::SelfAdjointEigenSolver<matrix<double>> es(cov);
  require(es.info() == Eigen::Success, "data", "finite values (the covariance could not be diagonalised)");
  const index_t n = data.rows();
  const double total = std::max(es.eigenvalues().sum(), 0.0);
  p.axes.resize(n, k);
  p.explained.resize(k);
  for (int j = 0; j < k; ++j) {  // eigenvalues come ascending
    vector<double> a = es.eigenvectors().col(n - 1 - j);
    index_t at = 0;
    a.cwiseAbs().maxCoeff(&at);
    if (a[at] < 0) a = -a;
    p.axes.col(j) = a;
    p.explained[j] = total > 0 ? std::max(es.eigenvalues()[n - 1 - j], 0.0) / total : 0.0;
  }
  return p;
}

/// Coordinates (k × columns) of states (units × columns) on the axes of `p`.
inline matrix<double> project(const pca& p, const matrix<double>& states) {
  require(states.rows() == p.mean.size(), "states", std::to_string(p.mean.size()) + " units (rows)");
  return p.axes.transpose() * (states.colwise() - p.mean);
}

/// PCA of condition-averaged activity (per condition: units × time, the same units; times may
/// differ) and every condition's trajectory on the top `k` axes.
inline pca condition_pca(const std::vector<matrix<double>>& condition_means, int k) {
  require(!condition_means.empty(), "conditions", "at least one condition");
  const index_t n = condition_means[0].rows();
  index_t cols = 0;
  for (const auto& m : condition_means) {
    require(m.rows() == n, "conditions", "the same units in every condition");
    cols += m.cols();
  }
  matrix<double> all(n, cols);
  index_t at = 0;
  for (const auto& m : condition_means) {
    all.middleCols(at, m.cols()) = m;
    at += m.cols();
  }
  pca p = fit_pca(all, k);
  for (const auto& m : condition_means) p.trajectories.push_back(project(p, m));
  return p;
}

}  // namespace spikernn
