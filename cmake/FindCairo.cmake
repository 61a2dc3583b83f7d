# Finds Cairo and defines the imported target Cairo::Cairo.
# pkg-config is used when it knows cairo; otherwise the header and library are searched for
# directly, which is what works with Debian packages unpacked into a prefix on a machine without
# apt (scripts/gpu/build.sh), where cairo.pc's private requirements are not all present.
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(PC_Cairo QUIET cairo)
endif()
find_path(Cairo_INCLUDE_DIR cairo.h HINTS ${PC_Cairo_INCLUDE_DIRS} PATH_SUFFIXES cairo)
find_library(Cairo_LIBRARY NAMES cairo HINTS ${PC_Cairo_LIBRARY_DIRS})
set(Cairo_VERSION ${PC_Cairo_VERSION})

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Cairo
  REQUIRED_VARS Cairo_LIBRARY Cairo_INCLUDE_DIR
  VERSION_VAR Cairo_VERSION)

include(QdImportedLibrary)
qd_imported_library(Cairo Cairo::Cairo "${Cairo_LIBRARY}" "${Cairo_INCLUDE_DIR}")
mark_as_advanced(Cairo_INCLUDE_DIR Cairo_LIBRARY)
