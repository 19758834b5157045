// `heap-types` (main): every class the module defines is a heap type; GC heap types that can be
// made without arguments are visited by their instances' tp_traverse; exception classes are
// made per module object. HOWTO "Heap Types", "Garbage-Collection Protocol".
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "scenarios/scenario.h"

namespace isocheck::scenarios {

HostVerdict run_heap_types(ScenarioContext& ctx) {
  ImportedSession s = open_and_import(ctx, "heap-types");
  if (!s.import.ok()) return import_not_ok_verdict(s.import, ctx.request.config);
  host::InterpreterSession& interp = *s.session;

  ctx.progress.step("inspect the classes the module defines");
  auto [classes, findings, runtime_classes] = interp.heap_type_findings(s.import.module);
  if (classes == 0 && !runtime_classes.empty()) {
    // The module exposes CPython's own static builtin types (as _contextvars does): the
    // runtime keeps their state per interpreter, and there is nothing of the module's to
    // be static (#13).
    return verdict(Outcome::pass, fmt::format("no classes of its own; {} are CPython's static builtin types, "
                                              "kept per interpreter by the runtime",
                                              fmt::join(runtime_classes, ", ")));
  }
  if (classes == 0) return verdict(Outcome::skip, "the module defines no classes");

  const auto exceptions = interp.exception_classes(s.import.module);
  if (!exceptions.empty()) {
    ctx.progress.step("import a second module object to compare its exception classes");
    interp.forget_target();
    const host::ImportResult again = interp.import_target();
    if (again.ok()) {
      const auto renewed = interp.exception_classes(again.module);
      for (const auto& [path, id] : exceptions) {
        for (const auto& [other_path, other_id] : renewed) {
          if (other_path == path && other_id == id) {
            findings.push_back({"Heap Types", path,
                                "is one class for all module objects (made once, kept in a C global)"});
          }
        }
      }
    }
  }

  HostVerdict v;
  v.metrics["classes"] = classes;
  v.metrics["exception_classes"] = exceptions.size();
  if (findings.empty()) {
    v.outcome = Outcome::pass;
    v.summary = fmt::format("{} class(es), all heap types, GC protocol followed", classes);
    return v;
  }
  std::vector<std::string> parts;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& f : findings) {
    parts.push_back(fmt::format("{} {} (HOWTO: {})", f.path, f.problem, f.howto));
    list.push_back({{"path", f.path}, {"problem", f.problem}, {"howto", f.howto}});
  }
  v.outcome = Outcome::fail;
  v.summary = fmt::format("{}", fmt::join(parts, "; "));
  v.details["findings"] = std::move(list);
  return v;
}

}  // namespace isocheck::scenarios
