# FindLibsvm: libsvm ships no pkg-config file or CMake config, so find it by
# header and library. Defines the imported target Libsvm::libsvm.
find_path(LIBSVM_INCLUDE_DIR NAMES libsvm/svm.h)
find_library(LIBSVM_LIBRARY NAMES svm)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Libsvm
  REQUIRED_VARS LIBSVM_LIBRARY LIBSVM_INCLUDE_DIR
  REASON_FAILURE_MESSAGE "install the Debian package libsvm-dev (make deps)")

if(Libsvm_FOUND AND NOT TARGET Libsvm::libsvm)
  add_library(Libsvm::libsvm UNKNOWN IMPORTED)
  set_target_properties(Libsvm::libsvm PROPERTIES
    IMPORTED_LOCATION "${LIBSVM_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${LIBSVM_INCLUDE_DIR}")
endif()
mark_as_advanced(LIBSVM_INCLUDE_DIR LIBSVM_LIBRARY)
