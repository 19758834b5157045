// JUnit XML report (spec/report.md): one <testsuite> per (module, python), one <testcase> per
// cell named `check[config]`. fail -> <failure>; crash, timeout, error -> <error>; skip,
// unsupported -> <skipped>; warn passes with its summary in <system-out>. Summary and evidence go
// into the message and a CDATA body. The shape is the common one Jenkins, GitLab and GitHub's
// test reporters read (reports/testdata/junit.xsd).
#pragma once

#include <iosfwd>
#include <string>

#include "model/model.h"
#include "reports/report_text.h"

namespace isocheck {

void write_junit(const RunReport& report, std::ostream& out);  // one module in memory at a time
std::string render_junit(const RunReport& report);

}  // namespace isocheck
