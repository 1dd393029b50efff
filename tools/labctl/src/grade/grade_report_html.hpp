// `labctl grade --format html`: the class report for an instructor, one self-contained page
// (no network, nothing to build): per lab a histogram of the points and each criterion's
// pass rate, then every submission in a table, its criteria and reasons one click away.
//
// Why one page with the data inline, as the trace page (explore_trace_html.cpp): it opens
// from a CI artifact or a shared folder, offline; and every text on it comes from the data
// through textContent, never as markup, so a student's name or quoted code cannot become
// part of the page.
#pragma once

#include "grade/grade.hpp"

#include <string>
#include <vector>

namespace labctl {

// The page for `grades` (the order kept: a batch's order, or a merge's).
std::string grades_html(const std::vector<SubmissionGrade>& grades);

}  // namespace labctl
