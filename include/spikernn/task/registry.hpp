// Tasks by name at a program's edge: a std::variant of the shipped tasks, chosen once, then
// used through std::visit — never a virtual call inside a loop. Accepts the original's names
// (go-nogo, xor, mante) and the PyTorch port's (go_nogo); the port's different Mante task is
// mante_port (also mante-port), never plain "mante", which is the original's task.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/task/go_nogo.hpp"
#include "spikernn/task/mante.hpp"
#include "spikernn/task/mante_port.hpp"
#include "spikernn/task/xor.hpp"

#include <string>
#include <utility>
#include <variant>

namespace spikernn {

using any_task = std::variant<go_nogo, xor_task, mante, mante_port>;

/// The canonical name of a task name as users write it ("go_nogo", "Go-NoGo" → "go-nogo"), or ""
/// if unknown. Case does not matter, as in the original's main.py (it lowercases --task).
inline std::string canonical_task_name(std::string name) {
  for (char& c : name) c = (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
  if (name == "go-nogo" || name == "go_nogo" || name == "gonogo") return "go-nogo";
  if (name == "xor") return "xor";
  if (name == "mante") return "mante";
  if (name == "mante_port" || name == "mante-port") return "mante_port";
  return "";
}

/// The task with the original's settings for a name (mante_port: the port's training settings).
inline any_task make_task(const std::string& name) {
  const std::string c = canonical_task_name(name);
  if (c == "go-nogo") return go_nogo{};
  if (c == "xor") return xor_task{};
  if (c == "mante") return mante{};
  if (c == "mante_port") return mante_port{};
  throw invalid_parameter(
      "task", "go-nogo, xor, mante or mante_port (go_nogo and mante-port also accepted), got '" + name + "'");
}

}  // namespace spikernn
