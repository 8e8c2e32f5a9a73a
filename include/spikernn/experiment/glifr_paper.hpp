// The GLIFR paper's protocol (Winston, Stringer et al., Neural Computation 2023;
// glifr_smnn_spec.md part A): its network types (RNN, LSTM and the eight GLIFR types Hom …
// RHetA of A.6), its settings by code version (A.5–A.7), how it sizes and builds each network,
// its training run on the library's engine (shuffled epochs, Adam, a test every few epochs, the
// σ_V anneal), the numbers it reports (A.9) and the tables of a set of runs beside them. No files
// and no command line here: the program spikernn-glifr reads its flags into `settings`, its data
// into `dataset`, and writes what train_network returns (io/glifr_file.hpp has the network's file
// format) and the tables.
//
//   v2021  sine   Adam lr 1e-4, batch 2, 5000 epochs; test = Σ of the 6 patterns' MSEs
//          lmnist Adam lr 1e-3, batch 128, 50 epochs; last-step cross entropy; test accuracy
//          GLIFR delay 20 steps (1 ms), RNN delay 1; sizes matched to a GLIFR's trainable count
//   v2022  sine   batch 6; lmnist batch 256, 30 epochs; pmnist (784 × 1 pixels) batch 512,
//          lr 1e-4, 50 epochs, delay 300 steps; the RNN has the GLIFR's delay; hard-coded sizes
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/records.hpp"
#include "spikernn/core/rng.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/eval/statistics.hpp"
#include "spikernn/io/csv.hpp"
#include "spikernn/network/glifr_network.hpp"
#include "spikernn/network/lstm.hpp"
#include "spikernn/network/vanilla_rnn.hpp"
#include "spikernn/task/sequential_mnist.hpp"
#include "spikernn/task/sine_patterns.hpp"
#include "spikernn/train/adam.hpp"
#include "spikernn/train/checkpoint.hpp"
#include "spikernn/train/epoch_trainer.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace spikernn::glifr_paper {

/// Every network the paper trains. (io/glifr_file.hpp's glifr_model is the same type.)
using paper_network = std::variant<glifr_network<float>, vanilla_rnn<float>, lstm<float>>;

// ---- tasks and types ---------------------------------------------------------------------------

/// The pattern task (A.7: 6 sinusoids), line-by-line MNIST (28 × 28) and pixel-by-pixel MNIST
/// (784 × 1, v2022 only in the paper).
enum class paper_task { sine, lmnist, pmnist };

inline std::string task_name(paper_task t) {
  return t == paper_task::sine ? "sine" : (t == paper_task::lmnist ? "lmnist" : "pmnist");
}

inline paper_task parse_task(const std::string& name) {
  for (paper_task t : {paper_task::sine, paper_task::lmnist, paper_task::pmnist})
    if (task_name(t) == name) return t;
  throw invalid_parameter("task", "sine, lmnist or pmnist, got '" + name + "'");
}

/// The types in the order of the paper's tables.
inline const std::vector<std::string>& type_names() {
  static const std::vector<std::string> names = {"RNN",   "LSTM", "Hom",   "HomA", "LHet",
                                                 "LHetA", "FHet", "FHetA", "RHet", "RHetA"};
  return names;
}

/// The GLIFR variant a type name stands for; none for RNN, LSTM and unknown names.
inline std::optional<glifr_variant> glifr_type(std::string_view name) {
  for (int k = 0; k < 8; ++k)
    if (glifr_variant_name(glifr_variant(k)) == name) return glifr_variant(k);
  return std::nullopt;
}

inline bool is_type(std::string_view name) { return name == "RNN" || name == "LSTM" || glifr_type(name).has_value(); }

