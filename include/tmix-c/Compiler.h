/*===- Compiler.h - C API of tmix-compile's library ---------------*- C -*-===*
 *
 * Compile an ONNX model (a file, or bytes in memory) to a shared library
 * with the C ABI of tmix-c/Model.h, in-process. Options are those of
 * tmix-compile (tmix/Options.def), set by name with typed setters; every
 * failure returns non-zero with a message in *error (free it with
 * tmix_compile_free_error).
 *
 *   tmix_compile_options *o = tmix_compile_options_create();
 *   tmix_compile_options_set_string(o, "mixer", "linear", &error);
 *   tmix_compile_options_append(o, "layers", "0-3", &error);
 *   tmix_compile_file("model.onnx", "model.so", o, NULL, &error);
 *   tmix_compile_options_destroy(o);
 *
 * The model support library (libtmix_model_support.a) is found in the lib/
 * of the tmix installation this code comes from, or at the path in
 * $TMIX_MODEL_SUPPORT; models are linked with clang ($TMIX_CLANG, else the
 * LLVM 22 one).
 *
 *===----------------------------------------------------------------------===*/

#ifndef TMIX_C_COMPILER_H
#define TMIX_C_COMPILER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tmix_compile_options tmix_compile_options;

/* Options with tmix-compile's defaults. */
tmix_compile_options *tmix_compile_options_create(void);
void tmix_compile_options_destroy(tmix_compile_options *options);

/* Sets option `name` (a tmix-compile flag without "--"; '_' may stand for
 * '-'), which must have the setter's type: a bool, an integer or a string
 * option; `append` adds one entry to a list option (layers, nodes,
 * input-shape, bind-input). 0 on success. Values are checked as a whole
 * when a compile starts. */
int32_t tmix_compile_options_set_bool(tmix_compile_options *options,
                                      const char *name, int32_t value,
                                      char **error);
int32_t tmix_compile_options_set_int(tmix_compile_options *options,
                                     const char *name, int64_t value,
                                     char **error);
int32_t tmix_compile_options_set_string(tmix_compile_options *options,
                                        const char *name, const char *value,
                                        char **error);
int32_t tmix_compile_options_append(tmix_compile_options *options,
                                    const char *name, const char *value,
                                    char **error);

/* Compiles the model in file `model_path` to `output_path` (and
 * `output_path`.weights when its weights are external). `report`, if not
 * NULL, receives the mixer report as JSON (free it with
 * tmix_compile_free_error). 0 on success; otherwise non-zero, no output
 * file, and the compiler's messages (one line each) in *error. */
int32_t tmix_compile_file(const char *model_path, const char *output_path,
                          const tmix_compile_options *options, char **report,
                          char **error);
/* As tmix_compile_file for a model in memory (binary ModelProto or ONNX
 * text); external data is read relative to `base_dir` (NULL: "."). */
int32_t tmix_compile_bytes(const void *data, size_t size, const char *base_dir,
                           const char *output_path,
                           const tmix_compile_options *options, char **report,
                           char **error);

/* Frees a message or report returned by this API (NULL is fine). */
void tmix_compile_free_error(char *error);

#ifdef __cplusplus
}
#endif

#endif /* TMIX_C_COMPILER_H */
