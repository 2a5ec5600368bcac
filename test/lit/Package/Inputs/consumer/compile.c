/* Compiles an ONNX model (ONNX text, in memory) through tmix's C API, with
 * typed options and every kind of error the API reports. */
#include "tmix-c/Compiler.h"

#include <stdio.h>
#include <string.h>

static const char model[] =
    "<ir_version: 8, opset_import: [\"\" : 17]>\n"
    "tiny (float[2,3] X) => (float[2,3] Y) {\n  Y = Relu(X)\n}\n";

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  char *error = NULL, *report = NULL;
  tmix_compile_options *o = tmix_compile_options_create();
  /* Wrong type, unknown name: refused at once. */
  if (tmix_compile_options_set_int(o, "mixer", 3, &error) == 0)
    return 1;
  printf("type: %s\n", error);
  tmix_compile_free_error(error);
  if (tmix_compile_options_set_string(o, "no_such", "x", &error) == 0)
    return 1;
  printf("name: %s\n", error);
  tmix_compile_free_error(error);
  /* A combination checked when the compile starts. */
  tmix_compile_options_append(o, "layers", "0", &error);
  if (tmix_compile_bytes(model, strlen(model), NULL, argv[1], o, NULL,
                         &error) == 0)
    return 1;
  printf("check: %s\n", error);
  tmix_compile_free_error(error);
  tmix_compile_options_destroy(o);
  /* A good compile, with the report. */
  o = tmix_compile_options_create();
  if (tmix_compile_options_set_bool(o, "parallel", 0, &error) ||
      tmix_compile_options_set_int(o, "tile_q", 64, &error) ||
      tmix_compile_bytes(model, strlen(model), NULL, argv[1], o, &report,
                         &error)) {
    printf("error: %s\n", error);
    return 1;
  }
  printf("compiled: %s\n", argv[1]);
  printf("report: %.60s\n", report ? report : "(none)");
  tmix_compile_free_error(report);
  tmix_compile_options_destroy(o);
  return 0;
}
