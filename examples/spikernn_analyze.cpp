// spikernn-analyze: the paper's analyses of a converted network. It converts a trained rate
// model into its LIF network at the file's searched factor (or --factor), with the neuron and
// readout the search used (as spikernn-eval does), runs held-out trials
// recording spikes, and writes to --out, each as .dat + gnuplot .gp (+ .png with gnuplot):
//   firing_statistics  per-unit rate and ISI CV by E/I type and condition (SI Fig. S3)
//   psth               population PSTHs of excitatory and inhibitory units per condition
//   lif_pca            condition-averaged LIF trajectories on their top principal components
//   fixed_points       slow points of the rate network (Sussillo–Barak) on the PCA axes of its
//                      own trajectories; for Mante one search per context (SI Fig. S5B)
//   eigenvalues        the Jacobian's leading eigenvalues at those points
//   selectivity        Mante only: regression of every LIF unit on motion, colour, context and
//                      choice (SI Fig. S5A)
//
//   spikernn-analyze --model FILE --out DIR [--factor F] [--trials 64] [--threads K]
#include "program_support.hpp"

#include <spikernn/analysis/firing_statistics.hpp>
#include <spikernn/analysis/fixed_points.hpp>
#include <spikernn/analysis/population_pca.hpp>
#include <spikernn/analysis/psth.hpp>
#include <spikernn/analysis/selectivity.hpp>
#include <spikernn/core/parallel.hpp>
#include <spikernn/eval/spiking_eval.hpp>
#include <spikernn/io/atomic_file.hpp>
#include <spikernn/io/gnuplot.hpp>
#include <spikernn/io/mat_model.hpp>
#include <spikernn/task/registry.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <filesystem>
#include <numbers>
#include <string>
#include <type_traits>
#include <vector>

namespace sk = spikernn;
namespace fs = std::filesystem;

