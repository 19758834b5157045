#include "supervisor/classify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <string>

namespace isocheck {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

HostVerdict make_verdict(Outcome outcome, std::string summary) {
  HostVerdict v;
  v.outcome = outcome;
  v.summary = std::move(summary);
  return v;
}

constexpr const char* kSecret = "0123456789abcdef0123456789abcdef";

// What a real host sends: `messages` framed with the run's secret.
HostRun started_run(std::string messages = "") {
  HostRun run;
  run.started = true;
  run.secret = kSecret;
  run.protocol = frame_records(kSecret, messages);
  return run;
}

TEST(SignalName, NamesCommonSignalsWithTheirSigPrefix) {
  EXPECT_EQ(signal_name(SIGSEGV), "SIGSEGV");
  EXPECT_EQ(signal_name(SIGABRT), "SIGABRT");
  EXPECT_EQ(signal_name(SIGKILL), "SIGKILL");
  EXPECT_EQ(signal_name(SIGBUS), "SIGBUS");
}

TEST(SignalName, UnnamedNumberIsSpelledOut) { EXPECT_EQ(signal_name(99), "signal 99"); }

TEST(Classify, HostThatCouldNotStartIsAnErrorWithTheReason) {
  HostRun run;
  run.started = false;
  run.start_error = "No such file or directory";
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.outcome, Outcome::error);
  EXPECT_THAT(v.summary, HasSubstr("No such file or directory"));
}

TEST(Classify, TimedOutIsTimeoutEvenThoughTheDriverKilledItWithSigkill) {
  HostRun run = started_run(encode_progress("cycle 4 of 10: exercise"));
  run.timed_out = true;
  run.signaled = true;
  run.signal = SIGKILL;
  const HostVerdict v = classify_run(run, 5s);
  EXPECT_EQ(v.outcome, Outcome::timeout);
  EXPECT_THAT(v.summary, HasSubstr("cycle 4 of 10: exercise"));
  EXPECT_THAT(v.summary, HasSubstr("5 s"));
  EXPECT_EQ(v.details.value("last_step", ""), "cycle 4 of 10: exercise");
}

TEST(Classify, TimedOutWinsEvenOverAVerdictAlreadySent) {
  HostRun run = started_run(encode_verdict(make_verdict(Outcome::pass, "ok")));
  run.timed_out = true;
  run.signaled = true;
  run.signal = SIGKILL;
  EXPECT_EQ(classify_run(run, 60s).outcome, Outcome::timeout);
}

TEST(Classify, SignalBecomesCrashNamedAfterTheSignal) {
  HostRun run = started_run(encode_progress("import"));
  run.signaled = true;
  run.signal = SIGSEGV;
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.outcome, Outcome::crash);
  EXPECT_EQ(v.details.value("signal", ""), "SIGSEGV");
  EXPECT_THAT(v.summary, HasSubstr("SIGSEGV"));
  EXPECT_THAT(v.summary, HasSubstr("import"));
}

TEST(Classify, AbortIsCrashNamedSigabrtNotAnExitCode) {
  HostRun run = started_run();
  run.signaled = true;
  run.signal = SIGABRT;
  run.exit_code = 134;  // what a shell would show; must not be used
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.outcome, Outcome::crash);
  EXPECT_EQ(v.details.value("signal", ""), "SIGABRT");
  EXPECT_THAT(v.summary, HasSubstr("SIGABRT"));
  EXPECT_FALSE(v.details.contains("exit_code"));
}

TEST(Classify, SignalAfterAPassVerdictIsStillACrash) {
  HostRun run = started_run(encode_verdict(make_verdict(Outcome::pass, "all cycles agree")));
  run.signaled = true;
  run.signal = SIGSEGV;
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.outcome, Outcome::crash);
  EXPECT_EQ(v.details.value("signal", ""), "SIGSEGV");
  EXPECT_THAT(v.summary, HasSubstr("SIGSEGV"));
}

TEST(Classify, CleanExitWithoutVerdictIsACrashNeverAPass) {
  HostRun run = started_run(encode_progress("teardown: fifo"));
  run.exit_code = 0;
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.outcome, Outcome::crash);
  ASSERT_TRUE(v.details.contains("exit_code"));
  EXPECT_EQ(v.details["exit_code"], 0);
  EXPECT_THAT(v.summary, HasSubstr("teardown: fifo"));
}

TEST(Classify, NonZeroExitWithoutVerdictCarriesTheExitCode) {
  HostRun run = started_run();
  run.exit_code = 3;
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.outcome, Outcome::crash);
  EXPECT_EQ(v.details["exit_code"], 3);
  EXPECT_THAT(v.summary, HasSubstr("3"));
}

