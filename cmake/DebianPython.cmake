# Chooses Debian's Python (/usr/bin/python3 with libpython3.11 and Debian's numpy) over whatever
# python3 comes first on the PATH (a pyenv build without numpy on our machines). The person
# building does not have to say so; -DPython3_EXECUTABLE=... still overrides it.
if(NOT DEFINED Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python3_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "Python interpreter to build and embed against")
endif()
set(Python3_FIND_STRATEGY LOCATION)
set(Python3_FIND_VIRTUALENV STANDARD)
find_package(Python3 3.9 REQUIRED COMPONENTS Interpreter Development.Embed Development.Module)
message(STATUS "algohost: Python ${Python3_VERSION} at ${Python3_EXECUTABLE}")
# pybind11 is used header-only (its CMake helpers would run their own Python search).
find_path(PYBIND11_INCLUDE_DIR pybind11/pybind11.h REQUIRED)
