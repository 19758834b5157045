#include <fmt/format.h>

#include <unordered_map>

#include "scenarios/scenario.h"

namespace isocheck::scenarios {

HostVerdict verdict(Outcome outcome, std::string summary) {
  HostVerdict v;
  v.outcome = outcome;
  v.summary = std::move(summary);
  return v;
}

HostVerdict import_not_ok_verdict(const host::ImportResult& result, Config config) {
  if (result.status == host::ImportResult::Status::refused) {
    HostVerdict v = verdict(Outcome::unsupported, "refused: " + result.message);
    v.details["refusal"] = result.message;
    if (!result.refused_by_dependency.empty()) v.details["refused_by_dependency"] = result.refused_by_dependency;
    return v;
  }
  HostVerdict v = verdict(Outcome::fail, fmt::format("import raised {}", result.message));
  v.details["config"] = std::string(to_string(config));
  v.details["python_traceback"] = result.traceback;
  return v;
}

HostVerdict refused_later_verdict(const host::ImportResult& result, std::string_view where) {
  HostVerdict v = verdict(Outcome::unsupported, fmt::format("refused in {}: {}", where, result.message));
  v.details["refusal"] = result.message;
  return v;
}

ImportedSession open_and_import(ScenarioContext& ctx, std::string_view label) {
  ImportedSession s;
  ctx.progress.step(fmt::format("{}: create {} interpreter", label, to_string(ctx.request.config)));
  s.session = std::make_unique<host::InterpreterSession>(ctx.request.config, ctx.main,
                                                         ctx.request.target);
  ctx.progress.step(fmt::format("{}: import {}", label, ctx.request.target.module.name));
  s.import = s.session->import_target();
#if PY_VERSION_HEX < 0x030D0000
  // 3.12 runs a single-phase PyInit_* inside the first subinterpreter that imports it; the
  // objects it makes (and m_copy hands to every later import) die with that interpreter.
  // 3.13 runs it in the main interpreter first (spec/primer.md). Say so before any crash.
  // A refusal does not help: the refusing interpreter has already run PyInit_*.
  static bool hinted = false;
  if (!hinted && ctx.request.config != Config::main &&
      // Only when the module under test is the single-phase one: a dependency's refusal says
      // nothing about it (#17 item 7).
      ((s.import.status == host::ImportResult::Status::refused && s.import.refused_by_dependency.empty()) ||
       (s.import.ok() && s.session->is_single_phase(s.import.module)))) {
    hinted = true;
    ctx.progress.hint("single-phase init on CPython 3.12: PyInit_* ran in a subinterpreter, so its "
                      "objects die with that interpreter while others still use them; "
                      "HOWTO: Surprising Edge Cases");
  }
#endif
  return s;
}

std::vector<SharedObject> shared_objects(const std::vector<host::WalkedObject>& a,
                                         const std::vector<host::WalkedObject>& b, bool owned_only) {
  std::unordered_map<std::uintptr_t, const host::WalkedObject*> by_id;
  for (const host::WalkedObject& o : a) by_id.emplace(o.id, &o);
  std::vector<SharedObject> shared;
  for (const host::WalkedObject& o : b) {
    auto it = by_id.find(o.id);
    if (it == by_id.end()) continue;
    if (owned_only && !(o.owned && it->second->owned)) continue;
    shared.push_back({it->second->path, o.path, o.kind});
  }
  return shared;
}

std::string describe_shared(const std::vector<SharedObject>& shared) {
  constexpr size_t kNamed = 3;
  std::string text;
  for (size_t i = 0; i < shared.size() && i < kNamed; ++i) {
    if (i > 0) text += ", ";
    text += fmt::format("{} ({})", shared[i].path_a, shared[i].kind);
  }
  if (shared.size() > kNamed) text += fmt::format(" and {} more", shared.size() - kNamed);
  return text;
}

nlohmann::ordered_json shared_details(const std::vector<SharedObject>& shared) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const SharedObject& s : shared) {
    list.push_back({{"path", s.path_a}, {"path_other", s.path_b}, {"kind", s.kind}});
  }
  return list;
}

std::string_view howto_for_shared(const std::vector<SharedObject>& shared) {
  for (const SharedObject& s : shared) {
    if (s.kind == "type") return "Heap Types";
  }
  return "Managing Global State";
}

Scenario find_scenario(std::string_view check) {
  struct Entry {
    std::string_view id;
    Scenario run;
  };
  static constexpr Entry kScenarios[] = {
      {"import", run_import},       {"reimport", run_reimport}, {"cycles", run_cycles},
      {"isolation", run_isolation}, {"teardown", run_teardown}, {"heap-types", run_heap_types},
      {"reinit", run_reinit},       {"concurrent", run_concurrent}, {"leaks", run_leaks},
  };
  for (const Entry& e : kScenarios) {
    if (e.id == check) return e.run;
  }
  return nullptr;
}

}  // namespace isocheck::scenarios
