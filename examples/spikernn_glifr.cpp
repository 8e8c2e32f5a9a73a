// spikernn-glifr: trains the network types of the GLIFR paper (Winston, Stringer et al., Neural
// Computation 2023; glifr_smnn_spec.md part A) on its tasks with its hyperparameters, and writes
// what a user inspects afterwards.
//
//   spikernn-glifr --task sine|lmnist|pmnist [--types Hom,LHetA,RNN,…|all] [--runs M]
//                  [--version 2021|2022] [--threads 0] [--out DIR] [--data DIR] …
//
// Types: RNN, LSTM and the eight GLIFR types Hom, HomA, LHet, LHetA, FHet, FHetA, RHet, RHetA
// (A.6), each at the parameter-matched hidden size of the chosen version. Every (type, run) is a
// network trained from its own seed (--seed + run − 1), one per thread; results do not depend on
// the thread count. Defaults follow the version (A.5–A.7):
//   v2021  sine   Adam lr 1e-4, batch 2, 5000 epochs; test = Σ of the 6 patterns' MSEs
//          lmnist Adam lr 1e-3, batch 128, 50 epochs; last-step cross entropy; test accuracy
//          GLIFR delay 20 steps (1 ms), RNN delay 1
//   v2022  sine   batch 6; lmnist batch 256, 30 epochs; pmnist (784 × 1 pixels) batch 512,
//          lr 1e-4, 50 epochs, delay 300 steps; the RNN has the GLIFR's delay; hard-coded sizes
// Per network, in DIR/<type>-<run>/: params.mat and npy/*.npy (trained and initial parameters
// under the original's names, model values, loss curves), run.json, loss.png (and accuracy for
// MNIST), outputs.png (sine: outputs against targets), params.png (GLIFR: the distributions of
// thresholds, membrane and after-spike-current constants before and after training — the
// paper's "heterogeneity is learned"). In DIR: results.csv (one row per network) and results.md
// (mean ± std per type next to the paper's numbers).
#include <spikernn/core/parallel.hpp>
#include <spikernn/io/atomic_file.hpp>
#include <spikernn/io/gnuplot.hpp>
#include <spikernn/io/mat_file.hpp>
#include <spikernn/io/npy.hpp>
#include <spikernn/network/glifr_network.hpp>
#include <spikernn/network/lstm.hpp>
#include <spikernn/network/vanilla_rnn.hpp>
#include <spikernn/task/sequential_mnist.hpp>
#include <spikernn/task/sine_patterns.hpp>
#include <spikernn/train/epoch_trainer.hpp>

#include "output_support.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

namespace sk = spikernn;
namespace fs = std::filesystem;

