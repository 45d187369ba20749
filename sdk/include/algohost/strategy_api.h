/*
 * algohost strategy plugin ABI — the C contract between the host and a strategy plugin.
 *
 * This header is the whole boundary ("hourglass"): plain C structs, function pointers and an
 * opaque instance handle. No C++ type and no exception crosses it. A plugin is a shared library
 * that exports one function, ALGOHOST_ENTRY_SYMBOL, returning a descriptor (ah_strategy_api): the
 * API version the plugin was built against, followed by the function table.
 *
 * Versioning: MAJOR.MINOR. The host refuses a plugin whose major differs from its own or whose
 * minor is newer than its own. Within one major the table is only ever appended to, and
 * `struct_size` tells the host how much of it the plugin has. 1.1 added carry to slices and
 * series; 1.2 appended import_state_from (state handover across versions, for hot swap).
 *
 * Threading: the host calls one instance from one thread at a time. Different instances may be
 * called concurrently from different threads, so a plugin keeps no unsynchronised global state.
 *
 * Memory: every pointer the host passes in is owned by the host and valid only for the duration
 * of the call. Every pointer a plugin hands out (error text, state bytes, describe JSON) is owned
 * by the plugin and stays valid until the next call on the same instance or its destruction.
 */
#ifndef ALGOHOST_STRATEGY_API_H_
#define ALGOHOST_STRATEGY_API_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AH_API_VERSION_MAJOR 1
#define AH_API_VERSION_MINOR 2

/* Name of the one symbol a plugin exports; its type is ah_entry_fn. */
#define ALGOHOST_ENTRY_SYMBOL "algohost_strategy_entry"

/* Status codes returned by every table function that can fail. */
typedef enum ah_status {
  AH_OK = 0,
  AH_ERROR = 1,          /* failed; the instance's last_error() says why */
  AH_UNSUPPORTED = 2,    /* the plugin does not implement this call (e.g. no batch entry, no
                            state to export, or a state it cannot import) */
  AH_BAD_ARGUMENT = 3    /* an argument was out of contract (null pointer, too small buffer) */
} ah_status;

/* One OHLCV bar. Timestamps are UTC milliseconds since the Unix epoch, at the bar's open. */
typedef struct ah_bar {
  int64_t ts_ms;
  double open;
  double high;
  double low;
  double close;
  double volume;
} ah_bar;

/*
 * A time-aligned slice: the bars of several symbols at one timestamp. `bars[i]` belongs to
 * `symbols[i]`; `has_bar[i]` is 0 when symbol i printed no bar at `ts_ms` (bars[i] then repeats
 * the symbol's last bar and must not be read as new information). Single-symbol strategies are
 * always handed slices of exactly one symbol.
 */
typedef struct ah_slice {
  int64_t ts_ms;
  uint32_t n_symbols;
  const char* const* symbols;
  const ah_bar* bars;
  const uint8_t* has_bar;
  /* API 1.1: carry[i] is symbol i's annual carry (interest-rate differential) as of its latest
   * bar, or the whole pointer is null when the data has no carry series. A plugin built against
   * 1.1 may read it: a host older than 1.1 refuses such a plugin. */
  const double* carry;
} ah_slice;

/* A series of bars of one symbol in columns (structure of arrays), oldest first. */
typedef struct ah_series {
  const char* symbol;
  uint64_t n;
  const int64_t* ts_ms;
  const double* open;
  const double* high;
  const double* low;
  const double* close;
  const double* volume;
  /* API 1.1: annual carry per bar, or null when the data has none. */
  const double* carry;
} ah_series;

/* What a signal asks for. */
typedef enum ah_action {
  AH_HOLD = 0,   /* no change */
  AH_BUY = 1,    /* go long (or close a short) */
  AH_SELL = 2,   /* go short (or close a long) */
  AH_TARGET = 3  /* hold `target_position` (fraction of equity, negative = short) */
} ah_action;

#define AH_MAX_DIAGNOSTICS 4
#define AH_REASON_LEN 24

/*
 * One signal. Unused numeric fields are 0 (a stop_loss or take_profit of 0 means none; a
 * position_size of 0 means "the host's default size"). `reason` is a short NUL-terminated tag
 * such as "oversold". `diag[0..n_diag)` are the indicator readings behind the signal; their names
 * are given once per instance by describe().
 */
typedef struct ah_signal {
  int64_t ts_ms;          /* timestamp of the bar the signal was computed on */
  uint32_t symbol_index;  /* index into the slice's symbols (0 for a series) */
  int32_t action;         /* an ah_action */
  double target_position; /* for AH_TARGET: fraction of equity, negative = short. The host
                             refuses a signal whose value is not finite or whose magnitude
                             exceeds 10 (a failed call); the paper broker then holds at most
                             -1..1 of equity (0..1 when shorting is off), clamping anything
                             beyond. A Python strategy's target must lie in -1..1. */
  double confidence;      /* 0..1 */
  double position_size;   /* fraction of equity, 0..1; 0 = host default */
  double stop_loss;       /* absolute price; 0 = none */
  double take_profit;     /* absolute price; 0 = none */
  char reason[AH_REASON_LEN];
  uint32_t n_diag;
  double diag[AH_MAX_DIAGNOSTICS];
} ah_signal;