/// "all", or a comma-separated list of type names; refuses an unknown name and an empty list.
inline std::vector<std::string> parse_types(const std::string& list) {
  if (list == "all") return type_names();
  std::vector<std::string> types;
  std::stringstream ss(list);
  for (std::string t; std::getline(ss, t, ',');) {
    require(is_type(t), "types", "RNN, LSTM, Hom, HomA, LHet, LHetA, FHet, FHetA, RHet or RHetA, got '" + t + "'");
    types.push_back(t);
  }
  require(!types.empty(), "types", "at least one network type");
  return types;
}

// ---- settings ----------------------------------------------------------------------------------

/// A run's settings; 0 means "the version's value" (with_defaults fills them in).
struct settings {
  paper_task task = paper_task::sine;
  int version = 2021;  ///< 2021 (the seed README's code) or 2022 (the paper's)
  int epochs = 0, batch = 0;
  double lr = 0;         ///< Adam (PyTorch form) learning rate
  int eval_every = 0;    ///< epochs between test evaluations (the last epoch is always tested)
  int hidden = 0;        ///< one hidden size for every type (0: the parameter-matched sizes)
  int delay = 0;         ///< recurrent delay in steps for every type but LSTM (0: the paper's)
  double sigma_v = 1.0;  ///< sharpness σ_V of the GLIFR rate sigmoid
  bool anneal = false;   ///< the v2021 σ_V anneal as it ran (sigma_v_of_epoch)

  void validate() const {
    require(version == 2021 || version == 2022, "paper_version", "2021 or 2022");
    require(epochs >= 0, "epochs", "a non-negative number of epochs (0: the version's)");
    require(batch >= 0, "batch", "a non-negative batch size (0: the version's)");
    require(lr >= 0 && std::isfinite(lr), "lr", "a non-negative learning rate (0: the version's)");
    require(hidden >= 0, "hidden", "a non-negative hidden size (0: the parameter-matched sizes)");
    require(delay >= 0, "delay", "a non-negative delay in steps (0: the paper's)");
    require(eval_every >= 0, "eval_every", "a non-negative number of epochs (0: the version's)");
    require(sigma_v > 0, "sigma_v", "a positive sharpness");
  }
};

/// `s` with the version's defaults (A.5, A.7) where it holds 0.
inline settings with_defaults(settings s) {
  s.validate();
  const bool sine = s.task == paper_task::sine, v21 = s.version == 2021, pixels = s.task == paper_task::pmnist;
  if (s.epochs == 0) s.epochs = sine ? 5000 : (v21 ? 50 : (pixels ? 50 : 30));
  if (s.batch == 0) s.batch = sine ? (v21 ? 2 : 6) : (v21 ? 128 : (pixels ? 512 : 256));
  if (s.lr == 0) s.lr = sine ? 1e-4 : (pixels ? 1e-4 : 1e-3);
  if (s.eval_every == 0) s.eval_every = sine ? 50 : 1;
  return s;
}

/// The hidden size of a type: v2021 matches the trainable count of a GLIFR with learned
/// intrinsics and J = 2 at N = 128 (sine) or 256 (MNIST); v2022 hard-codes its sizes (A.6).
inline int hidden_size(const std::string& type, const settings& s, int n_in, int n_out) {
  require(is_type(type), "type", "a type of the paper (RNN, LSTM, Hom … RHetA), got '" + type + "'");
  if (s.hidden > 0) return s.hidden;
  const auto g = glifr_type(type);
  const bool learned = g && glifr_variant_params(*g).learn.any();
  const int j = g ? glifr_variant_params(*g).n_asc : 0;
  const bool sine = s.task == paper_task::sine;
  if (s.version == 2022) {
    if (type == "RNN") return sine ? 128 : 256;
    if (type == "LSTM") return sine ? 63 : (s.task == paper_task::pmnist ? 128 : 122);
    if (!learned) return sine ? 128 : 256;
    return j > 0 ? (sine ? 124 : 252) : (sine ? 127 : 255);
  }
  const long reference = glifr_trainable_count(sine ? 128 : 256, n_in, n_out, 2, true);
  if (type == "RNN") return int(vanilla_rnn_matched_size(reference, n_in, n_out));
  if (type == "LSTM") return int(lstm_matched_size(reference, n_in, n_out));
  return int(glifr_matched_size(reference, n_in, n_out, j, learned));
}

