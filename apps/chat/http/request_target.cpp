#include "http/request_target.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace cafe::chat::http {

expected<request_target, std::string> parse_target(std::string_view target) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed)
    return unexpected{"bad request target: " + parsed.error().message()};
  auto& url = *parsed;
  request_target result;
  result.path = url.path();
  result.safe = true;
  for (auto segment : url.segments()) {
    std::string seg = segment;
    if (seg == "." || seg == ".."
        || seg.find_first_of(std::string_view{"/\\\0", 3}) != std::string::npos)
      result.safe = false;
    result.segments.push_back(std::move(seg));
  }
  // Boost.URL hides a leading `.` segment (kept for disambiguation), so
  // the decoded path is checked piece by piece as well.
  std::string_view rest = result.path;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    auto piece = rest.substr(0, slash);
    if (piece == "." || piece == "..")
      result.safe = false;
    rest.remove_prefix(slash == std::string_view::npos ? rest.size()
                                                       : slash + 1);
  }
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  for (auto param : url.params(opts))
    result.params.emplace_back(param.key, param.value);
  return result;
}

} // namespace cafe::chat::http