/* Opaque strategy instance, created and owned by the plugin. */
typedef struct ah_instance ah_instance;

/*
 * The descriptor. Fields are only ever appended; a host reads no field at or past `struct_size`.
 * All function pointers of API 1.0 are required (non-null).
 */
typedef struct ah_strategy_api {
  uint32_t api_major;   /* AH_API_VERSION_MAJOR the plugin was built with */
  uint32_t api_minor;   /* AH_API_VERSION_MINOR the plugin was built with */
  uint32_t struct_size; /* sizeof(ah_strategy_api) as the plugin saw it */
  const char* name;     /* the strategy's name, for messages; static storage */

  /*
   * Creates an instance from a flat JSON object of parameter values (every parameter of the
   * manifest, already checked and defaulted by the host). On success stores the instance in
   * *out and returns AH_OK. On failure returns AH_ERROR and writes a NUL-terminated message of
   * at most err_cap bytes (including the NUL) into err. Any thread; instances are independent.
   */
  int32_t (*create)(const char* params_json, ah_instance** out, char* err, size_t err_cap);

  /* Destroys an instance. The handle is invalid afterwards. Null is ignored. */
  void (*destroy)(ah_instance* inst);

  /*
   * JSON describing the instance, at least {"diagnostics": ["name", ...]} naming the diag[]
   * slots of its signals. The string is owned by the instance.
   */
  const char* (*describe)(ah_instance* inst);

  /*
   * Processes one slice. Writes at most `cap` signals to `out` and their count to *n_out
   * (0 is fine: no opinion). Returns AH_OK, or AH_ERROR with last_error() set.
   */
  int32_t (*on_slice)(ah_instance* inst, const ah_slice* slice, ah_signal* out, uint32_t cap,
                      uint32_t* n_out);

  /*
   * Processes the next `series->n` bars of one symbol, continuing from the instance's state, and
   * writes exactly one signal per bar to out[0..n). Must give the same signals as feeding the
   * same bars one by one through on_slice. Stores in *n_done how many bars were processed: n on
   * success; on AH_ERROR the index of the bar that failed, out[0..*n_done) being valid signals
   * of the bars before it (so a host can stop the strategy at exactly that bar). Returns
   * AH_UNSUPPORTED for strategies that need several symbols at once.
   */
  int32_t (*on_batch)(ah_instance* inst, const ah_series* series, ah_signal* out, uint64_t* n_done);

  /*
   * Serialises the instance's state, for hot swap: the host hands it to the next version's
   * import_state_from (or import_state) so that it continues where this one stopped. *data and
   * *len point at bytes owned by the instance, valid until the next call on it. Returns
   * AH_UNSUPPORTED when the strategy keeps no exportable state: the host then warms the next
   * version up by replaying recent bars instead. A failure does not stop the instance.
   */
  int32_t (*export_state)(ah_instance* inst, const char** data, size_t* len);

  /*
   * Restores state produced by export_state of the same strategy. AH_ERROR (last_error set) when
   * the state is malformed or was exported with other parameters, AH_UNSUPPORTED when the
   * strategy imports no state. A failed import should leave the instance as it was: the host
   * may still warm it up on recent bars and run it.
   */
  int32_t (*import_state)(ah_instance* inst, const char* data, size_t len);

  /* The message of the last failed call on this instance ("" if none). Owned by the instance. */
  const char* (*last_error)(ah_instance* inst);

  /* ---- API 1.2 (optional: may be null; absent when struct_size < AH_API_1_2_SIZE) ---- */

  /*
   * Restores state exported by version `from_version` (semver text such as "1.4.0", NUL-
   * terminated) of the same strategy, so that a newer version can migrate an older version's
   * layout (as Erlang/OTP's code_change does). `from_version` may be this very version (a
   * restart, a parameter change). Returns AH_OK; AH_ERROR with last_error set when the state is
   * bad; AH_UNSUPPORTED when it cannot import state of that version (the host then warms the
   * instance up on recent bars). As import_state, a failure should leave the instance unchanged.
   * When this entry is absent or null, the host calls import_state and does not say which
   * version wrote the state.
   */
  int32_t (*import_state_from)(ah_instance* inst, const char* data, size_t len, const char* from_version);
} ah_strategy_api;

/* The type of the exported entry symbol. Returns a pointer to static storage; never null. */
typedef const ah_strategy_api* (*ah_entry_fn)(void);

/* Size of the API 1.0 descriptor: what a host requires at least. */
#define AH_API_1_0_SIZE (offsetof(ah_strategy_api, last_error) + sizeof(void*))
/* API 1.1 appended no descriptor field (only ah_slice.carry and ah_series.carry). */
#define AH_API_1_1_SIZE AH_API_1_0_SIZE
/* Size of the API 1.2 descriptor: import_state_from is present at or above it. */
#define AH_API_1_2_SIZE (offsetof(ah_strategy_api, import_state_from) + sizeof(void*))

#if defined(_WIN32)
#define AH_EXPORT __declspec(dllexport)
#else
#define AH_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
}
#endif

#endif /* ALGOHOST_STRATEGY_API_H_ */