/// The recurrent delay in steps: 1 ms (20 steps of 0.05 ms) for GLIFR in both versions and
/// 15 ms for P-MNIST; the v2021 RNN uses the previous state, the v2022 one the GLIFR's delay.
/// (The LSTM has none; this is what the others would have.)
inline int delay_steps(const std::string& type, const settings& s) {
  if (s.delay > 0) return s.delay;
  const int glifr = glifr_delay_steps(s.task == paper_task::pmnist ? 15.0 : 1.0, 0.05);
  if (type == "RNN") return s.version == 2021 ? 1 : glifr;
  return glifr;
}

/// Network `type` for data of n_in inputs and n_out outputs, drawn from seed `sd`.
inline paper_network make_model(const std::string& type, const settings& s, int n_in, int n_out, seed sd) {
  const int n = hidden_size(type, s, n_in, n_out);
  if (type == "RNN") return vanilla_rnn<float>({n, n_in, n_out, delay_steps(type, s)}, sd);
  if (type == "LSTM") return lstm<float>({n, n_in, n_out}, sd);
  glifr_network_params p;
  p.n = n;
  p.n_inputs = n_in;
  p.n_outputs = n_out;
  p.delay = delay_steps(type, s);
  p.neuron.sigma_v = s.sigma_v;
  return glifr_network<float>(glifr_variant_params(*glifr_type(type), p), sd);
}

/// σ_V of an epoch (0-based). The v2021 anneal was meant to run σ_V = 1e-3 then 1, but indexes
/// its list from the end (A.10): what the paper's annealed run saw is σ_V = 1 for the first half
/// of the epochs and 1e-3 for the second, and that is what `anneal` does.
inline double sigma_v_of_epoch(const settings& s, int epoch) {
  if (!s.anneal) return s.sigma_v;
  return epoch < s.epochs / 2 ? 1.0 : 1e-3;
}

// ---- what the paper reports (A.9) --------------------------------------------------------------

/// One type's row of the paper's tables, as printed there: v2021 mean ± population std over 30
/// runs, v2022 mean (sample std) over 10; "—" where the paper has no number.
struct paper_row {
  const char *sine_2021, *smnist_2021, *sine_2022, *lmnist_2022, *pmnist_2022;

  /// The MNIST accuracy the paper reports for a task and version.
  const char* mnist(paper_task t, int version) const {
    return t == paper_task::pmnist ? pmnist_2022 : (version == 2021 ? smnist_2021 : lmnist_2022);
  }
};

inline const paper_row& paper_numbers(const std::string& type) {
  static const paper_row rows[] = {
      {"1.574 ± 0.487", "0.9744 ± 0.0024", "0.0561 (0.0833)", "0.9779 (0.0040)", "0.2564 (0.0010)"},
      {"0.0394 ± 0.0412", "0.9883 ± 0.0013", "0.00936 (0.0069)", "0.9866 (0.0009)", "—"},
      {"0.1177 ± 0.0172", "0.9344 ± 0.0033", "0.0348 (0.0068)", "0.9365 (0.0021)", "—"},
      {"0.1170 ± 0.0162", "0.9340 ± 0.0024", "0.0309 (0.0070)", "0.9364 (0.0013)", "—"},
      {"0.0862 ± 0.0136", "0.9357 ± 0.0027", "0.0233 (0.0070)", "0.9378 (0.0023)", "—"},
      {"0.0835 ± 0.0119", "0.9417 ± 0.0036", "0.0227 (0.0047)", "0.9417 (0.0017)", "0.6168 (0.0221)"},
      {"0.2318 ± 0.0662", "0.9379 ± 0.0026", "0.0164 (0.0036)", "0.9372 (0.0016)", "—"},
      {"0.2583 ± 0.0788", "0.9380 ± 0.0029", "0.0166 (0.0032)", "0.9412 (0.0021)", "—"},
      {"0.2078 ± 0.0828", "0.9385 ± 0.0030", "0.0115 (0.0020)", "0.9375 (0.0022)", "—"},
      {"0.1895 ± 0.0553", "0.9458 ± 0.0037", "0.0121 (0.0017)", "0.9481 (0.0013)", "0.6721 (0.0146)"},
  };
  const auto& names = type_names();  // rows in this order
  for (std::size_t k = 0; k < names.size(); ++k)
    if (names[k] == type) return rows[k];
  throw invalid_parameter("type", "a type of the paper (RNN, LSTM, Hom … RHetA), got '" + type + "'");
}

