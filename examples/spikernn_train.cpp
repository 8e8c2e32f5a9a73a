// spikernn-train: trains a rate RNN with the command line of the original rate/main.py
// (spec §3.3) plus --seed and --batch, and saves it where and how the original does (§3.4, §3.5).
//
//   spikernn-train --task go-nogo --N 200 --act sigmoid --decay_taus 4 20 --apply_dale true
//                  --som_N 0 --loss_fn l2 --n_trials 6000 --seed 1 --output_dir .
#include <spikernn/io/mat_model.hpp>
#include <spikernn/spikernn.hpp>
#include <spikernn/task/registry.hpp>

#include <CLI/CLI.hpp>

#include "command_line.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

namespace sk = spikernn;
namespace fs = std::filesystem;

namespace {

struct options {
  int n = 200;
  double gain = 1.5, p_inh = 0.2, p_rec = 0.2, noise_sd = sk::rate_rnn_params{}.noise_sd;
  int som_n = 0;
  std::string apply_dale = "true";
  std::string task = "go-nogo";
  std::string act = "sigmoid";
  std::string loss = "l2";
  std::vector<double> decay_taus{4, 20};
  long n_trials = 6000;
  std::string output_dir = ".";
  std::uint64_t seed = 1;
  int batch = 1;
  long checkpoint_every = 0;
  std::string resume;
  std::string mode = "train";
  std::string weight_init = "gaus";
  bool quiet = false;
};

/// The original's str2bool: yes/true/t/y/1 and no/false/f/n/0, any case.
bool parse_bool(std::string s, const std::string& flag) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (s == "yes" || s == "true" || s == "t" || s == "y" || s == "1") return true;
  if (s == "no" || s == "false" || s == "f" || s == "n" || s == "0") return false;
  throw sk::invalid_parameter(flag, "a boolean (true/false, yes/no, 1/0), got '" + s + "'");
}

/// Python's str(float): the shortest round-trip form, with ".0" on whole numbers (4 -> "4.0").
std::string python_float(double v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, end);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

std::string join_floats(const std::vector<double>& v) {
  std::string s;
  for (double x : v) s += (s.empty() ? "" : " ") + python_float(x);
  return s;
}

/// <output_dir>/models/<task>/[NoDale/]P_rec_<p>_Taus_<min>_<max>/
///   Task_<task>_N_<N>_Taus_..._Act_<act>_seed_<seed>_<date>[_<k>].mat
/// The original's name with the seed added; `attempt` k > 1 appends _k, for a name that is taken.
fs::path model_path(const options& o, bool dale, const std::string& date, int attempt) {
  std::string taus_dir;
  if (o.decay_taus.size() == 2) {
    taus_dir = "Taus_" + python_float(o.decay_taus[0]) + "_" + python_float(o.decay_taus[1]);
  } else {
    taus_dir = "Tau_" + python_float(o.decay_taus[0]);
  }
  fs::path dir = fs::path(o.output_dir) / "models" / o.task;
  if (!dale) dir /= "NoDale";
  dir /= "P_rec_" + python_float(o.p_rec) + "_" + taus_dir;
  return dir / ("Task_" + o.task + "_N_" + std::to_string(o.n) + "_" + taus_dir + "_Act_" + o.act + "_seed_" +
                std::to_string(o.seed) + "_" + date + (attempt > 1 ? "_" + std::to_string(attempt) : "") + ".mat");
}

/// The time of the run, as the original writes it into the file name.
std::string run_date() {
  const std::time_t now = std::time(nullptr);
  char date[32];
  std::strftime(date, sizeof date, "%Y_%m_%d_%H%M%S", std::localtime(&now));
  return date;
}

/// Saves the model under the first free name: a model never replaces a file of another run
/// (two runs started in the same second with the same seed get _2, _3, …). Returns the path.
template <class Net, class Fit>
fs::path save_new_model(const options& o, bool dale, const std::string& date, const Net& net, const Fit& fit,
                        const sk::io::model_info& info) {
  for (int attempt = 1;; ++attempt) {
    const fs::path path = model_path(o, dale, date, attempt);
    if (fs::exists(path)) continue;
    try {
      sk::io::save_rate_model(path, net, fit, info, sk::io::on_existing::refuse);
      return path;
    } catch (const sk::file_error&) {
      if (!fs::exists(path) || attempt >= 1000) throw;  // not a name taken meanwhile: a real failure
    }
  }
}