TEST(Classify, OnlyMalformedLinesCountAsNoVerdict) {
  HostRun run = started_run("{\"event\":\"verdict\",\"outcome\":\"pa");
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.outcome, Outcome::crash);
  ASSERT_TRUE(v.details.contains("protocol_errors"));
  EXPECT_EQ(v.details["protocol_errors"].size(), 1u);
}

TEST(Classify, VerdictWithExitZeroIsTakenAsIs) {
  HostVerdict sent = make_verdict(Outcome::unsupported, "refused: does not support loading in subinterpreters");
  sent.details = {{"exception", "ImportError"}};
  sent.metrics = {{"cycles_completed", 10}};
  HostRun run = started_run(encode_progress("import") + encode_verdict(sent));
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.outcome, Outcome::unsupported);
  EXPECT_EQ(v.summary, sent.summary);
  EXPECT_EQ(v.details["exception"], "ImportError");
  EXPECT_EQ(v.metrics, sent.metrics);
  EXPECT_FALSE(v.details.contains("exit_code"));
  EXPECT_FALSE(v.details.contains("signal"));
}

TEST(Classify, NonZeroExitAfterAPassVerdictIsACrashThatQuotesTheVerdict) {
  // The host exits 0 after answering; exit(3) from an atexit handler of the module is the
  // module dying during teardown, not a pass.
  HostRun run = started_run(encode_verdict(make_verdict(Outcome::pass, "imports in the main config")));
  run.exit_code = 3;
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.outcome, Outcome::crash);
  EXPECT_THAT(v.summary, HasSubstr("status 3"));
  EXPECT_THAT(v.summary, HasSubstr("pass: imports in the main config"));
  EXPECT_EQ(v.details["exit_code"], 3);
}

TEST(Classify, LastProgressStepIsKeptInDetails) {
  HostRun run = started_run(encode_progress("first") + encode_progress("second") + encode_progress("third"));
  run.signaled = true;
  run.signal = SIGSEGV;
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.details.value("last_step", ""), "third");
  EXPECT_THAT(v.summary, HasSubstr("third"));
  EXPECT_THAT(v.summary, ::testing::Not(HasSubstr("second")));
}

TEST(Classify, StdoutAndStderrTailsAreCarriedIntoDetails) {
  HostRun run = started_run();
  run.signaled = true;
  run.signal = SIGABRT;
  run.stdout_tail = "module said hi\n";
  run.stderr_tail = "Fatal Python error: PyThreadState_Get\n";
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.details.value("stdout_tail", ""), "module said hi\n");
  EXPECT_EQ(v.details.value("stderr_tail", ""), "Fatal Python error: PyThreadState_Get\n");
}

TEST(Classify, TailsAreAlsoKeptWhenTheHostSentAVerdict) {
  HostRun run = started_run(encode_verdict(make_verdict(Outcome::fail, "shared type")));
  run.stderr_tail = "warning from the module\n";
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.outcome, Outcome::fail);
  EXPECT_EQ(v.details.value("stderr_tail", ""), "warning from the module\n");
}

TEST(Classify, HostHintsOfACrashAreKeptInDetailsButNotYetInTheSummary) {
  HostRun run = started_run(encode_progress("import") + encode_hint("first hint") + encode_hint("second hint"));
  run.signaled = true;
  run.signal = SIGSEGV;
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.outcome, Outcome::crash);
  ASSERT_TRUE(v.details.contains("hints"));
  EXPECT_EQ(v.details["hints"], nlohmann::ordered_json::array({"first hint", "second hint"}));
  // append_hint adds it once per cell, after variants are merged.
  EXPECT_THAT(v.summary, ::testing::Not(HasSubstr("first hint")));
}

TEST(Classify, HostHintsOfATimeoutAreKept) {
  HostRun run = started_run(encode_hint("it waits for the GIL"));
  run.timed_out = true;
  run.signaled = true;
  run.signal = SIGKILL;
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.outcome, Outcome::timeout);
  EXPECT_EQ(v.details["hints"], nlohmann::ordered_json::array({"it waits for the GIL"}));
}

TEST(Classify, HintsAreDroppedWhenNothingCrashed) {
  HostRun run = started_run(encode_hint("a crash may follow") + encode_verdict(make_verdict(Outcome::pass, "ok")));
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.outcome, Outcome::pass);
  EXPECT_FALSE(v.details.contains("hints"));
  EXPECT_EQ(v.summary, "ok");
}

// ---- append_hint ----

TEST(AppendHint, FirstHintIsAddedToACrashSummary) {
  HostVerdict v = make_verdict(Outcome::crash, "SIGSEGV during \"import\"");
  v.details["hints"] = {"single-phase init", "other"};
  append_hint(v);
  EXPECT_EQ(v.summary, "SIGSEGV during \"import\" (single-phase init)");
}