// ---- data --------------------------------------------------------------------------------------

/// What the task supplies: training and test samples and their shape.
struct dataset {
  std::vector<sequence_sample> train, test;
  int n_in = 1, n_out = 1;
  bool classify = false;  ///< last-step cross entropy and accuracy (MNIST), else MSE at every step
  std::string description;
  std::optional<sine_patterns> sine;  ///< the pattern task, for its per-pattern metric and plots
};

/// The pattern task: its 6 sequences are both the training and the test set (the original
/// tests on them one by one).
inline dataset sine_dataset() {
  dataset d;
  d.sine.emplace();
  d.train = d.sine->samples();
  d.test = d.train;
  d.description = "the 6 sinusoids of A.7 (T = 100 steps of 0.05 ms)";
  return d;
}

/// Sequential MNIST from loaded sets, keeping the first `train_limit` / `test_limit` images
/// (0: all); `source` (the folder) goes into the description.
inline dataset mnist_dataset(sequential_mnist train, sequential_mnist test, const std::string& source,
                             long train_limit = 0, long test_limit = 0) {
  if (train_limit > 0 && std::size_t(train_limit) < train.size()) train = train.first(std::size_t(train_limit));
  if (test_limit > 0 && std::size_t(test_limit) < test.size()) test = test.first(std::size_t(test_limit));
  dataset d;
  d.train = train.samples();
  d.test = test.samples();
  d.n_in = train.n_inputs();
  d.n_out = sequential_mnist::n_classes;
  d.classify = true;
  const bool pixels = train.params().sequence == mnist_sequence::pixel_by_pixel;
  d.description = std::to_string(d.train.size()) + " training and " + std::to_string(d.test.size()) +
                  " test images from " + source + ", " +
                  (pixels ? "pixel by pixel (784 × 1)" : "line by line (28 × 28)");
  return d;
}

// ---- one network's training run ----------------------------------------------------------------

/// What one trained network gives: its numbers for the results table and its curves.
struct run_record {
  std::string type;
  int run = 0, hidden = 0;
  int delay = 0;  ///< recurrent delay in steps (0 for the LSTM)
  std::uint64_t seed = 0;
  long trainable = 0;  ///< trainable parameters (frozen intrinsics excluded)
  double test_loss = 0, test_accuracy = -1, seconds = 0;
  double sine_sum = 0;                 ///< v2021 sine metric: Σ over the patterns of each one's MSE
  std::vector<double> train_loss;      ///< per epoch, mean over samples
  std::vector<double> train_accuracy;  ///< per epoch (−1 without classes)
  /// at each test: the epoch, the test loss and accuracy (−1 without classes)
  std::vector<double> test_epochs, test_losses, test_accuracies;
  std::vector<matrix<float>> outputs;  ///< sine: the outputs on each pattern after training
};

/// A test during training: the epoch just trained and the test set's score.
using test_callback = std::function<void(const epoch_progress&, const sequence_score&)>;

/// Where the run checkpoints (see epoch_options), and who hears of each test (e.g. a progress line).
struct run_options {
  std::filesystem::path checkpoint{};
  long checkpoint_every = 0;
  std::filesystem::path resume{};  ///< a checkpoint of this run to continue (empty: start afresh)
  test_callback on_test{};
};

