# What `cmake --install` (and so `pip install`, through scikit-build-core) puts where:
#
#   bin/isocheck                        the driver
#   libexec/isocheck/isocheck-host-X.Y  the hosts built here
#   libexec/isocheck/isocheck-hosts.json  their manifest (host names resolve next to it)
#   share/isocheck/source/              the sources a host needs, from which the driver builds
#                                       a host for a Python that has none (supervisor/host_builder.h)
#
# The driver finds the manifest at ../libexec/isocheck/ from its own directory, and the source
# at ../share/isocheck/source/, so bin/, libexec/ and share/ must stay siblings. In a wheel
# (SKBUILD) bin/ is the scripts directory and the other two go to the data directory: in a
# venv both are the venv's root (bin/ and the venv itself), so the layout holds there too.
if(SKBUILD)
  set(ISOCHECK_INSTALL_BINDIR "${SKBUILD_SCRIPTS_DIR}")
  set(ISOCHECK_INSTALL_LIBEXECDIR "${SKBUILD_DATA_DIR}/libexec/isocheck")
  set(ISOCHECK_INSTALL_SOURCEDIR "${SKBUILD_DATA_DIR}/share/isocheck/source")
else()
  include(GNUInstallDirs)
  set(ISOCHECK_INSTALL_BINDIR "${CMAKE_INSTALL_BINDIR}")
  set(ISOCHECK_INSTALL_LIBEXECDIR "${CMAKE_INSTALL_LIBEXECDIR}/isocheck")
  set(ISOCHECK_INSTALL_SOURCEDIR "${CMAKE_INSTALL_DATADIR}/isocheck/source")
endif()

install(TARGETS isocheck RUNTIME DESTINATION "${ISOCHECK_INSTALL_BINDIR}")
foreach(ver IN LISTS ISOCHECK_PYTHON_VERSIONS)
  install(TARGETS isocheck-host-${ver} RUNTIME DESTINATION "${ISOCHECK_INSTALL_LIBEXECDIR}")
endforeach()
install(FILES "${CMAKE_BINARY_DIR}/bin/isocheck-hosts.json" DESTINATION "${ISOCHECK_INSTALL_LIBEXECDIR}")

# The source of a host build: this file's project without its tests (ISOCHECK_BUILD_TESTS=OFF
# there), so no test file, test data, fixture or benchmark.
install(FILES "${PROJECT_SOURCE_DIR}/CMakeLists.txt" DESTINATION "${ISOCHECK_INSTALL_SOURCEDIR}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/cmake" "${PROJECT_SOURCE_DIR}/harness" "${PROJECT_SOURCE_DIR}/scenarios"
                  "${PROJECT_SOURCE_DIR}/reports"
        DESTINATION "${ISOCHECK_INSTALL_SOURCEDIR}"
        PATTERN "*_test.cpp" EXCLUDE
        PATTERN "report_test_support.h" EXCLUDE
        PATTERN "testdata" EXCLUDE
        PATTERN "out" EXCLUDE
        PATTERN "__pycache__" EXCLUDE)
