// algohost_registry: the Python exceptions raised for a non-ok Status.
//
//   RegistryError(Exception)                      every catalog failure; .code is the StatusCode name
//   NotFoundError(RegistryError, LookupError)     kNotFound: unknown strategy, version, run, parameter
//   InvalidArgumentError(RegistryError, ValueError)  kInvalidArgument: a bad value (range, enum, timestamp)
//   AlreadyExistsError(RegistryError)             kAlreadyExists: name taken, version published with another hash
//   FailedPreconditionError(RegistryError)        kFailedPrecondition: schema too new, closed
//
// Other codes (I/O, such as a change to a read-only catalog; corruption; internal) raise
// RegistryError itself. Wrong argument types never
// reach the catalog: pybind11 and the converters raise TypeError for them.
#pragma once

#include <pybind11/pybind11.h>

#include "registry/common/status.h"

namespace algohost::pybind {

// Creates the exception classes as attributes of `m`. Call once, from the module's init.
void register_exceptions(pybind11::module_& m);

// Raises the Python exception mapped from `st` (which must not be ok) with the Status message and
// `.code` set: sets the Python error indicator and throws pybind11::error_already_set. The GIL
// must be held.
[[noreturn]] void raise_status(const Status& st);

}  // namespace algohost::pybind
