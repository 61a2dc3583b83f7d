#pragma once
// The page's own files, web/index.html and web/qd_page.js, compiled in (web_assets.cpp.in).

namespace qd::train {

extern const char* const kIndexHtml;
extern const char* const kPageJs;

}  // namespace qd::train