template <class Act, class Conn, class Task>
int run(const options& o, const Task& task) {
  const auto loss = sk::parse_loss(o.loss);  // refused before anything is made or printed
  if (!o.resume.empty() && !fs::is_regular_file(o.resume)) throw sk::file_error(o.resume, "no such checkpoint file");
  const sk::rate_rnn_params params{.n = o.n,
                                   .p_inh = o.p_inh,
                                   .p_rec = o.p_rec,
                                   .gain = o.gain,
                                   .som_n = o.som_n,
                                   .init = o.weight_init == "gamma" ? sk::weight_init::gamma : sk::weight_init::gaussian,
                                   .taus = o.decay_taus,
                                   .n_inputs = task.n_inputs(),
                                   .noise_sd = o.noise_sd};
  sk::rate_rnn<float, Act, Conn> net(params, sk::seed{o.seed});
  const std::string date = run_date();
  const fs::path first_choice = model_path(o, Conn::applies_dale, date, 1);
  fs::create_directories(first_choice.parent_path());  // before training: a bad path fails at once
  if (!o.quiet)
    std::cerr << "training " << o.task << ": N=" << o.n << " (" << net.types().n_exc() << " E / "
              << net.types().n_inh() << " I), " << Act::name << ", taus " << join_floats(o.decay_taus)
              << ", seed " << o.seed << "\n";
  const auto stop = sk::kim2019_stop(task);
  // Checkpoints sit beside the model (…/<model>.ckpt) until it is saved; a resumed run keeps
  // writing to the checkpoint it continues.
  fs::path checkpoint = first_choice;
  checkpoint.replace_extension(".ckpt");
  if (!o.resume.empty()) checkpoint = o.resume;
  const sk::train_options topts{.n_trials = o.n_trials,
                                .batch = o.batch,
                                .loss = loss,
                                .seed = sk::seed{o.seed},
                                .checkpoint = checkpoint,
                                .checkpoint_every = o.checkpoint_every / o.batch,
                                .resume = o.resume};
  sk::train_result<float> fit;
  try {
    const sk::interrupt_guard interrupts;  // Ctrl-C / kill: checkpoint, then stop
    if (o.quiet) fit = sk::train(net, task, sk::adam{}, stop, topts);
    else fit = sk::train(net, task, sk::adam{}, stop, topts, sk::progress{});
  } catch (const sk::training_interrupted& e) {
    std::cerr << "\nspikernn-train: " << e.what() << "\nspikernn-train: continue with the same flags and --resume "
              << e.checkpoint_file << "\n";
    return 130;
  }
  const fs::path path = save_new_model(o, Conn::applies_dale, date, net, fit, {.task = o.task, .loss = topts.loss, .seed = o.seed});
  fs::remove(checkpoint);  // the model is complete
  std::cout << path.string() << "\n";
  if (!o.quiet)
    std::cerr << (fit.success ? "criterion met after " + std::to_string(fit.trials_to_criterion) + " trials"
                              : "criterion not met within " + std::to_string(o.n_trials) + " trials")
              << "; eval accuracy " << fit.last_eval.perf_mean << ", eval loss " << fit.last_eval.loss_mean << ", "
              << fit.seconds << " s\n";
  return 0;
}