TEST(AppendHint, FirstHintIsAddedToATimeoutSummary) {
  HostVerdict v = make_verdict(Outcome::timeout, "no result after 60 s");
  v.details["hints"] = {"deadlock"};
  append_hint(v);
  EXPECT_EQ(v.summary, "no result after 60 s (deadlock)");
}

TEST(AppendHint, OtherOutcomesAndVerdictsWithoutHintsAreLeftAlone) {
  for (Outcome o : {Outcome::pass, Outcome::fail, Outcome::error, Outcome::unsupported, Outcome::skip, Outcome::warn}) {
    HostVerdict v = make_verdict(o, "s");
    v.details["hints"] = {"h"};
    append_hint(v);
    EXPECT_EQ(v.summary, "s") << to_string(o);
  }
  HostVerdict none = make_verdict(Outcome::crash, "s");
  append_hint(none);
  EXPECT_EQ(none.summary, "s");
  HostVerdict empty = make_verdict(Outcome::crash, "s");
  empty.details["hints"] = nlohmann::ordered_json::array();
  append_hint(empty);
  EXPECT_EQ(empty.summary, "s");
}

// ---- merge_variants ----

using Variants = std::vector<std::pair<std::string, HostVerdict>>;

TEST(MergeVariants, SingleVariantIsReturnedUnchanged) {
  HostVerdict only = make_verdict(Outcome::fail, "the one summary");
  only.details = {{"k", "v"}};
  only.metrics = {{"m", 1}};
  const HostVerdict merged = merge_variants({{"", only}});
  EXPECT_EQ(merged.outcome, only.outcome);
  EXPECT_EQ(merged.summary, only.summary);
  EXPECT_EQ(merged.details, only.details);
  EXPECT_EQ(merged.metrics, only.metrics);
}

TEST(MergeVariants, WorstOutcomeWins) {
  const Variants v = {{"lifo", make_verdict(Outcome::pass, "ok")},
                      {"fifo", make_verdict(Outcome::crash, "SIGSEGV during destroy")},
                      {"middle", make_verdict(Outcome::fail, "leak")},
                      {"finalize", make_verdict(Outcome::skip, "n/a")}};
  const HostVerdict merged = merge_variants(v);
  EXPECT_EQ(merged.outcome, Outcome::crash);
  EXPECT_THAT(merged.summary, HasSubstr("fifo"));
  EXPECT_THAT(merged.summary, HasSubstr("SIGSEGV during destroy"));
}

TEST(MergeVariants, SkipOnlyWhenEveryVariantSkips) {
  const HostVerdict all_skip = merge_variants(
      {{"a", make_verdict(Outcome::skip, "x")}, {"b", make_verdict(Outcome::skip, "x")}});
  EXPECT_EQ(all_skip.outcome, Outcome::skip);

  const HostVerdict one_pass = merge_variants(
      {{"a", make_verdict(Outcome::skip, "x")}, {"b", make_verdict(Outcome::pass, "ok")}});
  EXPECT_EQ(one_pass.outcome, Outcome::pass);
}

TEST(MergeVariants, IdenticalSummariesAreGroupedUnderOneText) {
  const std::string text = "SIGABRT during \"destroy\"";
  const HostVerdict merged = merge_variants({{"lifo", make_verdict(Outcome::crash, text)},
                                             {"fifo", make_verdict(Outcome::crash, text)},
                                             {"middle", make_verdict(Outcome::pass, "ok")}});
  EXPECT_EQ(merged.outcome, Outcome::crash);
  EXPECT_THAT(merged.summary, HasSubstr("lifo, fifo: " + text));
  // The text appears once, not once per variant.
  EXPECT_EQ(merged.summary.find(text), merged.summary.rfind(text));
  EXPECT_THAT(merged.summary, HasSubstr("middle pass"));
}

TEST(MergeVariants, DifferentSummariesOfTheWorstOutcomeAreEachNamed) {
  const HostVerdict merged = merge_variants({{"lifo", make_verdict(Outcome::fail, "alpha")},
                                             {"fifo", make_verdict(Outcome::fail, "beta")}});
  EXPECT_THAT(merged.summary, HasSubstr("lifo: alpha"));
  EXPECT_THAT(merged.summary, HasSubstr("fifo: beta"));
}

