# qd_imported_library(<Package> <target> <library file> <include dir>...)
# What qd's find modules (FindCairo, FindLibZip) end with: once <Package>_FOUND, the imported
# target <target> for a library found by find_library and its headers found by find_path.
function(qd_imported_library package target library)
  if(${package}_FOUND AND NOT TARGET ${target})
    add_library(${target} UNKNOWN IMPORTED)
    set_target_properties(${target} PROPERTIES
      IMPORTED_LOCATION "${library}"
      INTERFACE_INCLUDE_DIRECTORIES "${ARGN}")
  endif()
endfunction()