namespace {

using model_variant = std::variant<sk::glifr_network<float>, sk::vanilla_rnn<float>, sk::lstm<float>>;

const std::vector<std::string> all_types = {"RNN",  "LSTM",  "Hom",  "HomA",  "LHet",
                                            "LHetA", "FHet", "FHetA", "RHet", "RHetA"};

std::optional<sk::glifr_variant> glifr_type(const std::string& name) {
  for (int k = 0; k < 8; ++k)
    if (sk::glifr_variant_name(sk::glifr_variant(k)) == name) return sk::glifr_variant(k);
  return std::nullopt;
}

/// The paper's numbers (A.9) for the results table: v2021 mean ± population std over 30 runs,
/// v2022 mean (sample std) over 10.
struct paper_row {
  const char *sine_2021, *smnist_2021, *sine_2022, *lmnist_2022, *pmnist_2022;
};
const std::map<std::string, paper_row> paper = {
    {"RNN", {"1.574 ± 0.487", "0.9744 ± 0.0024", "0.0561 (0.0833)", "0.9779 (0.0040)", "0.2564 (0.0010)"}},
    {"LSTM", {"0.0394 ± 0.0412", "0.9883 ± 0.0013", "0.00936 (0.0069)", "0.9866 (0.0009)", "—"}},
    {"Hom", {"0.1177 ± 0.0172", "0.9344 ± 0.0033", "0.0348 (0.0068)", "0.9365 (0.0021)", "—"}},
    {"HomA", {"0.1170 ± 0.0162", "0.9340 ± 0.0024", "0.0309 (0.0070)", "0.9364 (0.0013)", "—"}},
    {"LHet", {"0.0862 ± 0.0136", "0.9357 ± 0.0027", "0.0233 (0.0070)", "0.9378 (0.0023)", "—"}},
    {"LHetA", {"0.0835 ± 0.0119", "0.9417 ± 0.0036", "0.0227 (0.0047)", "0.9417 (0.0017)", "0.6168 (0.0221)"}},
    {"FHet", {"0.2318 ± 0.0662", "0.9379 ± 0.0026", "0.0164 (0.0036)", "0.9372 (0.0016)", "—"}},
    {"FHetA", {"0.2583 ± 0.0788", "0.9380 ± 0.0029", "0.0166 (0.0032)", "0.9412 (0.0021)", "—"}},
    {"RHet", {"0.2078 ± 0.0828", "0.9385 ± 0.0030", "0.0115 (0.0020)", "0.9375 (0.0022)", "—"}},
    {"RHetA", {"0.1895 ± 0.0553", "0.9458 ± 0.0037", "0.0121 (0.0017)", "0.9481 (0.0013)", "0.6721 (0.0146)"}},
};

struct options {
  std::string task = "sine", out = "glifr", data, types = "Hom,LHetA,RNN,LSTM";
  int version = 2021, runs = 1, threads = 0, epochs = 0, batch = 0, hidden = 0, delay = 0, eval_every = 0;
  double lr = 0, sigma_v = 1.0;
  bool anneal = false;
  std::uint64_t seed = 1;
  long train_limit = 0, test_limit = 0;
  long checkpoint_every = 0;
  bool resume = false;
};

/// What the task supplies: training and test samples and their shape.
struct dataset {
  std::vector<sk::sequence_sample> train, test;
  int n_in = 1, n_out = 1;
  bool classify = false;
  std::string description;
  std::optional<sk::sine_patterns> sine;
};

/// The task's defaults of the chosen version (A.5, A.7), where the user gave none.
void apply_defaults(options& o) {
  const bool sine = o.task == "sine", v21 = o.version == 2021;
  const bool pixels = o.task == "pmnist";
  if (o.epochs == 0) o.epochs = sine ? 5000 : (v21 ? 50 : (pixels ? 50 : 30));
  if (o.batch == 0) o.batch = sine ? (v21 ? 2 : 6) : (v21 ? 128 : (pixels ? 512 : 256));
  if (o.lr == 0) o.lr = sine ? 1e-4 : (pixels ? 1e-4 : 1e-3);
  if (o.eval_every == 0) o.eval_every = sine ? 50 : 1;
}

dataset load_data(const options& o) {
  dataset d;
  if (o.task == "sine") {
    d.sine.emplace();
    d.train = d.sine->samples();
    d.test = d.train;  // the task is these 6 sequences; the original tests on them one by one
    d.description = "the 6 sinusoids of A.7 (T = 100 steps of 0.05 ms)";
    return d;
  }
  sk::sequential_mnist_params mp;
  mp.sequence = o.task == "pmnist" ? sk::mnist_sequence::pixel_by_pixel : sk::mnist_sequence::line_by_line;
  const fs::path dir = o.data.empty() ? fs::path("data/mnist") : fs::path(o.data);
  auto train = sk::sequential_mnist::load_folder(dir, sk::io::mnist_part::train, mp);
  auto test = sk::sequential_mnist::load_folder(dir, sk::io::mnist_part::test, mp);
  if (o.train_limit > 0 && std::size_t(o.train_limit) < train.size()) train = train.first(std::size_t(o.train_limit));
  if (o.test_limit > 0 && std::size_t(o.test_limit) < test.size()) test = test.first(std::size_t(o.test_limit));
  d.train = train.samples();
  d.test = test.samples();
  d.n_in = train.n_inputs();
  d.n_out = sk::sequential_mnist::n_classes;
  d.classify = true;
  d.description = std::to_string(d.train.size()) + " training and " + std::to_string(d.test.size()) +
                  " test images from " + dir.string() + ", " +
                  (o.task == "pmnist" ? "pixel by pixel (784 × 1)" : "line by line (28 × 28)");
  return d;
}

/// The hidden size of a type: v2021 matches the trainable count of a GLIFR with learned
/// intrinsics and J = 2 at N = 128 (sine) or 256 (MNIST); v2022 hard-codes its sizes (A.6).
int hidden_size(const std::string& type, const options& o, const dataset& d) {
  if (o.hidden > 0) return o.hidden;
  const auto g = glifr_type(type);
  const bool learned = g && sk::glifr_variant_params(*g).learn.any();
  const int j = g ? sk::glifr_variant_params(*g).n_asc : 0;
  if (o.version == 2022) {
    const bool sine = o.task == "sine";
    if (type == "RNN") return sine ? 128 : 256;
    if (type == "LSTM") return sine ? 63 : (o.task == "pmnist" ? 128 : 122);
    if (!learned) return sine ? 128 : 256;
    return j > 0 ? (sine ? 124 : 252) : (sine ? 127 : 255);
  }
  const long reference = sk::glifr_trainable_count(o.task == "sine" ? 128 : 256, d.n_in, d.n_out, 2, true);
  if (type == "RNN") return int(sk::vanilla_rnn_matched_size(reference, d.n_in, d.n_out));
  if (type == "LSTM") return int(sk::lstm_matched_size(reference, d.n_in, d.n_out));
  return int(sk::glifr_matched_size(reference, d.n_in, d.n_out, j, learned));
}

/// The recurrent delay in steps: 1 ms (20 steps) for GLIFR in both versions and 15 ms for
/// P-MNIST in v2022; the v2021 RNN uses the previous state, the v2022 one the GLIFR's delay.
int delay_steps(const std::string& type, const options& o) {
  if (o.delay > 0) return o.delay;
  const int glifr = sk::glifr_delay_steps(o.task == "pmnist" ? 15.0 : 1.0, 0.05);
  if (type == "RNN") return o.version == 2021 ? 1 : glifr;
  return glifr;
}

model_variant make_model(const std::string& type, const options& o, const dataset& d, sk::seed s) {
  const int n = hidden_size(type, o, d);
  if (type == "RNN") return sk::vanilla_rnn<float>({n, d.n_in, d.n_out, delay_steps(type, o)}, s);
  if (type == "LSTM") return sk::lstm<float>({n, d.n_in, d.n_out}, s);
  sk::glifr_network_params p;
  p.n = n;
  p.n_inputs = d.n_in;
  p.n_outputs = d.n_out;
  p.delay = delay_steps(type, o);
  p.neuron.sigma_v = o.sigma_v;
  return sk::glifr_network<float>(sk::glifr_variant_params(*glifr_type(type), p), s);
}

/// σ_V of an epoch (0-based). The v2021 anneal was meant to run σ_V = 1e-3 then 1, but indexes
/// its list from the end (A.10): what the paper's annealed run saw is σ_V = 1 for the first half
/// of the epochs and 1e-3 for the second, and that is what --anneal does.
double sigma_v_of_epoch(const options& o, int epoch) {
  if (!o.anneal) return o.sigma_v;
  return epoch < o.epochs / 2 ? 1.0 : 1e-3;
}

// ---- one network --------------------------------------------------------------------------

struct run_result {
  std::string type;
  int run = 0, hidden = 0;
  std::uint64_t seed = 0;
  long trainable = 0;
  double test_loss = 0, test_accuracy = -1, seconds = 0;
  double sine_sum = 0;  ///< v2021 sine metric: Σ over the patterns of each one's MSE
};

long trainable_count(const sk::param_layout& layout) {
  long n = 0;
  for (const auto& b : layout)
    if (b.trainable) n += long(b.size);
  return n;
}


/// The trained blocks of each model under the original code's names and orientations
/// (weight_iv is in × N, weight_lat N × N with presynaptic rows, as x·W in PyTorch); `suffix`
/// "_init" marks the values before training.
void put_parameters(sk::programs::param_sink& out, const sk::glifr_network<float>& m, const std::string& suffix) {
  out.put("weight_iv" + suffix, m.w_in().transpose());
  out.put("weight_lat" + suffix, m.w_rec().transpose());
  out.put("output_weight" + suffix, m.w_out());
  out.put("output_bias" + suffix, m.b_out());
  out.put("thresh" + suffix, m.thresh().transpose());
  out.put("trans_k_m" + suffix, m.trans_k_m().transpose());
  if (m.n_asc() > 0) {
    out.put("trans_k_j" + suffix, m.trans_k_j());
    out.put("trans_r_j" + suffix, m.trans_r_j());
    out.put("a_j" + suffix, m.a_j());
  }
  // model values (A.2): V_th, k_m and k_j in 1/ms, r_j
  const auto ph = m.physical();
  out.put("k_m" + suffix, ph.k_m.transpose());
  if (m.n_asc() > 0) {
    out.put("k_j" + suffix, ph.k_j);
    out.put("r_j" + suffix, ph.r_j);
  }
}
void put_parameters(sk::programs::param_sink& out, const sk::vanilla_rnn<float>& m, const std::string& suffix) {
  out.put("weight_ih" + suffix, m.w_in().transpose());
  out.put("weight_lat" + suffix, m.w_rec().transpose());
  out.put("bias" + suffix, m.b_rec());
  out.put("output_weight" + suffix, m.w_out());
  out.put("output_bias" + suffix, m.b_out());
}
void put_parameters(sk::programs::param_sink& out, const sk::lstm<float>& m, const std::string& suffix) {
  // nn.LSTMCell's own names and shapes (4N × in, 4N × N; gates i, f, g, o)
  out.put("weight_ih" + suffix, m.w_in());
  out.put("weight_hh" + suffix, m.w_rec());
  out.put("bias_ih" + suffix, m.b_ih());
  out.put("bias_hh" + suffix, m.b_hh());
  out.put("output_weight" + suffix, m.w_out());
  out.put("output_bias" + suffix, m.b_out());
}

/// A histogram of `values` over [lo, hi] in `bins` bins, as a step series (bin centres).
sk::io::series histogram(const std::string& title, const std::vector<double>& values, double lo, double hi, int bins,
                         const std::string& style) {
  sk::io::series s{title, {}, {}, style};
  if (!(hi > lo)) {  // every value equal: one bin around it
    lo -= 0.5 * std::max(1e-6, std::abs(lo));
    hi += 0.5 * std::max(1e-6, std::abs(hi));
  }
  std::vector<double> count(std::size_t(bins), 0.0);
  for (double v : values) {
    const int k = std::clamp(int((v - lo) / (hi - lo) * bins), 0, bins - 1);
    count[std::size_t(k)] += 1;
  }
  for (int k = 0; k < bins; ++k) {
    s.x.push_back(lo + (k + 0.5) * (hi - lo) / bins);
    s.y.push_back(count[std::size_t(k)] / double(values.size()));
  }
  return s;
}

/// The paper's central figure for one network: the distributions of the intrinsic parameters
/// before and after training.
void plot_distributions(const fs::path& stem, const std::string& title, const sk::glifr_physical<float>& before,
                        const sk::glifr_physical<float>& after) {
  struct quantity {
    std::string name;
    std::vector<double> before, after;
  };
  const auto values = [](const auto& m) {
    std::vector<double> v;
    for (sk::index_t k = 0; k < m.size(); ++k) v.push_back(double(m.data()[k]));
    return v;
  };
  std::vector<quantity> qs = {{"threshold V_th", values(before.v_th), values(after.v_th)},
                              {"membrane k_m (1/ms)", values(before.k_m), values(after.k_m)}};
  if (before.a_j.size() > 0) {
    qs.push_back({"ASC amplitude a_j", values(before.a_j), values(after.a_j)});
    qs.push_back({"ASC factor r_j", values(before.r_j), values(after.r_j)});
    qs.push_back({"ASC decay k_j (1/ms)", values(before.k_j), values(after.k_j)});
  }
  std::vector<sk::io::figure> panels;
  for (const auto& q : qs) {
    double lo = std::min(*std::min_element(q.before.begin(), q.before.end()), *std::min_element(q.after.begin(), q.after.end()));
    double hi = std::max(*std::max_element(q.before.begin(), q.before.end()), *std::max_element(q.after.begin(), q.after.end()));
    panels.push_back({q.name, q.name, "fraction of units",
                      {histogram("before", q.before, lo, hi, 30, "histeps lw 2 dt 2"),
                       histogram("after", q.after, lo, hi, 30, "histeps lw 2")}});
  }
  sk::io::plot_panels(stem, panels, panels.size() > 2 ? 3 : 2, title, panels.size() > 2 ? 1350 : 900,
                      panels.size() > 2 ? 750 : 380);
}

std::string json_string(const std::string& s) {
  std::string q = "\"";
  for (char c : s) q += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return q + "\"";
}

template <class Model>
run_result train_network(Model& model, const std::string& type, int run, sk::seed s, const options& o, const dataset& d,
                         const fs::path& dir, std::mutex& print) {
  fs::create_directories(dir / "npy");
  const Model initial = model;
  const sk::sequence_loss loss = d.classify ? sk::sequence_loss::cross_entropy_last : sk::sequence_loss::mse;
  sk::adam opt({.lr = o.lr, .form = sk::adam_form::pytorch});
  std::vector<double> test_epochs, test_losses, test_accuracies, train_accuracies;
  const auto evaluate = [&] { return sk::evaluate_sequences(model, std::span<const sk::sequence_sample>(d.test), loss, 256); };

  // Between epochs: the test curve, a line of progress, σ_V for the next epoch.
  struct observer {
    Model& model;
    const options& o;
    decltype(evaluate)& eval;
    std::vector<double>& test_epochs;
    std::vector<double>& test_losses;
    std::vector<double>& test_accuracies;
    std::vector<double>& train_accuracies;
    std::mutex& print;
    std::string name;
    void on_epoch(const sk::epoch_progress& p) {
      train_accuracies.push_back(p.train_accuracy);
      if (p.epoch % o.eval_every == 0 || p.epoch == p.epochs) {
        const auto score = eval();
        test_epochs.push_back(p.epoch);
        test_losses.push_back(score.loss);
        test_accuracies.push_back(score.accuracy);
        const std::lock_guard lock(print);
        std::printf("%-8s epoch %5d/%d  train loss %.5f%s  test loss %.5f%s  (%.0f s)\n", name.c_str(), p.epoch,
                    p.epochs, p.train_loss,
                    p.train_accuracy >= 0 ? (" acc " + std::to_string(p.train_accuracy).substr(0, 6)).c_str() : "",
                    score.loss,
                    score.accuracy >= 0 ? (" acc " + std::to_string(score.accuracy).substr(0, 6)).c_str() : "",
                    p.seconds);
        std::fflush(stdout);
      }
      // σ_V of the next epoch, after this one's test (which uses the σ_V it trained with)
      if constexpr (requires { model.set_sigma_v(1.0); })
        if (p.epoch < p.epochs) model.set_sigma_v(sigma_v_of_epoch(o, p.epoch));
    }
    // What a resumed run needs: the curves so far, and σ_V of the epoch it continues.
    void save_state(sk::checkpoint_section& ck) const {
      sk::programs::save_curves(ck, {{"test_epochs", &test_epochs}, {"test_losses", &test_losses},
                                     {"test_accuracies", &test_accuracies}, {"train_accuracies", &train_accuracies}});
    }
    void load_state(const sk::checkpoint_section& ck) {
      sk::programs::load_curves(ck, {{"test_epochs", &test_epochs}, {"test_losses", &test_losses},
                                     {"test_accuracies", &test_accuracies}, {"train_accuracies", &train_accuracies}});
      if constexpr (requires { model.set_sigma_v(1.0); })
        model.set_sigma_v(sigma_v_of_epoch(o, int(train_accuracies.size())));
    }
  } obs{model, o, evaluate, test_epochs, test_losses, test_accuracies, train_accuracies, print,
        type + "-" + std::to_string(run)};

  if constexpr (requires { model.set_sigma_v(1.0); }) model.set_sigma_v(sigma_v_of_epoch(o, 0));
  const fs::path checkpoint = dir / "checkpoint.ckpt";  // removed once the network's files are written
  const sk::epoch_result fitted =
      sk::fit(model, std::span<const sk::sequence_sample>(d.train), opt,
              sk::epoch_options{.epochs = o.epochs,
                                .batch = o.batch,
                                .shuffle = true,
                                .loss = loss,
                                .seed = s,
                                .checkpoint = checkpoint,
                                .checkpoint_every = o.checkpoint_every,
                                .resume = o.resume && fs::exists(checkpoint) ? checkpoint : fs::path{}},
              obs);

  run_result r;
  r.type = type;
  r.run = run;
  r.seed = s.value;
  r.hidden = int(model.size());
  r.trainable = trainable_count(model.layout());
  r.seconds = fitted.seconds;
  r.test_loss = test_losses.back();
  r.test_accuracy = test_accuracies.back();

  // The network's outputs on the test set, one trial at a time as the original's test loop.
  std::vector<sk::matrix<float>> outputs;
  if (d.sine) {
    typename Model::tape tp;
    for (std::size_t i = 0; i < d.test.size(); ++i) {
      model.forward(std::span<const sk::matrix<double>>(&d.test[i].u, 1), tp);
      outputs.push_back(tp.o);
      r.sine_sum += d.sine->mse(int(i), tp.o.template cast<double>());
    }
  }

  // Files: parameters, curves, run description, figures.
  {
    sk::programs::param_sink sink{sk::io::mat_writer(dir / "params.mat"), dir / "npy"};
    put_parameters(sink, model, "");
    put_parameters(sink, initial, "_init");
    sink.put("train_loss", fitted.losses);
    sink.put("test_epochs", test_epochs);
    sink.put("test_loss", test_losses);
    if (d.classify) {
      sink.put("train_accuracy", train_accuracies);
      sink.put("test_accuracy", test_accuracies);
    }
    for (std::size_t i = 0; i < outputs.size(); ++i) sink.put("output_" + std::to_string(i + 1), outputs[i]);
    sink.mat.write_string("type", type);
    sink.mat.write_string("task", o.task);
    sink.mat.write_int("version", o.version);
    sink.mat.write_int("hidden_size", r.hidden);
    sink.mat.write_int("seed", std::int64_t(r.seed));
    sink.mat.commit();
  }
  std::ostringstream js;
  js << "{\n  \"type\": " << json_string(type) << ",\n  \"task\": " << json_string(o.task)
     << ",\n  \"version\": " << o.version << ",\n  \"run\": " << run << ",\n  \"seed\": " << r.seed
     << ",\n  \"hidden_size\": " << r.hidden << ",\n  \"trainable_parameters\": " << r.trainable
     << ",\n  \"delay_steps\": " << (type == "LSTM" ? 0 : delay_steps(type, o)) << ",\n  \"epochs\": " << o.epochs
     << ",\n  \"batch\": " << o.batch << ",\n  \"lr\": " << o.lr << ",\n  \"sigma_v\": " << o.sigma_v
     << ",\n  \"anneal\": " << (o.anneal ? "true" : "false") << ",\n  \"data\": " << json_string(d.description)
     << ",\n  \"test_loss\": " << r.test_loss;
  if (d.classify) js << ",\n  \"test_accuracy\": " << r.test_accuracy;
  if (d.sine) js << ",\n  \"test_loss_sum_of_pattern_mses\": " << r.sine_sum;
  js << ",\n  \"train_seconds\": " << r.seconds << "\n}\n";
  sk::io::write_text_atomically(dir / "run.json", js.str());
  fs::remove(checkpoint);

  std::vector<double> epochs(fitted.losses.size());
  for (std::size_t e = 0; e < epochs.size(); ++e) epochs[e] = double(e + 1);
  sk::io::figure lf{type + " run " + std::to_string(run) + ": loss", "epoch", "loss",
                    {{"training (epoch mean)", epochs, fitted.losses}, {"test", test_epochs, test_losses, "linespoints pt 7 ps 0.5"}}};
  lf.log_y = true;
  if (d.classify) {
    std::vector<double> test_acc_e = test_epochs;
    sk::io::figure af{type + " run " + std::to_string(run) + ": accuracy", "epoch", "accuracy",
                      {{"training", epochs, train_accuracies}, {"test", test_acc_e, test_accuracies, "linespoints pt 7"}}};
    sk::io::plot_panels(dir / "loss", {lf, af}, 2, type + " on " + o.task, 1200, 450);
  } else {
    sk::io::plot(dir / "loss", lf);
  }
  if (d.sine) {
    sk::io::figure of{type + " run " + std::to_string(run) + ": outputs (solid) and targets (dashed)", "time (ms)",
                      "output", {}};
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      std::vector<double> t, y, z;
      for (int k = 0; k < d.sine->n_steps(); ++k) {
        t.push_back(d.sine->time(k));
        y.push_back(outputs[i](0, k));
        z.push_back(d.sine->target(int(i))(0, k));
      }
      const std::string lc = " lc " + std::to_string(i + 1);
      char f[32];
      std::snprintf(f, sizeof f, "%.3f kHz", d.sine->frequency(int(i)));
      of.lines.push_back({std::string("output ") + f, t, y, "lines lw 2" + lc});
      of.lines.push_back({std::string("target ") + f, t, z, "lines dt 2" + lc});
    }
    sk::io::plot(dir / "outputs", of);
  }
  if constexpr (std::is_same_v<Model, sk::glifr_network<float>>)
    plot_distributions(dir / "params", type + " run " + std::to_string(run) + ": intrinsic parameters before and after training",
                       initial.physical(), model.physical());
  return r;
}

