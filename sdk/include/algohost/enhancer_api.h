/*
 * algohost enhancer plugin ABI — the C contract between the host and a signal enhancer.
 *
 * An enhancer sits between a strategy's signal and the paper broker, as the built-in MEM stage
 * does (docs/mem.md): it may change the confidence and the position size of a signal, or veto an
 * entry, and it learns from every closed trade. Like the strategy ABI (strategy_api.h) this header
 * is the whole boundary ("hourglass"): plain C structs, function pointers and an opaque instance
 * handle; no C++ type and no exception crosses it. A plugin is a shared library that exports one
 * function, ALGOHOST_ENHANCER_ENTRY_SYMBOL, returning a descriptor (ah_enhancer_api): the enhancer
 * API version it was built against, followed by the function table. Its manifest says
 * "kind": "enhancer" and gives this API's version as implementation.sdk_api_version.
 *
 * Versioning: MAJOR.MINOR, separate from the strategy ABI's. The host refuses a plugin whose major
 * differs from its own or whose minor is newer than its own. Within one major the table and the
 * structs are only ever appended to; `struct_size` tells the host how much of the table there is.
 *
 * When the host calls: enhance() for every signal of the strategy that would change its account
 * (an entry, a resize or an exit; never a hold or a signal the broker would ignore) on a bar in
 * the run's scoring part; learn() for every closed trade of the strategy's unenhanced (base) arm,
 * in close order, each exactly once. See docs/mem.md, "Enhancer plugins".
 *
 * Threading: the host calls one instance from one thread at a time. Different instances (one per
 * strategy) may be called concurrently, so a plugin keeps no unsynchronised global state.
 *
 * Memory: every pointer the host passes in is owned by the host and valid only for the duration
 * of the call. What a plugin hands out (error text, state bytes) is owned by the plugin and stays
 * valid until the next call on the same instance or its destruction.
 *
 * Failures: a call that returns anything but AH_OK, or fills the output out of contract, leaves
 * the signal unchanged and is counted; after a number of failed calls in a row (a host setting,
 * default 5) the host stops calling the instance for the rest of the run and says so in its report.
 */
#ifndef ALGOHOST_ENHANCER_API_H_
#define ALGOHOST_ENHANCER_API_H_

#include <stddef.h>
#include <stdint.h>

#include <algohost/strategy_api.h> /* ah_status, ah_bar, ah_action, AH_EXPORT */

