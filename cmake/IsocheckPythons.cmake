# Discover every CPython >= 3.12 that can be embedded: a shared libpython plus headers.
#
# Candidates, in order of preference (the first install of a minor version wins):
#   1. ISOCHECK_PYTHONS, a user-given list of interpreter executables (or venv pythons);
#   2. python3.N found on PATH, kept only when it actually runs (pyenv shims exit 127
#      unless their version is selected; see spec/primer.md);
#   3. every version under pyenv's root ($PYENV_ROOT, `pyenv root`, or ~/.pyenv).
# With ISOCHECK_DISCOVER_PYTHONS=OFF only the first (a pip install, a host built on demand).
#
# Each accepted interpreter is described by running it once with a small probe and
# yields, for its key V, the cache-free variables
#   ISOCHECK_PY_<V>_{EXECUTABLE,VERSION,INCLUDE_DIR,LIBRARY,EXT_SUFFIX,DEBUG,DYNLOAD}
# and V is appended to ISOCHECK_PYTHON_VERSIONS. V is the minor version (3.12), with a "d"
# for a debug build (3.14d, Py_DEBUG: another ABI, its own libpython and extension suffix,
# so its own host and its own column; VERSION is then 3.14.8d too).
#
# A candidate that cannot be embedded (no shared libpython or no headers) gets one STATUS
# line saying so and no host; it never fails the configure.

set(ISOCHECK_PYTHONS "" CACHE STRING "Extra CPython executables to build hosts for (;-list)")
option(ISOCHECK_DISCOVER_PYTHONS "Look for CPythons on PATH and in pyenv besides ISOCHECK_PYTHONS" ON)
set(ISOCHECK_MIN_PYTHON "3.12")

set(_isocheck_probe [=[
import sys, sysconfig, os
v = sysconfig.get_config_var
libdir = v("LIBDIR") or ""
ld = v("LDLIBRARY") or ""
lib = os.path.join(libdir, ld)
print("VERSION=" + ".".join(map(str, sys.version_info[:3])))
print("MINOR=%d.%d" % sys.version_info[:2])
print("INCLUDE_DIR=" + (sysconfig.get_paths().get("include") or ""))
# Where the shared libpython is: LIBDIR on a plain `make install`, but Debian's sysconfig
# says LIBDIR=/usr/lib while the library sits in the multiarch directory (or LIBPL).
for d in (libdir, os.path.join(libdir, v("MULTIARCH") or ""), v("LIBPL") or ""):
    if d and ld and os.path.exists(os.path.join(d, ld)):
        lib = os.path.join(d, ld)
        break
print("LIBRARY=" + lib)
print("SHARED=" + str(v("Py_ENABLE_SHARED") or 0))
print("EXT_SUFFIX=" + (v("EXT_SUFFIX") or ""))
print("DEBUG=" + ("1" if hasattr(sys, "gettotalrefcount") else "0"))
print("EXECUTABLE=" + sys.executable)
print("DYNLOAD=" + (v("DESTSHARED") or ""))
]=])

function(_isocheck_describe_python exe out_ok)
  set(${out_ok} FALSE PARENT_SCOPE)
  execute_process(COMMAND "${exe}" -I -c "${_isocheck_probe}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_QUIET TIMEOUT 20)
  if(NOT rc EQUAL 0)
    return()
  endif()
  string(REPLACE "\n" ";" lines "${out}")
  foreach(line IN LISTS lines)
    if(line MATCHES "^([A-Z_]+)=(.*)$")
      set(_py_${CMAKE_MATCH_1} "${CMAKE_MATCH_2}" PARENT_SCOPE)
    endif()
  endforeach()
  set(${out_ok} TRUE PARENT_SCOPE)
endfunction()

# Appends to the list `out` the interpreters found on PATH and under pyenv's root.
function(_isocheck_discovered_candidates out)
  set(candidates ${${out}})
  foreach(minor RANGE 12 20)
    # python3.Nd: the debug build's name (Debian's python3.N-dbg, `make altinstall` of
    # --with-pydebug).
    foreach(suffix "" d)
      find_program(_exe_3_${minor}${suffix} NAMES python3.${minor}${suffix} NO_CACHE)
      if(_exe_3_${minor}${suffix})
        list(APPEND candidates "${_exe_3_${minor}${suffix}}")
      endif()
    endforeach()
  endforeach()
  set(pyenv_root "$ENV{PYENV_ROOT}")
  if(NOT pyenv_root)
    execute_process(COMMAND pyenv root OUTPUT_VARIABLE pyenv_root
                    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      set(pyenv_root "$ENV{HOME}/.pyenv")
    endif()
  endif()
  file(GLOB pyenv_exes "${pyenv_root}/versions/*/bin/python3")
  list(SORT pyenv_exes COMPARE NATURAL ORDER DESCENDING)
  list(APPEND candidates ${pyenv_exes})
  set(${out} "${candidates}" PARENT_SCOPE)
endfunction()

function(isocheck_discover_pythons)
  set(candidates ${ISOCHECK_PYTHONS})
  if(ISOCHECK_DISCOVER_PYTHONS)
    _isocheck_discovered_candidates(candidates)
  endif()

  set(versions "")
  foreach(exe IN LISTS candidates)
    _isocheck_describe_python("${exe}" ok)
    if(NOT ok)
      message(STATUS "isocheck: skipping ${exe}: it does not run")
      continue()
    endif()
    if(_py_MINOR VERSION_LESS ISOCHECK_MIN_PYTHON)
      continue()
    endif()
    set(key "${_py_MINOR}")
    set(version "${_py_VERSION}")
    if(_py_DEBUG)
      string(APPEND key "d")
      string(APPEND version "d")
    endif()
    if(key IN_LIST versions)
      continue()
    endif()
    if(NOT _py_SHARED OR NOT EXISTS "${_py_LIBRARY}")
      message(STATUS "isocheck: no host for ${exe} (CPython ${version}): no shared libpython "
                     "(built without --enable-shared, or its libpython-dev package is missing)")
      continue()
    endif()
    if(NOT EXISTS "${_py_INCLUDE_DIR}/Python.h")
      message(STATUS "isocheck: no host for ${exe} (CPython ${version}): no Python.h in "
                     "${_py_INCLUDE_DIR} (install its -dev package)")
      continue()
    endif()
    list(APPEND versions "${key}")
    foreach(var INCLUDE_DIR LIBRARY EXT_SUFFIX DEBUG DYNLOAD)
      set(ISOCHECK_PY_${key}_${var} "${_py_${var}}" PARENT_SCOPE)
    endforeach()
    set(ISOCHECK_PY_${key}_VERSION "${version}" PARENT_SCOPE)
    # Keep the path the user (or PATH) named, not sys.executable: a venv's python reports
    # the venv path, which is what the host must pretend to be to see the venv's sys.path.
    set(ISOCHECK_PY_${key}_EXECUTABLE "${exe}" PARENT_SCOPE)
    message(STATUS "isocheck: CPython ${version} at ${exe}")
  endforeach()
  if(NOT versions)
    message(WARNING "isocheck: no embeddable CPython >= ${ISOCHECK_MIN_PYTHON} found; "
                    "pass -DISOCHECK_PYTHONS=/path/to/python3.12")
  endif()
  set(ISOCHECK_PYTHON_VERSIONS "${versions}" PARENT_SCOPE)
endfunction()
