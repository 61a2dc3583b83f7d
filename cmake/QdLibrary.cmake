# qd_add_library(<name> SOURCES <file>... [PUBLIC <target>...] [PRIVATE <target>...])
# One qd library: the target qd_<name> with the alias qd::<name>, its public headers in
# include/ (include/qd/<name>/), C++17, qd's warnings, and what it links: PUBLIC for what its
# headers expose, PRIVATE for what only its sources use. A library linking LibTorch (torch)
# compiles with its precompiled header. scripts/check_layering.py reads these
# calls to check that no library includes one it does not link.
function(qd_add_library name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;PUBLIC;PRIVATE")
  add_library(qd_${name} ${arg_SOURCES})
  add_library(qd::${name} ALIAS qd_${name})
  target_include_directories(qd_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_compile_features(qd_${name} PUBLIC cxx_std_17)
  target_link_libraries(qd_${name} PUBLIC ${arg_PUBLIC} PRIVATE ${arg_PRIVATE} qd::warnings)
  if(torch IN_LIST arg_PUBLIC OR torch IN_LIST arg_PRIVATE)
    qd_use_torch_pch(qd_${name})  # cmake/QdTorchPch.cmake
  endif()
endfunction()