#ifdef __cplusplus
extern "C" {
#endif

#define AH_ENHANCER_API_VERSION_MAJOR 1
#define AH_ENHANCER_API_VERSION_MINOR 0

/* Name of the one symbol an enhancer plugin exports; its type is ah_enhancer_entry_fn. */
#define ALGOHOST_ENHANCER_ENTRY_SYMBOL "algohost_enhancer_entry"

/* The market regime of a bar (host/engine/market_context.h). */
typedef enum ah_regime {
  AH_REGIME_UNKNOWN = 0, /* not enough history yet */
  AH_REGIME_TRENDING = 1,
  AH_REGIME_MEAN_REVERTING = 2,
  AH_REGIME_VOLATILE = 3
} ah_regime;

/*
 * What the host knows of a symbol's market as of a bar, computed from that bar and the bars
 * before it (never later ones) over a window of 20 bars. Until the window is full `ready` is 0,
 * `regime` is AH_REGIME_UNKNOWN and volatility and window_return are 0.
 */
typedef struct ah_market_context {
  int32_t ready;        /* 1 when the readings below are computed from a full window */
  int32_t regime;       /* an ah_regime */
  double volatility;    /* annualized sample stdev of the window's simple returns */
  double volume_ratio;  /* this bar's volume / mean volume of the window's bars before it */
  double window_return; /* close / close at the window's start - 1: the recent return */
} ah_market_context;

/* The role of a signal for the strategy's account on its symbol. */
typedef enum ah_signal_role {
  AH_ROLE_ENTRY = 1,  /* flat now; the signal opens a position */
  AH_ROLE_RESIZE = 2, /* in a position; the signal resizes it or turns it to the other side */
  AH_ROLE_EXIT = 3    /* in a position; the signal closes it */
} ah_signal_role;

/* One signal to judge. */
typedef struct ah_enhance_input {
  int64_t ts_ms;            /* the signal's bar, UTC milliseconds at its open */
  uint32_t symbol_index;    /* index of the symbol in the run's data */
  int32_t role;             /* an ah_signal_role */
  const char* symbol;       /* the symbol's name */
  const char* strategy;     /* the strategy's "name@version" */
  ah_bar bar;               /* the symbol's bar the signal was computed on */
  ah_market_context context;
  int32_t action;           /* the base signal's ah_action: AH_BUY, AH_SELL or AH_TARGET */
  int32_t side;             /* +1 long, -1 short, 0 flat (what the position becomes) */
  double confidence;        /* the base signal's confidence, 0..1 */
  double size;              /* its size, fraction of equity 0..1: position_size (or the host's
                               default size when it gives none), |target_position| for AH_TARGET */
  double position;          /* the account's quantity on the symbol now (signed; 0 = flat) */
} ah_enhance_input;

#define AH_ENHANCER_REASONING_LEN 256

/*
 * The judgement. The host fills it with the input's values (confidence, size, veto 0, reasoning
 * "") before the call, so an enhancer sets only what it changes. Contract: confidence and size
 * finite and within 0..1, veto 0 or 1, reasoning NUL-terminated within its array.
 *
 * What the host applies: always the confidence. Size and veto only in "full" enhancement
 * (mem_integration.enhancement_type), and by role: an ENTRY takes the size and the veto (a size of
 * 0 is a veto too); a RESIZE takes the size (0 closes the position) but never a veto; an EXIT takes
 * neither, so an enhancer never holds a position open.
 */
typedef struct ah_enhance_output {
  double confidence;
  double size;
  int32_t veto;
  char reasoning[AH_ENHANCER_REASONING_LEN]; /* recorded with the trade; name what you used */
} ah_enhance_output;

/* One closed trade of the strategy (its unenhanced arm), for learning. */
typedef struct ah_trade_outcome {
  uint32_t symbol_index;
  const char* symbol;
  int32_t side;              /* +1 long, -1 short */
  int64_t entry_ts_ms, exit_ts_ms;
  double entry_price, exit_price;
  double quantity;           /* units, > 0 */
  double pnl;                /* net of commission (slippage is in the prices) */
  double trade_return;       /* pnl / entry notional (a fraction: 0.02 = 2%) */
  int32_t won;               /* pnl > 0 */
  double confidence;         /* the entry signal's confidence */
  ah_market_context entry_context; /* the market as of the entry signal's bar */
  const char* exit_reason;   /* "signal", "stop_loss", "take_profit" or "end_of_data" */
} ah_trade_outcome;

/* Opaque enhancer instance, created and owned by the plugin. */
typedef struct ah_enhancer ah_enhancer;

/*
 * The descriptor. Fields are only ever appended; a host reads no field at or past `struct_size`.
 * create, destroy, enhance, learn and last_error are required (non-null); export_state and
 * import_state may be null (an enhancer without state to keep between runs).
 */
typedef struct ah_enhancer_api {
  uint32_t api_major;   /* AH_ENHANCER_API_VERSION_MAJOR the plugin was built with */
  uint32_t api_minor;   /* AH_ENHANCER_API_VERSION_MINOR the plugin was built with */
  uint32_t struct_size; /* sizeof(ah_enhancer_api) as the plugin saw it */
  const char* name;     /* the enhancer's name, for messages; static storage */

  /*
   * Creates an instance from a flat JSON object of parameter values (every parameter of the
   * manifest, already checked and defaulted by the host). On success stores the instance in *out
   * and returns AH_OK. On failure returns AH_ERROR and writes a NUL-terminated message of at most
   * err_cap bytes (including the NUL) into err. One instance serves one strategy for one run.
   */
  int32_t (*create)(const char* params_json, ah_enhancer** out, char* err, size_t err_cap);

  /* Destroys an instance. The handle is invalid afterwards. Null is ignored. */
  void (*destroy)(ah_enhancer* inst);

  /* Judges one signal: fills *out (see ah_enhance_output). Returns AH_OK, or AH_ERROR with
   * last_error() set (the signal then passes unchanged). */
  int32_t (*enhance)(ah_enhancer* inst, const ah_enhance_input* in, ah_enhance_output* out);

  /* Learns one closed trade. Returns AH_OK, or AH_ERROR with last_error() set. */
  int32_t (*learn)(ah_enhancer* inst, const ah_trade_outcome* outcome);

  /*
   * Optional. Serialises what the instance learned as JSON text, so the next run of the same
   * strategy continues from it. *data and *len point at bytes owned by the instance, valid until
   * the next call on it; a length of 0 means nothing to keep.
   */
  int32_t (*export_state)(ah_enhancer* inst, const char** data, size_t* len);

  /* Optional. Restores what export_state produced (called before any enhance or learn). */
  int32_t (*import_state)(ah_enhancer* inst, const char* data, size_t len);

  /* The message of the last failed call on this instance ("" if none). Owned by the instance. */
  const char* (*last_error)(ah_enhancer* inst);
} ah_enhancer_api;

/* The type of the exported entry symbol. Returns a pointer to static storage; never null. */
typedef const ah_enhancer_api* (*ah_enhancer_entry_fn)(void);

/* Size of the API 1.0 descriptor: what a host requires at least. */
#define AH_ENHANCER_API_1_0_SIZE (offsetof(ah_enhancer_api, last_error) + sizeof(void*))

#ifdef __cplusplus
}
#endif

#endif /* ALGOHOST_ENHANCER_API_H_ */
