# Finds libzip and defines the imported target LibZip::LibZip.
# Debian's own libzip-config.cmake is not used: it checks for the zipcmp, zipmerge and ziptool
# programs, which are in another package (and absent where qd builds). pkg-config is used when it
# knows libzip; otherwise the headers (zip.h, and zipconf.h in the multiarch directory) and the
# library are searched for directly, which is what works with Debian packages unpacked into a
# prefix on a machine without apt (scripts/gpu/build.sh).
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(PC_LibZip QUIET libzip)
endif()
find_path(LibZip_INCLUDE_DIR zip.h HINTS ${PC_LibZip_INCLUDE_DIRS})
find_path(LibZip_CONF_INCLUDE_DIR zipconf.h HINTS ${PC_LibZip_INCLUDE_DIRS}
  PATH_SUFFIXES ${CMAKE_LIBRARY_ARCHITECTURE})
find_library(LibZip_LIBRARY NAMES zip HINTS ${PC_LibZip_LIBRARY_DIRS})
set(LibZip_VERSION ${PC_LibZip_VERSION})

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LibZip
  REQUIRED_VARS LibZip_LIBRARY LibZip_INCLUDE_DIR LibZip_CONF_INCLUDE_DIR
  VERSION_VAR LibZip_VERSION)

include(QdImportedLibrary)
qd_imported_library(LibZip LibZip::LibZip "${LibZip_LIBRARY}" "${LibZip_INCLUDE_DIR}"
  "${LibZip_CONF_INCLUDE_DIR}")
mark_as_advanced(LibZip_INCLUDE_DIR LibZip_CONF_INCLUDE_DIR LibZip_LIBRARY)