namespace {

struct options : sk::programs::spiking_flags {
  std::string model, out;
  double factor = 0, bin = 0.05, smooth = 0.05, max_speed = 1e-4, stop_speed = 1e-5;
  int starts = 64, components = 3;
};

/// One held-out LIF trial: its stimulus, spikes, output and the choice the output made.
struct lif_run {
  sk::trial tr;
  std::vector<sk::spike_event> spikes;
  sk::row_vector<double> out;
  double dt = 0;
  long steps = 0;
  double choice = 0;   ///< sign of the mean output over the task's decision window
  std::string group;   ///< the condition it is averaged with
};

/// Conditions the trajectories are averaged over: the task's trial type, and for Mante also
/// the choice (context × choice), whose separation is what the line attractor holds.
std::string analysis_condition(const std::string& task, const std::string& condition, double choice) {
  if (task != "mante") return condition;
  return condition + (choice > 0 ? " choice +" : " choice -");
}

/// The window the task judges the spiking output on (s): where the choice is read.
double decision_start(const sk::any_task& tk) {
  if (const auto* m = std::get_if<sk::mante>(&tk)) return m->params().spiking_window_start;
  return 0.0;
}

template <class Net>
std::vector<lif_run> run_trials(const Net& net, const sk::any_task& any, const std::string& task, const options& o) {
  std::vector<lif_run> runs(static_cast<std::size_t>(o.trials));
  const int workers = std::min(sk::thread_count(o.threads), o.trials);
  std::vector<Net> nets(static_cast<std::size_t>(workers), net);
  const double from = decision_start(any);
  sk::parallel_for(o.trials, workers, [&](long k, int worker) {
    // held-out trials (as spikernn-eval's): the stream no factor search ever scored
    sk::rng g(sk::seed{o.seed}, sk::purpose::spiking_trial, sk::held_out_first_trial + std::uint64_t(k));
    lif_run& r = runs[std::size_t(k)];
    r.tr = std::visit([&](const auto& tk) { return tk.spiking_trial(g); }, any);
    auto res = nets[std::size_t(worker)].run(r.tr.u, g, {.spikes = true});
    r.spikes = std::move(res.spikes);
    r.out = res.out.template cast<double>();
    r.dt = res.dt;
    r.steps = res.steps;
    const auto window = sk::output_from(r.out, from, r.dt);
    r.choice = window.size() > 0 && window.mean() > 0 ? 1.0 : -1.0;
    r.group = analysis_condition(task, r.tr.condition, r.choice);
  });
  return runs;
}

std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

/// A palette of pairs (dark, light): blue, red, green, purple.
std::string colour(std::size_t k) {
  static const char* c[] = {"#1f77b4", "#9ecae1", "#d62728", "#fc9272", "#2ca02c", "#98df8a", "#9467bd", "#c5b0d5"};
  return c[k % 8];
}

/// A condition's colour: its rank among the conditions in name order, so that the two choices of
/// one Mante context share a hue (context1 blue, context2 red) whatever order trials came in.
std::string condition_colour(const std::vector<std::string>& conditions, std::size_t c) {
  std::size_t rank = 0;
  for (const auto& other : conditions) rank += other < conditions[c] ? 1 : 0;
  return colour(rank);
}

void firing_table(const std::vector<lif_run>& runs, const sk::rate_model<float>& m, const fs::path& out) {
  std::vector<sk::unit_firing> f;
  std::vector<std::string> conds;
  for (const auto& r : runs) {
    f.push_back(sk::firing_of(r.spikes, m.params.n, r.dt, r.steps));
    conds.push_back(r.tr.condition);
  }
  const auto groups = sk::unit_groups(m.types.inh, m.types.som);
  const auto table = sk::firing_statistics(f, conds, groups);
  std::string text = "# group condition units trials rate_mean_Hz rate_sd_Hz cv_units cv_mean cv_sd\n";
  std::printf("  firing rates (Hz, mean ± SD over units) and ISI CV:\n");
  for (const auto& g : table) {
    text += g.group + " " + g.condition + " " + std::to_string(g.units) + " " + std::to_string(g.trials) + " " +
            fmt(g.rate_mean) + " " + fmt(g.rate_sd) + " " + std::to_string(g.cv_units) + " " + fmt(g.cv_mean) + " " +
            fmt(g.cv_sd) + "\n";
    std::printf("    %-4s %-10s %3d units  %6.2f ± %5.2f Hz   CV %.2f ± %.2f (%d units)\n", g.group.c_str(),
                g.condition.c_str(), g.units, g.rate_mean, g.rate_sd, g.cv_mean, g.cv_sd, g.cv_units);
  }
  sk::io::write_text_atomically(out / "firing_statistics.dat", text);
  // per-unit rates over all trials as histograms, one per group
  std::vector<sk::io::series> hist;
  std::vector<std::string> names;
  for (const auto& g : groups)
    if (std::find(names.begin(), names.end(), g) == names.end()) names.push_back(g);
  sk::array<double> mean_rate = sk::array<double>::Zero(m.params.n);
  for (const auto& x : f) mean_rate += x.rate / double(f.size());
  const double hi = std::max(1.0, mean_rate.maxCoeff());
  for (std::size_t k = 0; k < names.size(); ++k) {
    std::vector<double> v;
    for (sk::index_t i = 0; i < m.params.n; ++i)
      if (groups[std::size_t(i)] == names[k]) v.push_back(mean_rate[i]);
    hist.push_back(sk::io::histogram(names[k] + " (" + std::to_string(v.size()) + " units)", v, 0, hi, 25,
                                     "histeps lw 2 lc rgb \"" + colour(2 * k) + "\""));
  }
  sk::io::plot(out / "firing_statistics", {"per-unit firing rate over all trials", "rate (Hz)", "fraction of units", hist});
}

/// Population PSTHs (E and I separately) per condition, and the per-unit PSTHs as data.
sk::psth psth_figure(const std::vector<lif_run>& runs, const sk::rate_model<float>& m, const options& o,
                     std::vector<sk::matrix<double>>& binned, const fs::path& out) {
  const sk::psth_params p{.bin = o.bin, .smooth_sd = o.smooth};
  std::vector<std::string> groups;
  for (const auto& r : runs) {
    binned.push_back(sk::binned_rates(r.spikes, m.params.n, r.dt, r.steps, p));
    groups.push_back(r.group);
  }
  const auto ps = sk::condition_psth(binned, groups, p);
  std::vector<sk::io::series> lines;
  const auto& inh = m.types.inh;
  for (std::size_t c = 0; c < ps.conditions.size(); ++c)
    for (bool want_inh : {false, true}) {
      const auto n = want_inh ? inh.count() : inh.size() - inh.count();
      if (n == 0) continue;
      sk::io::series s{ps.conditions[c] + (want_inh ? " inh" : " exc") + " (" + std::to_string(ps.trials[c]) + " trials)",
                       ps.centres, {}, std::string("lines lw 2 ") + (want_inh ? "dt 2 " : "") + "lc rgb \"" + condition_colour(ps.conditions, c) + "\""};
      for (sk::index_t t = 0; t < ps.units[c].cols(); ++t) {
        double sum = 0;
        for (sk::index_t i = 0; i < inh.size(); ++i)
          if (inh[i] == want_inh) sum += ps.units[c](i, t);
        s.y.push_back(sum / double(n));
      }
      lines.push_back(std::move(s));
    }
  sk::io::plot(out / "psth", {"population PSTH (" + fmt(o.bin * 1000) + " ms bins, Gaussian " + fmt(o.smooth * 1000) +
                                  " ms)", "time (s)", "mean rate (Hz)", lines});
  std::string text = "# condition unit then the rate (Hz) in each bin; bin centres (s):";
  for (double c : ps.centres) text += " " + fmt(c);
  text += "\n";
  for (std::size_t c = 0; c < ps.conditions.size(); ++c)
    for (sk::index_t i = 0; i < ps.units[c].rows(); ++i) {
      text += "\"" + ps.conditions[c] + "\" " + std::to_string(i + 1);
      for (sk::index_t t = 0; t < ps.units[c].cols(); ++t) text += " " + fmt(ps.units[c](i, t));
      text += "\n";
    }
  sk::io::write_text_atomically(out / "psth_units.dat", text);
  return ps;
}

/// Trajectories (and optional extra points) on PC1–PC2.
std::vector<sk::io::series> trajectory_lines(const sk::pca& p, const std::vector<std::string>& conditions) {
  std::vector<sk::io::series> lines;
  for (std::size_t c = 0; c < conditions.size(); ++c) {
    const auto& tr = p.trajectories[c];
    sk::io::series s{conditions[c], {}, {}, "lines lw 2 lc rgb \"" + condition_colour(conditions, c) + "\""};
    for (sk::index_t t = 0; t < tr.cols(); ++t) {
      s.x.push_back(tr(0, t));
      s.y.push_back(tr.rows() > 1 ? tr(1, t) : 0.0);
    }
    lines.push_back(std::move(s));
  }
  return lines;
}

/// "PC1 (63.8 % of the variance)": an axis label.
std::string pc_label(const sk::pca& p, sk::index_t j) {
  return "PC" + std::to_string(j + 1) + " (" + fmt(std::round(p.explained[j] * 1000) / 10) + " % of the variance)";
}

std::string explained_text(const sk::pca& p) {
  std::string s;
  double sum = 0;
  for (sk::index_t j = 0; j < p.explained.size(); ++j) {
    sum += p.explained[j];
    s += (j ? ", " : "") + fmt(std::round(p.explained[j] * 1000) / 10) + " %";
  }
  return s + " (top " + std::to_string(p.explained.size()) + ": " + fmt(std::round(sum * 1000) / 10) + " %)";
}

void lif_pca_figure(const sk::psth& ps, const options& o, const fs::path& out) {
  const int k = std::min<int>(o.components, int(ps.units[0].rows()));
  const sk::pca p = sk::condition_pca(ps.units, k);
  std::printf("  LIF population PCA, variance explained: %s\n", explained_text(p).c_str());
  sk::io::plot(out / "lif_pca", {"LIF network: condition-averaged trajectories", pc_label(p, 0), pc_label(p, 1),
                                 trajectory_lines(p, ps.conditions)});
}

/// erfc⁻¹(y) for 0 < y < 1, by bisection (erfc is decreasing): the normal quantile a
/// significance threshold needs, without a statistics library.
double inverse_erfc(double y) {
  double lo = 0, hi = 10;
  for (int k = 0; k < 100; ++k) {
    const double mid = 0.5 * (lo + hi);
    (std::erfc(mid) > y ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

/// The Mante regression on the LIF units' binned rates, with its figure.
void selectivity_figure(const std::vector<lif_run>& runs, const std::vector<sk::matrix<double>>& binned,
                        const sk::mante& tk, const options& o, const fs::path& out) {
  std::vector<sk::mante_variables> vars;
  for (const auto& r : runs) vars.push_back(sk::mante_trial_variables(r.tr, tk.params(), r.choice));
  const auto all_names = sk::mante_variables::names();
  const sk::matrix<double> all = sk::mante_design(vars);
  // a variable that never varies (an untrained network's one answer) cannot be regressed on: left out, said so
  std::vector<std::string> names;
  std::vector<sk::index_t> kept;
  for (sk::index_t v = 0; v < all.cols(); ++v) {
    if (all.col(v).minCoeff() == all.col(v).maxCoeff()) {
      std::printf("  selectivity: every trial has the same %s (%g): left out of the regression\n",
                  all_names[std::size_t(v)].c_str(), all(0, v));
      continue;
    }
    names.push_back(all_names[std::size_t(v)]);
    kept.push_back(v);
  }
  if (kept.empty()) return;
  sk::matrix<double> design(all.rows(), sk::index_t(kept.size()));
  for (std::size_t v = 0; v < kept.size(); ++v) design.col(sk::index_t(v)) = all.col(kept[v]);
  const auto s = sk::regress_rates(binned, design, names);
  const auto centres = sk::psth_centres({.bin = o.bin, .smooth_sd = o.smooth}, binned[0].cols());
  // (a) the fraction of units whose coefficient is significant (|t| > 2) in each bin
  sk::io::figure frac{"units with |t| > 2 per variable", "time (s)", "fraction of units", {}};
  for (std::size_t v = 0; v < names.size(); ++v) {
    sk::io::series l{names[v], centres, {}, "lines lw 2 lc rgb \"" + colour(2 * std::size_t(kept[v])) + "\""};
    for (sk::index_t t = 0; t < s.t[v].cols(); ++t)
      l.y.push_back(double((s.t[v].col(t).array().abs() > 2.0).count()) / double(s.t[v].rows()));
    frac.lines.push_back(std::move(l));
  }
  frac.yrange = {0, 1};
  // (b–d) each unit's coefficients averaged over the stimulus and decision period, against choice
  const double from = 0.005 * tk.params().stim_on;
  std::vector<sk::index_t> window;
  for (std::size_t t = 0; t < centres.size(); ++t)
    if (centres[t] >= from) window.push_back(sk::index_t(t));
  std::vector<sk::vector<double>> avg;
  for (std::size_t v = 0; v < names.size(); ++v) {
    sk::vector<double> a = sk::vector<double>::Zero(s.beta[v].rows());
    for (sk::index_t t : window) a += s.beta[v].col(t);
    avg.push_back(a / double(std::max<std::size_t>(1, window.size())));
  }
  std::string text = "# unit";
  for (const auto& n : names) text += " " + n;
  text += " (coefficients, Hz per unit of the variable, averaged over t >= " + fmt(from) + " s)\n";
  const sk::index_t units = s.beta[0].rows();
  for (sk::index_t i = 0; i < units; ++i) {
    text += std::to_string(i + 1);
    for (const auto& a : avg) text += " " + fmt(a[i]);
    text += "\n";
  }
  sk::io::write_text_atomically(out / "selectivity_units.dat", text);
  std::vector<sk::io::figure> panels{frac};
  const auto choice_at = std::find(names.begin(), names.end(), "choice");
  if (choice_at != names.end()) {
    const sk::vector<double>& choice = avg[std::size_t(choice_at - names.begin())];
    for (std::size_t v = 0; v < names.size(); ++v) {
      if (names[v] == "choice") continue;
      sk::io::series pts{"units", {avg[v].data(), avg[v].data() + avg[v].size()}, {choice.data(), choice.data() + choice.size()},
                         "points pt 7 ps 0.6 lc rgb \"" + colour(2 * std::size_t(kept[v])) + "\""};
      panels.push_back({"choice vs " + names[v], "β " + names[v] + " (Hz)", "β choice (Hz)", {pts}});
    }
  }
  sk::io::plot_panels(out / "selectivity", panels, 2,
                      "Mixed selectivity of the LIF units (" + std::to_string(runs.size()) + " trials)", 1100, 900);
  // mixed: significant for two variables or more in some bin, at a threshold corrected for the
  // number of bins looked at (Bonferroni: two-sided 0.05 / bins, normal approximation of t)
  const double bins = double(s.t[0].cols());
  const double threshold = std::sqrt(2.0) * inverse_erfc(0.05 / bins);
  int mixed = 0;
  for (sk::index_t i = 0; i < units; ++i) {
    int sig = 0;
    for (std::size_t v = 0; v < names.size(); ++v) sig += (s.t[v].row(i).array().abs() > threshold).any() ? 1 : 0;
    mixed += sig >= 2 ? 1 : 0;
  }
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  std::printf("  selectivity: %d of %ld units have |t| > %.2f (p < 0.05 over %g bins) in some bin for at least two of %s\n",
              mixed, long(units), threshold, bins, list.c_str());
}

/// The constant inputs the fixed points are searched under: per context for Mante, none else.
std::vector<std::pair<std::string, sk::vector<double>>> hold_inputs(const std::string& task, int n_inputs) {
  if (task == "mante") {
    sk::vector<double> c1 = sk::vector<double>::Zero(4), c2 = sk::vector<double>::Zero(4);
    c1[2] = 1;
    c2[3] = 1;
    return {{"context1", c1}, {"context2", c2}};
  }
  return {{"no input", sk::vector<double>::Zero(n_inputs)}};
}

/// Rate-network trajectories, their PCA, and the slow points under each held input.
void fixed_point_figures(const sk::rate_model<float>& m, const sk::any_task& any, const std::string& task,
                         const options& o, const fs::path& out) {
  sk::visit_rate_rnn(m, [&](const auto& net) {
    using net_t = std::decay_t<decltype(net)>;
    using act = typename net_t::activation_type;
    // rate trials (noise on, as trained): states for the starts and condition-averaged rates
    std::vector<std::string> conds;
    std::vector<sk::matrix<double>> sums;
    std::vector<int> counts;
    std::vector<std::pair<std::string, sk::matrix<double>>> states;  // (trial condition, x over time)
    for (int k = 0; k < o.trials; ++k) {
      sk::rng g(sk::seed{o.seed}, sk::purpose::evaluation_trial, sk::held_out_first_trial + std::uint64_t(k));
      const sk::trial tr = std::visit([&](const auto& tk) { return tk.generate(g); }, any);
      typename net_t::tape tp;
      std::vector<const sk::trial*> trials{&tr};
      std::vector<sk::rng> noise{g};
      net.forward(trials, noise, tp);
      const double last = double(tp.o(0, tp.o.cols() - 1));
      const std::string c = analysis_condition(task, tr.condition, last > 0 ? 1.0 : -1.0);
      const auto it = std::find(conds.begin(), conds.end(), c);
      const auto at = std::size_t(it - conds.begin());
      if (it == conds.end()) {
        conds.push_back(c);
        sums.push_back(sk::matrix<double>::Zero(tp.r.rows(), tp.r.cols()));
        counts.push_back(0);
      }
      sums[at] += tp.r.template cast<double>();
      ++counts[at];
      states.emplace_back(tr.condition, tp.x.template cast<double>());
    }
    for (std::size_t c = 0; c < sums.size(); ++c) sums[c] /= double(counts[c]);
    const int k = std::min<int>(std::max(2, o.components), int(m.params.n));
    const sk::pca p = sk::condition_pca(sums, k);
    std::printf("  rate population PCA, variance explained: %s\n", explained_text(p).c_str());
    std::vector<sk::io::series> lines = trajectory_lines(p, conds);
    for (auto& l : lines) l.style = l.style.replace(l.style.find("lw 2"), 4, "lw 1");
    std::vector<sk::io::series> eig_series, leading;
    sk::io::series circle{"unit circle", {}, {}, "lines lc rgb \"#7f7f7f\""};
    for (int a = 0; a <= 200; ++a) {
      circle.x.push_back(std::cos(2 * std::numbers::pi * a / 200));
      circle.y.push_back(std::sin(2 * std::numbers::pi * a / 200));
    }
    eig_series.push_back(circle);
    std::string table = "# input kind point speed_q PC1 PC2 PC3 |lambda1| re(lambda1) im(lambda1) |lambda2| re(lambda2) im(lambda2)\n";
    const auto inputs = hold_inputs(task, int(m.params.n_inputs));
    for (std::size_t h = 0; h < inputs.size(); ++h) {
      const auto& [name, u] = inputs[h];
      // starts from the states of this input's trials (for Mante: the trials of that context)
      sk::index_t cols = 0;
      for (const auto& [c, x] : states)
        if (task != "mante" || c == name) cols += x.cols();
      sk::matrix<double> pool(m.params.n, cols);
      sk::index_t at = 0;
      for (const auto& [c, x] : states)
        if (task != "mante" || c == name) {
          pool.middleCols(at, x.cols()) = x;
          at += x.cols();
        }
      const sk::rate_map<double, act> f(net, u);
      const sk::seed s{o.seed};
      // exact fixed points (every search run to its minimum), then slow points (searches stopped
      // once slow enough), then the curve each saddle's unstable direction leads along
      const auto exact = sk::find_fixed_points(
          f, pool, {.starts = o.starts, .max_speed = 1e-12, .eigenvalues = int(m.params.n), .seed = s, .threads = o.threads});
      const auto slow = sk::find_fixed_points(
          f, pool, {.starts = o.starts, .stop_speed = o.stop_speed, .max_speed = o.max_speed, .seed = s, .threads = o.threads});
      const std::string dark = task != "mante" ? "#000000" : h == 0 ? "#08306b" : "#67000d";
      const auto on_pcs = [&](const sk::matrix<double>& x) {
        return sk::project(p, act::apply(x.array()).matrix().eval());
      };
      const auto add_points = [&](const sk::fixed_point_result<double>& res, const std::string& kind) {
        if (res.points.empty()) return;
        sk::matrix<double> x(m.params.n, sk::index_t(res.points.size()));
        for (std::size_t i = 0; i < res.points.size(); ++i) x.col(sk::index_t(i)) = res.points[i].x;
        const sk::matrix<double> pc = on_pcs(x);
        for (std::size_t i = 0; i < res.points.size(); ++i) {
          const auto& fp = res.points[i];
          const auto l1 = fp.eigenvalues.empty() ? std::complex<double>() : fp.eigenvalues[0];
          const auto l2 = fp.eigenvalues.size() > 1 ? fp.eigenvalues[1] : std::complex<double>();
          const auto c = sk::index_t(i);
          table += "\"" + name + "\" " + kind + " " + std::to_string(i + 1) + " " + fmt(fp.speed) + " " + fmt(pc(0, c)) + " " +
                   fmt(pc(1, c)) + " " + fmt(pc.rows() > 2 ? pc(2, c) : 0.0) + " " + fmt(std::abs(l1)) + " " + fmt(l1.real()) +
                   " " + fmt(l1.imag()) + " " + fmt(std::abs(l2)) + " " + fmt(l2.real()) + " " + fmt(l2.imag()) + "\n";
        }
        if (kind == "slow") {
          sk::io::series pts{name + " slow points (" + std::to_string(res.points.size()) + ")", {}, {},
                             "points pt 7 ps 0.5 lc rgb \"" + colour(2 * h) + "\""};
          sk::io::series ev{name + " slow points", {}, {}, "points pt 7 ps 0.5 lc rgb \"" + colour(2 * h) + "\""};
          for (std::size_t i = 0; i < res.points.size(); ++i) {
            pts.x.push_back(pc(0, sk::index_t(i)));
            pts.y.push_back(pc(1, sk::index_t(i)));
            for (const auto& e : res.points[i].eigenvalues) {
              ev.x.push_back(e.real());
              ev.y.push_back(e.imag());
            }
          }
          lines.push_back(std::move(pts));
          eig_series.push_back(std::move(ev));
          return;
        }
        for (bool unstable : {false, true}) {
          sk::io::series pts{name + (unstable ? " saddles" : " stable fixed points"), {}, {},
                             std::string("points pt ") + (unstable ? "6" : "7") + " ps 2 lw 2 lc rgb \"" + dark + "\""};
          sk::io::series ev{pts.title, {}, {}, std::string("points pt ") + (unstable ? "6" : "7") + " ps 1.5 lc rgb \"" + dark + "\""};
          for (std::size_t i = 0; i < res.points.size(); ++i) {
            const auto& fp = res.points[i];
            if ((!fp.eigenvalues.empty() && std::abs(fp.eigenvalues[0]) > 1.0) != unstable) continue;
            pts.x.push_back(pc(0, sk::index_t(i)));
            pts.y.push_back(pc(1, sk::index_t(i)));
            for (const auto& e : fp.eigenvalues) {
              ev.x.push_back(e.real());
              ev.y.push_back(e.imag());
            }
          }
          if (pts.x.empty()) continue;
          pts.title += " (" + std::to_string(pts.x.size()) + ")";
          for (std::size_t i = 0; i < res.points.size(); ++i) {
            const auto& fp = res.points[i];
            if ((!fp.eigenvalues.empty() && std::abs(fp.eigenvalues[0]) > 1.0) != unstable) continue;
            sk::io::series l{name + (unstable ? " saddle " : " stable ") + std::to_string(i + 1), {}, {},
                             std::string("linespoints pt ") + (unstable ? "6" : "7") + " lc rgb \"" + dark + "\""};
            for (std::size_t e = 0; e < std::min<std::size_t>(10, fp.eigenvalues.size()); ++e) {
              l.x.push_back(double(e + 1));
              l.y.push_back(std::abs(fp.eigenvalues[e]));
            }
            leading.push_back(std::move(l));
          }
          lines.push_back(std::move(pts));
          eig_series.push_back(std::move(ev));
        }
      };
      add_points(slow, "slow");
      add_points(exact, "fixed");
      int stable = 0, saddles = 0;
      std::string eig_text;
      for (const auto& fp : exact.points) {
        const double l1 = fp.eigenvalues.empty() ? 0.0 : std::abs(fp.eigenvalues[0]);
        (l1 > 1.0 ? saddles : stable) += 1;
        eig_text += (eig_text.empty() ? "" : ", ") + fmt(std::round(l1 * 10000) / 10000);
      }
      std::printf("  %s: %zu fixed points (%d stable, %d saddles; |λ1| %s) from %d searches; %zu slow points "
                  "(q < %g, searches stopped at q < %g)\n",
                  name.c_str(), exact.points.size(), stable, saddles, eig_text.c_str(), exact.starts, slow.points.size(),
                  o.max_speed, o.stop_speed);
      // the unstable manifold of each saddle: 4000 steps (20 s) on both sides, ending on the attractors
      for (const auto& fp : exact.points) {
        if (fp.eigenvalues.empty() || std::abs(fp.eigenvalues[0]) <= 1.0) continue;
        const auto branches = sk::leading_manifold(f, fp.x, 1e-2, 4000);
        sk::io::series curve{name + " saddle's unstable manifold", {}, {}, "lines lw 3 lc rgb \"" + dark + "\""};
        double q_max = 0;
        long slide = 0;
        for (int b = 0; b < 2; ++b) {
          const auto& br = branches[std::size_t(b)];
          const sk::matrix<double> pc = on_pcs(br);
          for (sk::index_t t = 0; t < pc.cols(); ++t) {  // the first branch backwards, then the second: one curve
            const sk::index_t c = b == 0 ? pc.cols() - 1 - t : t;
            curve.x.push_back(pc(0, c));
            curve.y.push_back(pc(1, c));
            q_max = std::max(q_max, f.speed(br.col(c)));
          }
          const sk::vector<double> end = br.col(br.cols() - 1);
          const double travel = (br.col(0) - end).norm();
          for (sk::index_t t = 0; t < br.cols(); ++t)
            if ((br.col(t) - end).norm() < 0.05 * travel) {
              slide = std::max<long>(slide, long(t));
              break;
            }
        }
        std::printf("    its unstable manifold: q ≤ %.2g along it; the state takes %ld steps (%ld ms) to slide to "
                    "95 %% of the way to the attractor\n", q_max, slide, slide * 5);
        lines.push_back(std::move(curve));
      }
    }
    sk::io::write_text_atomically(out / "fixed_points_table.dat", table);
    sk::io::figure fig{"rate network: condition-averaged trajectories, fixed points, slow points", pc_label(p, 0),
                       pc_label(p, 1), lines};
    fig.width = 1000;
    fig.height = 650;
    sk::io::plot(out / "fixed_points", fig);
    sk::io::figure eig{"Jacobian eigenvalues (discrete map)", "real", "imaginary", eig_series};
    eig.xrange = {-1.1, 1.1};
    eig.yrange = {-1.1, 1.1};
    sk::io::figure lead{"the 10 largest |eigenvalues| at each fixed point", "k", "|λ_k|", leading};
    sk::io::plot_panels(out / "eigenvalues", {eig, lead}, 2, "Stability of the rate network's fixed and slow points", 1300, 600);
  });
}

int analyze(const sk::rate_model<float>& m, const std::string& task, const options& o) {
  const double factor = sk::programs::factor_to_convert_at(m, o.factor);
  const sk::any_task any = sk::make_task(task);
  const fs::path out(o.out);
  fs::create_directories(out);
  std::printf("%s\n  task %s, %s neurons, scaling factor %g, %s readout, %d held-out trials\n", m.file.string().c_str(),
              task.c_str(), o.neuron_name().c_str(), factor, o.readout_name().c_str(), o.trials);
  const auto runs = o.with_neuron([&]<class N>(std::type_identity<N>) {
    const auto net = std::visit(
        [&](const auto& tk) { return sk::to_spiking<N>(m, tk, factor, o.conversion(), sk::seed{o.seed}, o.threads); }, any);
    return run_trials(net, any, task, o);
  });
  int correct = 0;
  for (const auto& r : runs)
    correct += std::visit([&](const auto& tk) { return tk.spiking_correct(r.tr, r.out, r.dt) ? 1 : 0; }, any);
  std::printf("  spiking accuracy on these trials %.3f\n", double(correct) / double(runs.size()));
  firing_table(runs, m, out);
  std::vector<sk::matrix<double>> binned;
  const auto ps = psth_figure(runs, m, o, binned, out);
  lif_pca_figure(ps, o, out);
  if (const auto* tk = std::get_if<sk::mante>(&any)) selectivity_figure(runs, binned, *tk, o, out);
  fixed_point_figures(m, any, task, o, out);
  std::printf("  written to %s%s\n", o.out.c_str(), sk::io::gnuplot_available() ? "" : " (data and scripts; no gnuplot: no PNG)");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  o.trials = 64;
  CLI::App app{"Analyse the LIF network converted from a trained rate model: firing statistics by E/I type, PSTHs, "
               "population PCA, the rate network's fixed points and (Mante) mixed selectivity.",
               "spikernn-analyze"};
  app.add_option("--model", o.model, "A model .mat file")->required();
  app.add_option("--out", o.out, "Folder for the tables and figures (.dat, .gp, .png)")->required();
  app.add_option("--factor", o.factor, "Scaling factor (default: the file's opt_scaling_factor)");
  o.add_to(app, "Held-out LIF trials (and rate trials for the trajectories)");
  app.add_option("--bin", o.bin, "PSTH and regression bin width (s)")->capture_default_str();
  app.add_option("--smooth", o.smooth, "SD of the Gaussian smoothing of the PSTHs (s); 0: none")->capture_default_str();
  app.add_option("--components", o.components, "Principal components kept")->capture_default_str();
  app.add_option("--starts", o.starts, "Fixed-point searches per input (starts sampled from the rate trajectories)")
      ->capture_default_str();
  app.add_option("--stop_speed", o.stop_speed,
                 "Stop each fixed-point search once q = |F(x) - x|^2 / 2 falls below this (0: run to the minimum)")
      ->capture_default_str();
  app.add_option("--max_speed", o.max_speed, "Keep the searches' end points with q below this as slow points")
      ->capture_default_str();
  if (const auto rc = sk::programs::parse_command_line(app, argc, argv)) return *rc;
  return sk::programs::run_guarded(app, [&] {
    o.validate();
    sk::require(o.factor >= 0 && std::isfinite(o.factor), "factor", "a positive scaling factor");
    sk::require(std::isfinite(o.bin) && o.bin > 0, "bin", "a positive bin width (s)");
    sk::require(std::isfinite(o.smooth) && o.smooth >= 0, "smooth", "a non-negative kernel SD (s)");
    sk::require(o.components >= 1, "components", "at least one component");
    sk::require(o.starts >= 1, "starts", "at least one start");
    sk::require(std::isfinite(o.max_speed) && o.max_speed > 0, "max_speed", "a positive speed");
    sk::require(std::isfinite(o.stop_speed) && o.stop_speed >= 0, "stop_speed", "a speed ≥ 0");
    sk::require(o.trials >= 6, "trials", "at least 6 trials (the regression has 5 coefficients)");
    if (!fs::exists(o.model)) throw sk::file_error(o.model, "does not exist");
    const auto m = sk::io::load_rate_model<float>(o.model);
    const std::string task = sk::programs::task_of(m, o.task);
    o.adopt_search_of(m, app.count("--calibration_trials") > 0);  // the readout decides each trial's choice
    return sk::programs::about_file(app, o.model, [&] { return analyze(m, task, o); });
  });
}
