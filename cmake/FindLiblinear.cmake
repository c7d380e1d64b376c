# FindLiblinear: LIBLINEAR ships no pkg-config file or CMake config, so find
# it by header and library. Defines the imported target Liblinear::liblinear.
find_path(LIBLINEAR_INCLUDE_DIR NAMES linear.h)
find_library(LIBLINEAR_LIBRARY NAMES linear)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Liblinear
  REQUIRED_VARS LIBLINEAR_LIBRARY LIBLINEAR_INCLUDE_DIR
  REASON_FAILURE_MESSAGE "install the Debian package liblinear-dev (make deps)")

if(Liblinear_FOUND AND NOT TARGET Liblinear::liblinear)
  add_library(Liblinear::liblinear UNKNOWN IMPORTED)
  set_target_properties(Liblinear::liblinear PROPERTIES
    IMPORTED_LOCATION "${LIBLINEAR_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${LIBLINEAR_INCLUDE_DIR}")
endif()
mark_as_advanced(LIBLINEAR_INCLUDE_DIR LIBLINEAR_LIBRARY)
