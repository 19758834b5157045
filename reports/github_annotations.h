// GitHub Actions annotations: workflow commands printed on stdout when GITHUB_ACTIONS=true
// (https://docs.github.com/actions/reference/workflow-commands-for-github-actions).
// `::error` for every fail, crash, timeout and error cell, `::warning` for every warn cell,
// worst first; GitHub shows at most 10 of each per step, so the rest are summed up in one
// `::notice`. Each command is one line: data is escaped as the runner unescapes it
// (% CR LF, and in property values also : and ,), and control characters are made visible.
#pragma once

#include <string>
#include <string_view>

#include "model/model.h"

namespace isocheck {

inline constexpr int kMaxAnnotationsPerKind = 10;

std::string render_github_annotations(const RunReport& report);

// Whether annotations are wanted: the runner sets GITHUB_ACTIONS=true in every step.
bool github_annotations_wanted(const char* github_actions_env);

// Escaping of the runner's command parser (toolkit's escapeData / escapeProperty).
std::string escape_annotation_data(std::string_view text);
std::string escape_annotation_property(std::string_view text);

}  // namespace isocheck
