// A rate model as data: everything the original MAT schema stores about a network (weights,
// unit types, time constants, activation), whether it was trained here or by the original
// TensorFlow / PyTorch code. It is what the MAT loader returns, what the LIF conversion reads,
// and it turns back into a trainable rate_rnn of the matching type.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/network/rate_rnn.hpp"

#include <filesystem>
#include <string>
#include <type_traits>
#include <vector>

namespace spikernn {

template <class S>
struct rate_model {
  rate_rnn_params params;
  unit_types<S> types;
  matrix<S> w, w0, w_in;    ///< w and w0 as stored (after relu in files of the original)
  row_vector<S> w_out;
  S b_out = 0;
  vector<S> taus_gaus, taus_gaus0;
  std::string activation = "sigmoid";  ///< "sigmoid", "softplus" or "clipped_relu"
  bool apply_dale = true;
  std::string task;         ///< empty when unknown
  std::filesystem::path file;  ///< where it was loaded from (for messages); empty in memory

  std::string origin() const { return file.empty() ? std::string("rate model") : file.string(); }

  /// Per-unit synaptic decay in steps of the rate model (5 ms each), from taus_gaus (or taus_gaus0).
  vector<double> tau_steps(bool initial = false) const {
    const auto& g = initial ? taus_gaus0 : taus_gaus;
    if (params.taus.size() == 1) return vector<double>::Constant(params.n, params.taus[0]);
    const double lo = params.taus[0], hi = params.taus[1];
    return (sigmoid::apply(g.template cast<double>().array()) * (hi - lo) + lo).matrix();
  }
};

/// The data of a trained network; `initial` are the parameters before training (w0, taus_gaus0).
template <class S, class Act, class Conn>
rate_model<S> to_rate_model(const rate_rnn<S, Act, Conn>& net, const vector<S>* initial = nullptr) {
  rate_model<S> m;
  m.params = net.params();
  m.types = net.types();
  m.w = net.exported_w();
  m.w_in = net.w_in();
  m.w_out = net.w_out();
  m.b_out = net.b_out();
  m.taus_gaus = net.taus_gaus();
  m.activation = std::string(Act::name);
  m.apply_dale = Conn::applies_dale;
  if (initial) {
    const auto& layout = net.layout();
    Conn::exported(Eigen::Map<const matrix<S>>(initial->data() + layout[0].offset, net.size(), net.size()), m.w0);
    m.taus_gaus0 = initial->segment(layout[3].offset, net.size());
  } else {
    m.w0 = m.w;
    m.taus_gaus0 = m.taus_gaus;
  }
  return m;
}

/// Builds the network type the caller names; the model's activation and Dale setting must agree.
template <class S, class Act, class Conn>
rate_rnn<S, Act, Conn> to_rate_rnn(const rate_model<S>& m) {
  if (m.activation != Act::name)
    throw file_error(m.origin(), "variable 'activation': the model uses '" + m.activation + "', the network type '" +
                                     std::string(Act::name) + "'");
  if (m.apply_dale != Conn::applies_dale)
    throw file_error(m.origin(), std::string("the model is ") + (m.apply_dale ? "a Dale" : "a no-Dale") +
                                     " network, the network type is not");
  return rate_rnn<S, Act, Conn>(m.params, m.types, m.w, m.w_in, m.w_out, m.b_out, m.taus_gaus);
}

/// Calls f(net) with the rate_rnn type the model's activation and Dale setting name — the
/// run-time choice made once at a program's edge, never inside a loop.
template <class S, class F>
decltype(auto) visit_rate_rnn(const rate_model<S>& m, F&& f) {
  const auto as = [&]<class Act>() -> decltype(auto) {
    return m.apply_dale ? f(to_rate_rnn<S, Act, dale>(m)) : f(to_rate_rnn<S, Act, no_dale>(m));
  };
  if (m.activation == sigmoid::name) return as.template operator()<sigmoid>();
  if (m.activation == softplus::name) return as.template operator()<softplus>();
  if (m.activation == clipped_relu::name) return as.template operator()<clipped_relu>();
  throw file_error(m.origin(), "variable 'activation': expected sigmoid, softplus or clipped_relu, found '" +
                                   m.activation + "'");
}

/// The rate network's outputs o_1 … o_{T−1} on one trial (noise from `g`).
template <class S>
vector<double> rate_outputs(const rate_model<S>& m, const trial& tr, rng g) {
  return visit_rate_rnn(m, [&](const auto& net) {
    using net_t = std::decay_t<decltype(net)>;
    typename net_t::tape tp;
    std::vector<const trial*> trials{&tr};
    std::vector<rng> noise{g};
    net.forward(trials, noise, tp);
    return vector<double>(tp.o.row(0).transpose().template cast<double>());
  });
}

}  // namespace spikernn
