# FindLibstemmer: Snowball's libstemmer_c ships no pkg-config file or CMake
# config, so find it by header and library. Defines Libstemmer::libstemmer.
find_path(LIBSTEMMER_INCLUDE_DIR NAMES libstemmer.h)
find_library(LIBSTEMMER_LIBRARY NAMES stemmer)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Libstemmer
  REQUIRED_VARS LIBSTEMMER_LIBRARY LIBSTEMMER_INCLUDE_DIR
  REASON_FAILURE_MESSAGE "install the Debian package libstemmer-dev (make deps)")

if(Libstemmer_FOUND AND NOT TARGET Libstemmer::libstemmer)
  add_library(Libstemmer::libstemmer UNKNOWN IMPORTED)
  set_target_properties(Libstemmer::libstemmer PROPERTIES
    IMPORTED_LOCATION "${LIBSTEMMER_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${LIBSTEMMER_INCLUDE_DIR}")
endif()
mark_as_advanced(LIBSTEMMER_INCLUDE_DIR LIBSTEMMER_LIBRARY)
