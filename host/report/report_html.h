// The report's HTML assembly (docs/report.md): from the report template (the dashboard's
// report.html), one self-contained file —
//   - each `<script src="X"></script>` whose X the reader finds becomes `<script>…X…</script>`;
//   - each `<link rel="stylesheet" href="Y">` becomes `<style>…Y…</style>`;
//   - the JS string literal "__ALGOHOST_REPORT_DATA__" (with its double quotes) becomes the data
//     JSON, every "</" written "<\/";
//   - "http://" and "https://" inside inlined scripts and the data are written "http:\/\/" (the
//     same string to JavaScript, no reference to the network to anyone reading the file).
// A src/href the reader does not find is NotFound naming it; a template without the data token is
// InvalidArgument; a result that still holds "http://" or "https://" (in the template's own
// HTML, say) is FailedPrecondition quoting it: the file must open offline.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "registry/common/status.h"

namespace algohost::report {

constexpr std::string_view kDataToken = "\"__ALGOHOST_REPORT_DATA__\"";

using AssetReader = std::function<Result<std::string>(std::string_view path)>;

Result<std::string> render_report_html(std::string_view report_template, const std::string& data_json,
                                       const AssetReader& read);

}  // namespace algohost::report