TEST(MergeVariants, EveryVariantIsKeptUnderDetailsVariants) {
  HostVerdict fifo = make_verdict(Outcome::crash, "boom");
  fifo.details = {{"signal", "SIGSEGV"}};
  const HostVerdict merged = merge_variants({{"lifo", make_verdict(Outcome::pass, "ok")},
                                             {"fifo", fifo},
                                             {"middle", make_verdict(Outcome::skip, "n/a")},
                                             {"finalize", make_verdict(Outcome::warn, "hm")}});
  ASSERT_TRUE(merged.details.contains("variants"));
  const auto& all = merged.details["variants"];
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all["lifo"]["outcome"], "pass");
  EXPECT_EQ(all["lifo"]["summary"], "ok");
  EXPECT_EQ(all["fifo"]["outcome"], "crash");
  EXPECT_EQ(all["fifo"]["details"]["signal"], "SIGSEGV");
  EXPECT_EQ(all["middle"]["outcome"], "skip");
  EXPECT_EQ(all["finalize"]["outcome"], "warn");
  // The worst variant lends its evidence to the cell.
  EXPECT_EQ(merged.details.value("signal", ""), "SIGSEGV");
}

// --- issue #7: a channel the module wrote on, limits, leftovers, interruption -----------------

TEST(Classify, ForgedPassVerdictOnTheResultChannelMakesTheCellAnErrorAndIsKept) {
  HostRun run = started_run(encode_verdict(make_verdict(Outcome::fail, "import raised RuntimeError")));
  const std::string forged = R"({"event":"verdict","outcome":"pass","summary":"forged"})";
  run.protocol = forged + "\n" + run.protocol;
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.outcome, Outcome::error);
  EXPECT_THAT(v.summary, HasSubstr("1 record(s) the host did not write"));
  EXPECT_EQ(v.details["claimed_verdict"]["outcome"], "fail");
  ASSERT_EQ(v.details["protocol_errors"].size(), 1u);
  EXPECT_THAT(v.details["protocol_errors"][0].get<std::string>(), HasSubstr(forged));
}

TEST(Classify, VerdictFramedWithAnotherSecretIsNeverAPass) {
  HostRun run = started_run();
  run.protocol = frame_record("ffffffffffffffffffffffffffffffff", encode_verdict(make_verdict(Outcome::pass, "ok")));
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_NE(v.outcome, Outcome::pass);
  EXPECT_THAT(v.details["protocol_errors"][0].get<std::string>(), HasSubstr("wrong secret"));
}

TEST(Classify, TamperingDoesNotHideACrash) {
  HostRun run = started_run(encode_progress("import"));
  run.protocol += "garbage\n";
  run.signaled = true;
  run.signal = SIGSEGV;
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.outcome, Outcome::crash);
  EXPECT_THAT(v.summary, HasSubstr("SIGSEGV"));
  EXPECT_EQ(v.details["protocol_errors"].size(), 1u);
}

TEST(Classify, MemoryErrorUnderTheLimitSaysTheLimitWasReached) {
  HostRun run = started_run(encode_verdict(make_verdict(Outcome::fail, "import raised MemoryError")));
  run.memory_limit_bytes = 4ull << 30;
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.outcome, Outcome::fail);
  EXPECT_THAT(v.summary, HasSubstr("memory limit reached"));
  EXPECT_THAT(v.summary, HasSubstr("4096 MiB"));
}

TEST(Classify, CpuTimeLimitIsATimeout) {
  HostRun run = started_run(encode_progress("cycle 2 of 10: exercise"));
  run.signaled = true;
  run.signal = SIGXCPU;
  run.cpu_limit_seconds = 130;
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.outcome, Outcome::timeout);
  EXPECT_THAT(v.summary, HasSubstr("CPU time limit of 130 s"));
}

TEST(Classify, ProcessesLeftRunningTurnAPassIntoAFailNamingThem) {
  HostRun run = started_run(encode_verdict(make_verdict(Outcome::pass, "imports")));
  run.stray_processes = {"pid 10 (sleeper)", "pid 12 (daemon), left the process group"};
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.outcome, Outcome::fail);
  EXPECT_THAT(v.summary, HasSubstr("left 2 process(es) running"));
  EXPECT_THAT(v.summary, HasSubstr("pid 12 (daemon)"));
  EXPECT_EQ(v.details["stray_processes"].size(), 2u);
}

// A fork server killed from outside takes its child with it (SIGKILL): isocheck's error, never
// the module's crash.
TEST(Classify, AHostLostWithItsForkServerIsAnErrorNotACrash) {
  HostRun run = started_run(encode_progress("import"));
  run.signaled = true;
  run.signal = SIGKILL;
  run.lost = "its fork server died (was it killed?)";
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.outcome, Outcome::error);
  EXPECT_EQ(v.summary, "isocheck lost the host during \"import\": its fork server died (was it killed?)");
}

TEST(Classify, InterruptedHostIsNeverAVerdict) {
  HostRun run = started_run(encode_progress("import"));
  run.interrupted = true;
  run.signaled = true;
  run.signal = SIGKILL;
  const HostVerdict v = classify_run(run, 60s);
  EXPECT_EQ(v.outcome, Outcome::error);
  EXPECT_THAT(v.summary, HasSubstr("interrupted"));
}

}  // namespace
}  // namespace isocheck