namespace detail {
/// Between epochs: the accuracy curve, the test every eval_every epochs, σ_V of the next epoch;
/// what a resumed run needs is kept in the checkpoint.
template <class Model>
struct glifr_paper_observer {
  Model& model;
  const settings& s;
  std::span<const sequence_sample> test;
  sequence_loss loss;
  run_record& r;
  const test_callback& on_test;

  void on_epoch(const epoch_progress& p) {
    r.train_accuracy.push_back(p.train_accuracy);
    if (p.epoch % s.eval_every == 0 || p.epoch == p.epochs) {
      const sequence_score score = evaluate_sequences(model, test, loss, 256);
      r.test_epochs.push_back(p.epoch);
      r.test_losses.push_back(score.loss);
      r.test_accuracies.push_back(score.accuracy);
      if (on_test) on_test(p, score);
    }
    // σ_V of the next epoch, after this one's test (which uses the σ_V it trained with)
    if constexpr (requires { model.set_sigma_v(1.0); })
      if (p.epoch < p.epochs) model.set_sigma_v(sigma_v_of_epoch(s, p.epoch));
  }
  void save_state(checkpoint_section& ck) const {
    ck.put_curves({{"test_epochs", &r.test_epochs},
                   {"test_losses", &r.test_losses},
                   {"test_accuracies", &r.test_accuracies},
                   {"train_accuracies", &r.train_accuracy}});
  }
  // the curves so far, and σ_V of the epoch the run continues with
  void load_state(const checkpoint_section& ck) {
    ck.get_curves({{"test_epochs", &r.test_epochs},
                   {"test_losses", &r.test_losses},
                   {"test_accuracies", &r.test_accuracies},
                   {"train_accuracies", &r.train_accuracy}});
    if constexpr (requires { model.set_sigma_v(1.0); })
      model.set_sigma_v(sigma_v_of_epoch(s, int(r.train_accuracy.size())));
  }
};
}  // namespace detail

/// The trainable entries of a layout.
inline long trainable_count(const param_layout& layout) {
  long n = 0;
  for (const auto& b : layout)
    if (b.trainable) n += long(b.size);
  return n;
}

/// Trains `model` (made by make_model(type, s, …, sd)) on `d` with settings `s` (with_defaults
/// applied) as the paper does: shuffled epochs of batch s.batch from seed `sd`, Adam (PyTorch
/// form), MSE at every step (sine) or last-step cross entropy (MNIST), the test set scored
/// every s.eval_every epochs and after the last, σ_V by sigma_v_of_epoch; then, for the pattern
/// task, the outputs on each pattern one trial at a time as the original's test loop.
template <sequence_model Model>
run_record train_network(Model& model, const std::string& type, int run, seed sd, const settings& s, const dataset& d,
                         const run_options& ro = {}) {
  require(s.epochs > 0 && s.batch > 0 && s.lr > 0 && s.eval_every > 0, "settings",
          "positive epochs, batch, lr and eval_every (apply with_defaults first)");
  const sequence_loss loss = d.classify ? sequence_loss::cross_entropy_last : sequence_loss::mse;
  adam opt({.lr = s.lr, .form = adam_form::pytorch});
  run_record r;
  detail::glifr_paper_observer<Model> obs{model, s, std::span<const sequence_sample>(d.test), loss, r, ro.on_test};
  if constexpr (requires { model.set_sigma_v(1.0); }) model.set_sigma_v(sigma_v_of_epoch(s, 0));
  const epoch_result fitted = fit(model, std::span<const sequence_sample>(d.train), opt,
                                  epoch_options{.epochs = s.epochs,
                                                .batch = s.batch,
                                                .shuffle = true,
                                                .loss = loss,
                                                .seed = sd,
                                                .checkpoint = ro.checkpoint,
                                                .checkpoint_every = ro.checkpoint_every,
                                                .resume = ro.resume},
                                  obs);
  r.type = type;
  r.run = run;
  r.seed = sd.value;
  r.hidden = int(model.size());
  if constexpr (requires { model.delay(); }) r.delay = int(model.delay());
  r.trainable = trainable_count(model.layout());
  r.seconds = fitted.seconds;
  r.train_loss = fitted.losses;
  r.test_loss = r.test_losses.back();
  r.test_accuracy = r.test_accuracies.back();
  if (d.sine) {
    typename Model::tape tp;
    for (std::size_t i = 0; i < d.test.size(); ++i) {
      model.forward(std::span<const matrix<double>>(&d.test[i].u, 1), tp);
      r.outputs.push_back(tp.o);
      r.sine_sum += d.sine->mse(int(i), tp.o.template cast<double>());
    }
  }
  return r;
}