template <class Task>
int dispatch(options o, const Task& task) {
  // the original lowercases --act (and --task, --loss_fn)
  std::transform(o.act.begin(), o.act.end(), o.act.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  const bool dale = parse_bool(o.apply_dale, "apply_dale");
  if (o.act == "sigmoid") return dale ? run<sk::sigmoid, sk::dale>(o, task) : run<sk::sigmoid, sk::no_dale>(o, task);
  if (o.act == "softplus") return dale ? run<sk::softplus, sk::dale>(o, task) : run<sk::softplus, sk::no_dale>(o, task);
  if (o.act == "clipped_relu")
    return dale ? run<sk::clipped_relu, sk::dale>(o, task) : run<sk::clipped_relu, sk::no_dale>(o, task);
  throw sk::invalid_parameter("act", "sigmoid, softplus or clipped_relu, got '" + o.act + "'");
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{"Train a rate RNN that obeys Dale's principle (Kim, Li & Sejnowski 2019) and save it as a MAT file.",
               "spikernn-train"};
  app.add_option("--N", o.n, "Number of units")->capture_default_str();
  app.add_option("--gain", o.gain, "Gain of the initial recurrent weights")->capture_default_str();
  app.add_option("--P_inh", o.p_inh, "Probability that a unit is inhibitory")->capture_default_str();
  app.add_option("--P_rec", o.p_rec, "Connection probability")->capture_default_str();
  app.add_option("--som_N", o.som_n, "Number of somatostatin (SOM) units")->capture_default_str();
  app.add_option("--apply_dale", o.apply_dale, "Apply Dale's principle (true/false)")->capture_default_str();
  app.add_option("--task", o.task, "Task: go-nogo (also go_nogo), xor, mante, mante_port")->capture_default_str();
  app.add_option("--act", o.act, "Activation: sigmoid, softplus, clipped_relu")->capture_default_str();
  app.add_option("--loss_fn", o.loss, "Loss: l1 or l2 (case-insensitive)")->capture_default_str();
  app.add_option("--decay_taus", o.decay_taus, "Synaptic decay in steps of 5 ms: one value (fixed) or min max (trained)")
      ->expected(1, 2)
      ->capture_default_str();
  app.add_option("--noise_sd", o.noise_sd,
                 "SD of the noise added to every unit at every step (the original: 0.1); more noise makes networks that "
                 "convert to spikes more reliably (docs/kim2019.md)")
      ->capture_default_str();
  app.add_option("--n_trials", o.n_trials, "Maximum number of training trials")->capture_default_str();
  app.add_option("--output_dir,--out", o.output_dir, "The model goes under <output_dir>/models/<task>/… (--out: the same)")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of every random draw (network, trials, noise)")
      ->check(sk::programs::non_negative_integer)
      ->capture_default_str();
  app.add_option("--batch", o.batch, "Trials per gradient step (1 = the original)")->capture_default_str();
  app.add_option("--mode", o.mode, "Only 'train' (the original's eval mode has no code path)")->capture_default_str();
  app.add_option("--w_dist", o.weight_init, "Initial weights: gaus or gamma")->capture_default_str();
  app.add_flag("--quiet", o.quiet, "No progress output");
  app.add_option("--checkpoint_every", o.checkpoint_every,
                 "Trials between checkpoints (<model>.ckpt beside the model; 0: only on Ctrl-C / kill)")
      ->capture_default_str();
  app.add_option("--resume", o.resume, "Continue the run saved in this checkpoint (give the run's other flags again)");
  std::string gpu;
  double gpu_frac = 0;
  app.add_option("--gpu", gpu, "Accepted for compatibility with rate/main.py; training runs on the CPU");
  app.add_option("--gpu_frac", gpu_frac, "Accepted for compatibility with rate/main.py; ignored")
      ->check(CLI::Range(0.0, 1.0));
  if (const auto rc = sk::programs::parse_command_line(app, argc, argv)) return *rc;
  return sk::programs::run_guarded(app, [&] {
    std::string mode = o.mode;
    std::transform(mode.begin(), mode.end(), mode.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    sk::require(mode == "train", "mode", "'train', got '" + o.mode + "'");
    sk::require(o.weight_init == "gaus" || o.weight_init == "gamma", "w_dist", "gaus or gamma, got '" + o.weight_init + "'");
    sk::require(o.decay_taus.size() == 1 || o.decay_taus.size() == 2, "decay_taus", "one or two values");
    sk::rate_rnn_params{.n = o.n, .p_inh = o.p_inh, .p_rec = o.p_rec, .gain = o.gain, .som_n = o.som_n, .taus = o.decay_taus}
        .validate();
    sk::train_options{.n_trials = o.n_trials, .batch = o.batch}.validate();
    // weights, their gradient and Adam's moments, masks, the initial copy: about a dozen N × N
    sk::programs::require_memory(12.0 * 4 * double(o.n) * double(o.n), "N", "a network of " + std::to_string(o.n) + " units");
    sk::programs::require_memory(16.0 * double(o.n_trials), "n_trials", std::to_string(o.n_trials) + " trials' records");
    sk::require(o.checkpoint_every >= 0 && o.checkpoint_every % o.batch == 0, "checkpoint_every",
                "a non-negative multiple of --batch (trials), got " + std::to_string(o.checkpoint_every));
    const sk::any_task task = sk::make_task(o.task);
    o.task = sk::canonical_task_name(o.task);
    return std::visit([&](const auto& tk) { return dispatch(o, tk); }, task);
  });
}
