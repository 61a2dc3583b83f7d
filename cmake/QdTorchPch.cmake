# LibTorch's headers are most of the work of compiling a file that uses them: torch/torch.h alone
# takes GCC about 9 s, in every one of the trainer's some 80 files. They are compiled once, into
# one precompiled header that every target using LibTorch reuses (about 3 s a file instead), in
# the plain build and under ASan alike. -DQD_TORCH_PCH=OFF compiles them in every file as before
# (for checking that each file includes what it uses).
option(QD_TORCH_PCH "Compile LibTorch's headers once, as a precompiled header for the trainer" ON)

if(QD_TORCH_PCH)
  # Links LibTorch and nothing else, so that each target reusing its header defines at least
  # the macros it was compiled with (clang refuses a header built with a macro the user lacks).
  add_library(qd_torch_pch OBJECT ${CMAKE_CURRENT_LIST_DIR}/torch_pch.cpp)
  target_link_libraries(qd_torch_pch PRIVATE torch qd::warnings)
  target_compile_features(qd_torch_pch PRIVATE cxx_std_17)
  target_precompile_headers(qd_torch_pch PRIVATE <torch/torch.h>)
endif()

# qd_use_torch_pch(<target>...): the targets compile with LibTorch's precompiled header.
function(qd_use_torch_pch)
  if(NOT QD_TORCH_PCH)
    return()
  endif()
  foreach(target IN LISTS ARGN)
    target_precompile_headers(${target} REUSE_FROM qd_torch_pch)
  endforeach()
endfunction()