// ---- the tables of a set of runs ---------------------------------------------------------------

/// One row per network (results.csv), numbers as the shortest text that reads back the same.
inline io::csv_table results_table(const std::vector<run_record>& rs) {
  io::csv_table t{{"type", "run", "seed", "hidden_size", "trainable_parameters", "test_loss", "test_accuracy",
                   "sine_sum_of_mses", "train_seconds"},
                  {}};
  for (const auto& r : rs)
    t.add({r.type, std::to_string(r.run), std::to_string(r.seed), std::to_string(r.hidden), std::to_string(r.trainable),
           io::exact_text(r.test_loss), io::exact_text(r.test_accuracy), io::exact_text(r.sine_sum),
           io::exact_text(r.seconds)});
  return t;
}

/// "mean ± std" with the population std (the paper's std(x, 1)).
inline std::string mean_std(const std::vector<double>& v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f ± %.*f", digits, mean(v), digits, population_sd(v));
  return buf;
}

/// What the results table says about the runs besides their numbers.
struct table_context {
  settings s;    ///< with_defaults applied
  int runs = 1;  ///< networks per type
  std::uint64_t first_seed = 1;
  std::string data;  ///< dataset::description
  double wall_seconds = 0;
};

/// A Markdown table (results.md): per type in `types` order, the hidden size and mean ± std over
/// its runs of the task's metric (sine: Σ of the 6 patterns' MSEs and the mean MSE; MNIST: test
/// accuracy and loss), next to the paper's numbers.
inline std::string results_markdown(const std::vector<run_record>& rs, const std::vector<std::string>& types,
                                    const table_context& c) {
  const settings& s = c.s;
  const bool sine = s.task == paper_task::sine;
  std::ostringstream md;
  md << "# "
     << (sine ? "Sinusoid pattern generation"
              : (s.task == paper_task::pmnist ? "Pixel-by-pixel MNIST" : "Line-by-line MNIST"))
     << ", GLIFR paper settings v" << s.version << "\n\n"
     << c.runs << " network(s) per type, seeds " << c.first_seed << "…" << c.first_seed + std::uint64_t(c.runs) - 1
     << "; " << s.epochs << " epochs, batch " << s.batch << ", Adam lr " << s.lr << (s.anneal ? ", σ_V annealed" : "")
     << "; data: " << c.data << ". Mean ± population std over runs. Wall time " << std::lround(c.wall_seconds)
     << " s.\n\n";
  if (sine)
    md << "| type | N | test loss: Σ of 6 MSEs (v2021 metric) | paper v2021 (30 runs) | mean MSE (v2022 metric) | "
          "paper v2022 (10 runs) |\n"
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
    const paper_row& p = paper_numbers(t);
    if (sine)
      md << "| " << t << " | " << n << " | " << mean_std(a, 4) << " | " << p.sine_2021 << " | " << mean_std(b, 5)
         << " | " << p.sine_2022 << " |\n";
    else
      md << "| " << t << " | " << n << " | " << mean_std(a, 4) << " | " << p.mnist(s.task, s.version) << " | "
         << mean_std(b, 4) << " |\n";
  }
  return md.str();
}

}  // namespace spikernn::glifr_paper
