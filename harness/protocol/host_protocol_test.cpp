#include "protocol/host_protocol.h"

#include <gtest/gtest.h>

#include <string>

namespace isocheck {
namespace {

using nlohmann::ordered_json;

HostVerdict make_verdict(Outcome outcome, std::string summary) {
  HostVerdict v;
  v.outcome = outcome;
  v.summary = std::move(summary);
  return v;
}

TEST(DecodeTranscript, ProgressLinesAreKeptInTheOrderTheHostWroteThem) {
  const std::string bytes = encode_progress("create interpreter") + encode_progress("cycle 1 of 10: import") +
                            encode_progress("cycle 2 of 10: import");
  const HostTranscript t = decode_transcript(bytes);
  EXPECT_EQ(t.progress, (std::vector<std::string>{"create interpreter", "cycle 1 of 10: import",
                                                  "cycle 2 of 10: import"}));
  EXPECT_FALSE(t.verdict.has_value());
  EXPECT_TRUE(t.malformed.empty());
}

TEST(DecodeTranscript, VerdictIsParsedWithItsDetailsAndMetrics) {
  const std::string line =
      R"({"event":"verdict","outcome":"fail","summary":"shares 2 objects","details":{"shared":["m.Foo","m.cache"]},"metrics":{"leaked_blocks":12.5}})"
      "\n";
  const HostTranscript t = decode_transcript(line);
  ASSERT_TRUE(t.verdict.has_value());
  EXPECT_EQ(t.verdict->outcome, Outcome::fail);
  EXPECT_EQ(t.verdict->summary, "shares 2 objects");
  EXPECT_EQ(t.verdict->details, ordered_json::parse(R"({"shared":["m.Foo","m.cache"]})"));
  EXPECT_EQ(t.verdict->metrics, ordered_json::parse(R"({"leaked_blocks":12.5})"));
  EXPECT_TRUE(t.malformed.empty());
}

TEST(DecodeTranscript, VerdictWithoutDetailsOrMetricsGetsEmptyObjects) {
  const HostTranscript t = decode_transcript(R"({"event":"verdict","outcome":"pass","summary":"ok"})" "\n");
  ASSERT_TRUE(t.verdict.has_value());
  EXPECT_EQ(t.verdict->outcome, Outcome::pass);
  EXPECT_TRUE(t.verdict->details.is_object());
  EXPECT_TRUE(t.verdict->details.empty());
  EXPECT_TRUE(t.verdict->metrics.is_object());
  EXPECT_TRUE(t.verdict->metrics.empty());
}

TEST(DecodeTranscript, InvalidJsonLinesLandInMalformedWithoutStoppingTheRest) {
  const std::string garbage = "{\"event\":\"progress\",\"step\":";  // truncated mid-write
  const std::string bytes = encode_progress("before") + garbage + "\n" + "not json at all\n" +
                            encode_progress("after") + encode_verdict(make_verdict(Outcome::pass, "ok"));
  const HostTranscript t = decode_transcript(bytes);
  EXPECT_EQ(t.progress, (std::vector<std::string>{"before", "after"}));
  EXPECT_EQ(t.malformed, (std::vector<std::string>{garbage, "not json at all"}));
  ASSERT_TRUE(t.verdict.has_value());
  EXPECT_EQ(t.verdict->outcome, Outcome::pass);
}

TEST(DecodeTranscript, ValidJsonThatIsNotAProtocolMessageIsMalformed) {
  const std::vector<std::string> lines = {
      "42",
      R"(["event","progress"])",
      R"({"step":"no event key"})",
      R"({"event":7,"step":"event is not a string"})",
      R"({"event":"hello"})",
      R"({"event":"progress"})",
      R"({"event":"progress","step":3})",
  };
  std::string bytes;
  for (const std::string& l : lines) bytes += l + "\n";
  const HostTranscript t = decode_transcript(bytes);
  EXPECT_EQ(t.malformed, lines);
  EXPECT_TRUE(t.progress.empty());
  EXPECT_FALSE(t.verdict.has_value());
  EXPECT_FALSE(t.description.has_value());
}

TEST(DecodeTranscript, SecondVerdictIsMalformedAndNeverReplacesTheFirst) {
  const std::string second = encode_verdict(make_verdict(Outcome::pass, "all good"));
  const std::string bytes = encode_verdict(make_verdict(Outcome::fail, "first word")) + second;
  const HostTranscript t = decode_transcript(bytes);
  ASSERT_TRUE(t.verdict.has_value());
  EXPECT_EQ(t.verdict->outcome, Outcome::fail);
  EXPECT_EQ(t.verdict->summary, "first word");
  ASSERT_EQ(t.malformed.size(), 1u);
  EXPECT_EQ(t.malformed[0] + "\n", second);
}

TEST(DecodeTranscript, UnknownOutcomeIsRejectedAsMalformed) {
  const std::string line = R"({"event":"verdict","outcome":"passed","summary":"close but no"})";
  const HostTranscript t = decode_transcript(line + "\n");
  EXPECT_FALSE(t.verdict.has_value());
  EXPECT_EQ(t.malformed, std::vector<std::string>{line});
}

TEST(DecodeTranscript, VerdictWithoutSummaryOrWithNonStringOutcomeIsMalformed) {
  const std::string no_summary = R"({"event":"verdict","outcome":"pass"})";
  const std::string numeric_outcome = R"({"event":"verdict","outcome":0,"summary":"x"})";
  const HostTranscript t = decode_transcript(no_summary + "\n" + numeric_outcome + "\n");
  EXPECT_FALSE(t.verdict.has_value());
  EXPECT_EQ(t.malformed, (std::vector<std::string>{no_summary, numeric_outcome}));
}

TEST(DecodeTranscript, ARejectedVerdictDoesNotBlockALaterValidOne) {
  const std::string bad = R"({"event":"verdict","outcome":"bogus","summary":"x"})";
  const HostTranscript t = decode_transcript(bad + "\n" + encode_verdict(make_verdict(Outcome::warn, "w")));
  ASSERT_TRUE(t.verdict.has_value());
  EXPECT_EQ(t.verdict->outcome, Outcome::warn);
  EXPECT_EQ(t.malformed, std::vector<std::string>{bad});
}

TEST(DecodeTranscript, LastLineWithoutTrailingNewlineStillParses) {
  std::string bytes = encode_progress("step one") + encode_verdict(make_verdict(Outcome::skip, "no exercise"));
  ASSERT_EQ(bytes.back(), '\n');
  bytes.pop_back();
  const HostTranscript t = decode_transcript(bytes);
  EXPECT_EQ(t.progress, std::vector<std::string>{"step one"});
  ASSERT_TRUE(t.verdict.has_value());
  EXPECT_EQ(t.verdict->outcome, Outcome::skip);
  EXPECT_EQ(t.verdict->summary, "no exercise");
  EXPECT_TRUE(t.malformed.empty());
}

TEST(DecodeTranscript, EmptyInputAndBlankLinesYieldNothing) {
  const HostTranscript empty = decode_transcript("");
  EXPECT_TRUE(empty.progress.empty());
  EXPECT_FALSE(empty.verdict.has_value());
  EXPECT_TRUE(empty.malformed.empty());

  const HostTranscript blanks = decode_transcript("\n\n" + encode_progress("x") + "\n");
  EXPECT_EQ(blanks.progress, std::vector<std::string>{"x"});
  EXPECT_TRUE(blanks.malformed.empty());
}

TEST(DecodeTranscript, DescriptionIsKeptWithoutItsEventKeyAndOnlyOnce) {
  ordered_json first = {{"kind", "extension"}, {"origin", "/x/m.so"}};
  ordered_json second = {{"kind", "missing"}};
  const HostTranscript t = decode_transcript(encode_description(first) + encode_description(second));
  ASSERT_TRUE(t.description.has_value());
  EXPECT_EQ(*t.description, first);
  EXPECT_EQ(t.malformed.size(), 1u);
}

TEST(DecodeTranscript, HintsAreCollectedInOrderApartFromProgress) {
  const HostTranscript t = decode_transcript(encode_progress("import") + encode_hint("single-phase init on 3.12") +
                                             encode_hint("second hint") + encode_progress("exercise"));
  EXPECT_EQ(t.hints, (std::vector<std::string>{"single-phase init on 3.12", "second hint"}));
  EXPECT_EQ(t.progress, (std::vector<std::string>{"import", "exercise"}));
  EXPECT_TRUE(t.malformed.empty());
}

TEST(DecodeTranscript, HintWithoutTextIsMalformed) {
  const std::string no_text = R"({"event":"hint"})";
  const std::string numeric = R"({"event":"hint","text":5})";
  const HostTranscript t = decode_transcript(no_text + "\n" + numeric + "\n");
  EXPECT_TRUE(t.hints.empty());
  EXPECT_EQ(t.malformed, (std::vector<std::string>{no_text, numeric}));
}

TEST(EncodeDecode, VerdictRoundTripsWithDetailsMetricsAndAwkwardText) {
  HostVerdict v;
  v.outcome = Outcome::crash;
  v.summary = "line one\nline \"two\"\t{not json} \xc3\xa9";
  v.details = {{"signal", "SIGABRT"}, {"backtrace", {"frame 0", "frame 1"}}, {"cycle", 2}};
  v.metrics = {{"cycles_completed", 1}, {"blocks", -3.25}};
  const std::string line = encode_verdict(v);
  // One message is one line: an embedded newline must not split it.
  EXPECT_EQ(line.find('\n'), line.size() - 1);

  const HostTranscript t = decode_transcript(encode_progress("cycle 2 of 10: destroy") + line);
  ASSERT_TRUE(t.verdict.has_value());
  EXPECT_EQ(t.verdict->outcome, v.outcome);
  EXPECT_EQ(t.verdict->summary, v.summary);
  EXPECT_EQ(t.verdict->details, v.details);
  EXPECT_EQ(t.verdict->metrics, v.metrics);
  EXPECT_EQ(t.progress, std::vector<std::string>{"cycle 2 of 10: destroy"});
  EXPECT_TRUE(t.malformed.empty());
}

TEST(EncodeDecode, EveryOutcomeRoundTrips) {
  for (Outcome o : kAllOutcomes) {
    const HostTranscript t = decode_transcript(encode_verdict(make_verdict(o, "s")));
    ASSERT_TRUE(t.verdict.has_value()) << to_string(o);
    EXPECT_EQ(t.verdict->outcome, o);
  }
}

TEST(EncodeDecode, ProgressStepWithNewlineRoundTripsAsOneStep) {
  const std::string line = encode_progress("two\nlines");
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  const HostTranscript t = decode_transcript(line);
  EXPECT_EQ(t.progress, std::vector<std::string>{"two\nlines"});
}

TEST(EncodeDecode, InvalidUtf8FromTheModuleStillEncodesToValidJson) {
  // Summaries can carry bytes from the module under test; encoding must never throw.
  const std::string line = encode_progress(std::string("bad \xff\xfe bytes"));
  const HostTranscript t = decode_transcript(line);
  ASSERT_EQ(t.progress.size(), 1u);
  EXPECT_TRUE(t.malformed.empty());
  EXPECT_EQ(t.progress[0].rfind("bad ", 0), 0u);
}

// --- framing (issue #7) ---------------------------------------------------------------------

constexpr const char* kSecret = "00112233445566778899aabbccddeeff";

TEST(FramedTranscript, RecordsWithTheRunsSecretDecodeLikePlainLines) {
  const std::string messages = encode_progress("import") + encode_verdict(make_verdict(Outcome::pass, "ok"));
  const HostTranscript t = decode_framed_transcript(frame_records(kSecret, messages), kSecret);
  EXPECT_EQ(t.progress, std::vector<std::string>{"import"});
  ASSERT_TRUE(t.verdict.has_value());
  EXPECT_EQ(t.verdict->outcome, Outcome::pass);
  EXPECT_TRUE(t.malformed.empty());
}

TEST(FramedTranscript, RecordLayoutIsTagSecretLengthChecksumPayload) {
  const std::string record = frame_record(kSecret, "{}\n");
  // CRC-32 of "{}" (zlib/PNG polynomial), computed independently: python3 -c 'import zlib; print(hex(zlib.crc32(b"{}")))'
  EXPECT_EQ(record, std::string("ISOCHECK/1 ") + kSecret + " 2 a3a6bf43 {}\n");
}

TEST(FramedTranscript, PlainVerdictLineIsRejectedNotBelieved) {
  const std::string forged = R"({"event":"verdict","outcome":"pass","summary":"forged"})";
  const HostTranscript t = decode_framed_transcript(forged + "\n", kSecret);
  EXPECT_FALSE(t.verdict.has_value());
  ASSERT_EQ(t.malformed.size(), 1u);
  EXPECT_EQ(t.malformed[0], "not a record: " + forged);
}

TEST(FramedTranscript, WrongSecretBadLengthAndBadChecksumAreEachRejected) {
  const std::string good = frame_record(kSecret, encode_verdict(make_verdict(Outcome::pass, "ok")));
  std::string other_secret = frame_record("ffffffffffffffffffffffffffffffff", encode_progress("x"));
  std::string bad_length = frame_record(kSecret, encode_progress("x"));
  // Cut the payload short: the header's length no longer matches.
  bad_length.erase(bad_length.size() - 3, 2);
  std::string bad_checksum = frame_record(kSecret, encode_progress("abc"));
  bad_checksum[bad_checksum.rfind("abc")] = 'x';  // same length, other bytes
  const HostTranscript t = decode_framed_transcript(other_secret + bad_length + bad_checksum + good, kSecret);
  ASSERT_EQ(t.malformed.size(), 3u);
  EXPECT_NE(t.malformed[0].find("wrong secret"), std::string::npos) << t.malformed[0];
  EXPECT_NE(t.malformed[1].find("where its header says"), std::string::npos) << t.malformed[1];
  EXPECT_NE(t.malformed[2].find("wrong checksum"), std::string::npos) << t.malformed[2];
  EXPECT_TRUE(t.progress.empty());
  ASSERT_TRUE(t.verdict.has_value());  // the host's own record still decodes; classify_run distrusts it
}

TEST(FramedTranscript, GarbageGluedToTheFrontOfARecordSpoilsThatRecord) {
  const std::string record = frame_record(kSecret, encode_verdict(make_verdict(Outcome::pass, "ok")));
  const HostTranscript t = decode_framed_transcript("junk" + record, kSecret);
  EXPECT_FALSE(t.verdict.has_value());
  EXPECT_EQ(t.malformed.size(), 1u);
}

TEST(FramedTranscript, EvidenceOfAFloodIsBounded) {
  const std::string huge(100000, 'x');
  const HostTranscript t = decode_framed_transcript(huge + "\n", kSecret);
  ASSERT_EQ(t.malformed.size(), 1u);
  EXPECT_LT(t.malformed[0].size(), 300u);
}

TEST(RunSecret, IsThirtyTwoHexDigitsAndFreshEachTime) {
  const std::string a = make_run_secret(), b = make_run_secret();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace isocheck
