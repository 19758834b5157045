// Host-side implementations of the checks of spec/checks.md, one function per check.
// A scenario runs inside one host process, builds and tears down the interpreters it needs
// through host::InterpreterSession, and returns a HostVerdict. Defects of the module are
// verdicts; harness trouble is thrown as host::HostError and becomes an `error` cell.
#pragma once

#include <memory>
#include <string>
#include <vector>
#include <string_view>

#include "protocol/config.h"
#include "protocol/host_protocol.h"
#include "host/interpreter.h"
#include "host/interpreter_session.h"

namespace isocheck::scenarios {

struct CellRequest {
  std::string check;
  Config config = Config::main;
  std::string variant;  // one of the check's catalog variants, or empty
  host::TargetSetup target;
  int cycles = 10;
  std::string python_exe;  // for scenarios that initialise the main interpreter again
};

// Where the scenario is; the last step is what a crash report says it died in.
class Progress {
 public:
  virtual ~Progress() = default;
  virtual void step(std::string_view what) = 0;
  // Explains a crash that may follow; sent before it can happen, since the host may not survive.
  virtual void hint(std::string_view why) = 0;
};

struct ScenarioContext {
  const CellRequest& request;
  host::MainInterpreter& main;
  Progress& progress;
};

using Scenario = HostVerdict (*)(ScenarioContext&);

// The scenario implementing a catalog check, or nullptr.
Scenario find_scenario(std::string_view check);

HostVerdict run_import(ScenarioContext& ctx);
HostVerdict run_reimport(ScenarioContext& ctx);
HostVerdict run_cycles(ScenarioContext& ctx);
HostVerdict run_isolation(ScenarioContext& ctx);
HostVerdict run_teardown(ScenarioContext& ctx);
HostVerdict run_heap_types(ScenarioContext& ctx);
HostVerdict run_reinit(ScenarioContext& ctx);
HostVerdict run_concurrent(ScenarioContext& ctx);
HostVerdict run_leaks(ScenarioContext& ctx);

// --- helpers shared by scenarios -------------------------------------------------------------

// The verdict that ends a cell whose import did not succeed: `unsupported` for CPython's
// refusal ("does not support loading in subinterpreters"), `fail` for anything else.
// A later import in the same process refused (CPython's refusal, or the module's own opt-out
// after it loaded once: HOWTO "Opt-Out: Limiting to One Module Object per Process"): the
// module is honest about what it supports, `unsupported` with its message (#17 item 6).
// `where` says which import, e.g. "interpreter B while A is alive".
HostVerdict refused_later_verdict(const host::ImportResult& result, std::string_view where);
HostVerdict import_not_ok_verdict(const host::ImportResult& result, Config config);

HostVerdict verdict(Outcome outcome, std::string summary);

// Opens an interpreter of the request's config and imports the target into it.
struct ImportedSession {
  std::unique_ptr<host::InterpreterSession> session;
  host::ImportResult import;
};
ImportedSession open_and_import(ScenarioContext& ctx, std::string_view label);

// Objects reachable from two module objects that are the very same object (same id while both
// are alive). `owned_only` drops objects that belong to another module, which two module
// objects of one interpreter may legitimately share; across interpreters nothing may be shared.
struct SharedObject {
  std::string path_a;
  std::string path_b;
  std::string kind;
};
std::vector<SharedObject> shared_objects(const std::vector<host::WalkedObject>& a,
                                         const std::vector<host::WalkedObject>& b, bool owned_only);
// "mod.Thing (type), mod.cache (list) and 3 more"
std::string describe_shared(const std::vector<SharedObject>& shared);
nlohmann::ordered_json shared_details(const std::vector<SharedObject>& shared);
// The HOWTO section that explains why these objects must not be shared.
std::string_view howto_for_shared(const std::vector<SharedObject>& shared);

}  // namespace isocheck::scenarios