// ---- the table -----------------------------------------------------------------------------

std::string mean_std(const std::vector<double>& v, int digits) {
  double m = 0, s = 0;
  for (double x : v) m += x;
  m /= double(v.size());
  for (double x : v) s += (x - m) * (x - m);
  s = std::sqrt(s / double(v.size()));  // population std, as the paper's std(x, 1)
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f ± %.*f", digits, m, digits, s);
  return buf;
}

void write_results(const fs::path& out, const options& o, const dataset& d, const std::vector<run_result>& rs,
                   const std::vector<std::string>& types, double wall) {
  std::ostringstream csv;
  csv << "type,run,seed,hidden_size,trainable_parameters,test_loss,test_accuracy,sine_sum_of_mses,train_seconds\n";
  for (const auto& r : rs)
    csv << r.type << ',' << r.run << ',' << r.seed << ',' << r.hidden << ',' << r.trainable << ',' << r.test_loss << ','
        << r.test_accuracy << ',' << r.sine_sum << ',' << r.seconds << '\n';
  sk::io::write_text_atomically(out / "results.csv", csv.str());

  const bool sine = bool(d.sine);
  std::ostringstream md;
  md << "# " << (sine ? "Sinusoid pattern generation" : (o.task == "pmnist" ? "Pixel-by-pixel MNIST" : "Line-by-line MNIST"))
     << ", GLIFR paper settings v" << o.version << "\n\n"
     << o.runs << " network(s) per type, seeds " << o.seed << "…" << o.seed + std::uint64_t(o.runs) - 1 << "; "
     << o.epochs << " epochs, batch " << o.batch << ", Adam lr " << o.lr << (o.anneal ? ", σ_V annealed" : "")
     << "; data: " << d.description << ". Mean ± population std over runs. Wall time " << std::lround(wall)
     << " s.\n\n";
  if (sine)
    md << "| type | N | test loss: Σ of 6 MSEs (v2021 metric) | paper v2021 (30 runs) | mean MSE (v2022 metric) | paper v2022 (10 runs) |\n"
          "|---|---|---|---|---|---|\n";
  else
    md << "| type | N | test accuracy | paper (full 60k MNIST) | test loss |\n|---|---|---|---|---|\n";
  for (const auto& t : types) {
    std::vector<double> a, b;
    int n = 0;
    for (const auto& r : rs)
      if (r.type == t) {
        a.push_back(sine ? r.sine_sum : r.test_accuracy);
        b.push_back(r.test_loss);
        n = r.hidden;
      }
    if (a.empty()) continue;
    const paper_row& p = paper.at(t);
    if (sine)
      md << "| " << t << " | " << n << " | " << mean_std(a, 4) << " | " << p.sine_2021 << " | " << mean_std(b, 5)
         << " | " << p.sine_2022 << " |\n";
    else
      md << "| " << t << " | " << n << " | " << mean_std(a, 4) << " | "
         << (o.task == "pmnist" ? p.pmnist_2022 : (o.version == 2021 ? p.smnist_2021 : p.lmnist_2022)) << " | "
         << mean_std(b, 4) << " |\n";
  }
  sk::io::write_text_atomically(out / "results.md", md.str());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Train the GLIFR paper's network types (RNN, LSTM, Hom … RHetA) on its tasks"};
  options o;
  app.add_option("--task", o.task, "sine (pattern generation), lmnist (line by line) or pmnist (pixel by pixel)")
      ->capture_default_str();
  app.add_option("--types", o.types, "Comma-separated types, or 'all': " + [] {
    std::string s;
    for (const auto& t : all_types) s += (s.empty() ? "" : ", ") + t;
    return s;
  }())->capture_default_str();
  app.add_option("--runs", o.runs, "Networks per type (seeds --seed, --seed + 1, …)")->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of the first run")->capture_default_str();
  app.add_option("--version", o.version, "Settings of the 2021 code (seed README) or the 2022 code (paper)")
      ->capture_default_str();
  app.add_option("--threads", o.threads, "Networks trained at once (0: all cores); results do not depend on it")
      ->capture_default_str();
  app.add_option("--epochs", o.epochs, "Epochs (default: the version's for the task)");
  app.add_option("--batch", o.batch, "Batch size (default: the version's)");
  app.add_option("--lr", o.lr, "Adam learning rate (default: the version's)");
  app.add_option("--hidden", o.hidden, "Hidden size for every type (default: the parameter-matched sizes)");
  app.add_option("--delay", o.delay, "Recurrent delay in steps (default: 20 for GLIFR; RNN 1 in v2021)");
  app.add_option("--sigma_v", o.sigma_v, "Sharpness σ_V of the GLIFR rate sigmoid")->capture_default_str();
  app.add_flag("--anneal", o.anneal, "σ_V = 1 for the first half of the epochs, 1e-3 for the second (v2021 anneal as run)");
  app.add_option("--data", o.data, "Folder with MNIST-format IDX files (default data/mnist; "
                                   "/usr/share/datasets/fashion-mnist for Fashion-MNIST)");
  app.add_option("--train_limit", o.train_limit, "Use only the first N training images (0: all)")->capture_default_str();
  app.add_option("--test_limit", o.test_limit, "Use only the first N test images (0: all)")->capture_default_str();
  app.add_option("--eval_every", o.eval_every, "Epochs between test evaluations (default: 50 sine, 1 MNIST)");
  app.add_option("--out", o.out, "Output folder")->capture_default_str();
  app.add_option("--checkpoint_every", o.checkpoint_every,
                 "Updates between checkpoints (DIR/<type>-<run>/checkpoint.ckpt; 0: only on Ctrl-C / kill)")
      ->capture_default_str();
  app.add_flag("--resume", o.resume, "Continue every network from its checkpoint (others start afresh)");
  CLI11_PARSE(app, argc, argv);
  try {
    sk::require(o.task == "sine" || o.task == "lmnist" || o.task == "pmnist", "task", "sine, lmnist or pmnist, got '" + o.task + "'");
    sk::require(o.version == 2021 || o.version == 2022, "version", "2021 or 2022");
    sk::require(o.runs > 0, "runs", "at least one run per type");
    sk::require(o.epochs >= 0 && o.batch >= 0 && o.lr >= 0 && o.hidden >= 0 && o.delay >= 0 && o.eval_every >= 0,
                "epochs/batch/lr/hidden/delay/eval_every", "non-negative values (0: the default)");
    sk::require(o.sigma_v > 0, "sigma_v", "a positive sharpness");
    apply_defaults(o);
    std::vector<std::string> types;
    if (o.types == "all") {
      types = all_types;
    } else {
      std::stringstream ss(o.types);
      for (std::string t; std::getline(ss, t, ',');) {
        sk::require(t == "RNN" || t == "LSTM" || glifr_type(t).has_value(), "types",
                    "RNN, LSTM, Hom, HomA, LHet, LHetA, FHet, FHetA, RHet or RHetA, got '" + t + "'");
        types.push_back(t);
      }
    }
    sk::require(!types.empty(), "types", "at least one network type");
    const dataset d = load_data(o);
    const fs::path out(o.out);
    fs::create_directories(out);
    std::printf("%s, %zu type(s) × %d run(s), %d epochs, batch %d, lr %g, version %d\n", d.description.c_str(),
                types.size(), o.runs, o.epochs, o.batch, o.lr, o.version);

    const long jobs = long(types.size()) * o.runs;
    std::vector<run_result> results(static_cast<std::size_t>(jobs));
    std::mutex print;
    const auto t0 = std::chrono::steady_clock::now();
    const sk::interrupt_guard interrupts;  // Ctrl-C / kill: every network checkpoints, then we stop
    // Runs of one type next to each other, so the first results arrive type by type.
    sk::parallel_for(jobs, o.threads, [&](long k, int) {
      const std::string& type = types[std::size_t(k / o.runs)];
      const int run = int(k % o.runs) + 1;
      const sk::seed s{o.seed + std::uint64_t(run - 1)};
      model_variant model = make_model(type, o, d, s);
      const fs::path dir = out / (type + "-" + std::to_string(run));
      results[std::size_t(k)] = std::visit([&](auto& m) { return train_network(m, type, run, s, o, d, dir, print); }, model);
    });
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    write_results(out, o, d, results, types, wall);
    std::printf("\nwrote %s and %s (%.0f s)\n", (out / "results.md").c_str(), (out / "results.csv").c_str(), wall);
    std::ifstream md(out / "results.md");
    std::cout << md.rdbuf();
  } catch (const sk::training_interrupted& e) {
    std::cerr << "spikernn-glifr: " << e.what() << "\nspikernn-glifr: run the same command with --resume to continue\n";
    return 130;
  } catch (const std::exception& e) {
    std::cerr << "spikernn-glifr: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
